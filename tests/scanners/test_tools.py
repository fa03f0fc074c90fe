"""The one runner and executable finder for external tools (Bandit, Semgrep, Safety,
OSV-Scanner), tried on tiny real executables written into ``tmp_path``."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import pytest

from scriptrunner.errors import ScannerError
from scriptrunner.scanners.tools import ExternalTool, find_executable, run_tool, tail

TOOL = ExternalTool("faketool", "install faketool or set SCRIPTRUNNER_FAKETOOL")


def script(path: Path, body: str, *, executable: bool = True) -> Path:
    """A Python script that is a real executable (shebang + x bit)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!{sys.executable}\nimport sys, time\n{body}\n")
    if executable:
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_configured_path_is_used_or_named_in_the_error(tmp_path: Path) -> None:
    exe = script(tmp_path / "bin" / "faketool", "print('ok')")
    assert find_executable(TOOL, str(exe)) == exe
    missing = tmp_path / "nope" / "faketool"
    with pytest.raises(ScannerError) as info:
        find_executable(TOOL, str(missing))
    assert str(info.value) == (
        f"faketool not found at {missing}: install faketool or set SCRIPTRUNNER_FAKETOOL"
    )
    assert info.value.exit_code == 2


def test_a_file_without_the_executable_bit_is_not_an_executable(tmp_path: Path) -> None:
    plain = script(tmp_path / "faketool", "print('ok')", executable=False)
    with pytest.raises(ScannerError, match="faketool not found at"):
        find_executable(TOOL, str(plain))


def test_names_are_looked_up_on_path_after_the_candidates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_path = script(tmp_path / "bin" / "faketool", "print('ok')")
    candidate = script(tmp_path / "checkout" / "faketool", "print('ok')")
    monkeypatch.setenv("PATH", str(on_path.parent))
    assert find_executable(TOOL, "faketool") == on_path
    assert find_executable(TOOL, "", candidates=[tmp_path / "none", candidate]) == candidate
    assert find_executable(TOOL, "") == on_path
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(ScannerError, match=r"^faketool not found on PATH: install faketool"):
        find_executable(TOOL, "")
    with pytest.raises(ScannerError, match=r"^faketool not found on PATH \(looked for 'other'\)"):
        find_executable(TOOL, "other")


def test_output_is_captured_and_accepted_exit_codes_pass(tmp_path: Path) -> None:
    exe = script(tmp_path / "t", "print('report'); print('note', file=sys.stderr); sys.exit(64)")
    proc = run_tool(TOOL, [str(exe)], cwd=tmp_path, ok_exits=(0, 64))
    assert (proc.returncode, proc.stdout, proc.stderr) == (64, "report\n", "note\n")


def test_other_exit_codes_fail_closed_with_the_tail_of_stderr(tmp_path: Path) -> None:
    exe = script(tmp_path / "t", "print('x' * 2000, file=sys.stderr); sys.exit(3)")
    with pytest.raises(ScannerError) as info:
        run_tool(TOOL, [str(exe)], ok_exits=(0, 1), subject="on requirements.txt")
    message = str(info.value)
    assert message.startswith("faketool failed (exit 3) on requirements.txt: ...xxx")
    assert "Traceback" not in message and len(message) < 900


def test_exit_codes_are_left_to_the_caller_without_ok_exits(tmp_path: Path) -> None:
    exe = script(tmp_path / "t", "sys.exit(5)")
    assert run_tool(TOOL, [str(exe)]).returncode == 5


def test_a_tool_that_hangs_is_stopped_at_the_timeout(tmp_path: Path) -> None:
    exe = script(tmp_path / "t", "time.sleep(30)")
    with pytest.raises(ScannerError, match=r"^faketool did not finish within 0.3 s$"):
        run_tool(TOOL, [str(exe)], timeout=0.3)


def test_a_tool_that_cannot_start_names_the_fix(tmp_path: Path) -> None:
    plain = script(tmp_path / "t", "print('ok')", executable=False)
    with pytest.raises(ScannerError) as info:
        run_tool(TOOL, [str(plain)])
    assert str(info.value).startswith(f"faketool cannot be started ({plain}): ")
    assert str(info.value).endswith("; install faketool or set SCRIPTRUNNER_FAKETOOL")


def test_tail_keeps_the_end_of_long_output() -> None:
    assert tail("x" * 2000) == "..." + "x" * 800
    assert tail("  short \n") == "short"
    assert tail("") == "(no output)"
    assert tail("abcdef", limit=3) == "...def"
