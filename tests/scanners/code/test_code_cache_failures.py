"""The per-file cache, and failing closed when a tool is missing or breaks."""

from __future__ import annotations

import os
import re
import stat
import sys
from pathlib import Path
from typing import Any

import pytest

from scriptrunner.errors import ConfigError, ScannerError
from scriptrunner.scanners.base import ScanContext, get_scanner, scanner_kinds
from scriptrunner.scanners.code import bandit as bandit_mod
from scriptrunner.scanners.code.scanner import CodeScanner
from scriptrunner.scanners.code.semgrep import SemgrepTool, find_semgrep
from scriptrunner.scanners.options import CodeOptions

VULNERABLE = "import os\n\n\ndef f(name):\n    os.system('rm ' + name)\n"


def scanner(
    root: Path, semgrep: Path | str, cache: Path | None, **options: list[Any]
) -> CodeScanner:
    typed = CodeOptions(**{k: tuple(v) for k, v in options.items()})
    return CodeScanner(
        ScanContext(root=root, cache_dir=cache, tool_paths={"semgrep": str(semgrep)}, options=typed)
    )


def fake_tool(path: Path, body: str) -> Path:
    """An executable Python script standing in for a broken tool."""
    path.write_text(f"#!{sys.executable}\nimport sys\n{body}\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


def test_rescan_of_an_unchanged_tree_runs_no_tool(tmp_path: Path, semgrep_exe: Path) -> None:
    (tmp_path / "a.py").write_text(VULNERABLE)
    (tmp_path / "b.py").write_text("import hashlib\nhashlib.md5(b'x')\n")
    first = scanner(tmp_path, semgrep_exe, tmp_path / "cache").scan([tmp_path])
    assert {"bandit", "semgrep"} <= set(first.timings)
    again = scanner(tmp_path, semgrep_exe, tmp_path / "cache").scan([tmp_path])
    assert "bandit" not in again.timings and "semgrep" not in again.timings
    assert again.findings == first.findings and again.tools == first.tools


def test_only_changed_files_are_analysed_again(
    tmp_path: Path, semgrep_exe: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.py").write_text(VULNERABLE)
    (tmp_path / "b.py").write_text("import hashlib\nhashlib.md5(b'x')\n")
    scanner(tmp_path, semgrep_exe, tmp_path / "cache").scan([tmp_path])
    (tmp_path / "b.py").write_text("import hashlib\n\nhashlib.sha1(b'x')\n")
    seen: list[list[str]] = []
    real = SemgrepTool.analyse

    def spy(self: SemgrepTool, files: list, root: Path):  # type: ignore[no-untyped-def,type-arg]
        seen.append([f.rel for f in files])
        return real(self, files, root)

    monkeypatch.setattr(SemgrepTool, "analyse", spy)
    result = scanner(tmp_path, semgrep_exe, tmp_path / "cache").scan([tmp_path])
    assert seen == [["b.py"]]
    assert {(f.location.path, f.location.start_line) for f in result.findings} >= {
        ("a.py", 5),
        ("b.py", 3),
    }


def test_changed_rules_invalidate_the_cache(tmp_path: Path, semgrep_exe: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.py").write_text("print('hello')\n")
    rules = tmp_path / "rules"
    rules.mkdir()
    rule = "rules:\n- id: no-print\n  languages: [python]\n  severity: {sev}\n  message: no print\n  pattern: print(...)\n"
    (rules / "r.yaml").write_text(rule.format(sev="INFO"))
    first = scanner(src, semgrep_exe, tmp_path / "c", rules=[rules]).scan([src])
    [f] = [f for f in first.findings if f.rule_id == "semgrep.no-print"]
    assert f.severity.name == "INFO"
    (rules / "r.yaml").write_text(rule.format(sev="ERROR"))
    second = scanner(src, semgrep_exe, tmp_path / "c", rules=[rules]).scan([src])
    assert [f.severity.name for f in second.findings if f.rule_id == "semgrep.no-print"] == ["HIGH"]


def test_missing_semgrep_fails_closed_with_install_hint(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(VULNERABLE)
    with pytest.raises(ScannerError, match="pipx install semgrep") as info:
        scanner(tmp_path, tmp_path / "nope" / "semgrep", None).scan([tmp_path])
    assert "SCRIPTRUNNER_SEMGREP" in str(info.value)


def test_semgrep_lookup_falls_back_to_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    exe = fake_tool(tmp_path / "semgrep", "print('1.0.0')")
    monkeypatch.setenv("PATH", str(tmp_path))
    assert find_semgrep("semgrep") == exe
    monkeypatch.setattr("scriptrunner.scanners.code.semgrep.TOOL_ENV", Path("no/such/semgrep"))
    assert find_semgrep("") == exe
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(ScannerError, match="semgrep not found on PATH: install it"):
        find_semgrep("")


def test_semgrep_that_does_not_work_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(VULNERABLE)
    broken = fake_tool(tmp_path / "semgrep", "print('boom', file=sys.stderr); sys.exit(3)")
    with pytest.raises(ScannerError, match="does not work.*boom"):
        scanner(tmp_path, broken, None).scan([tmp_path])


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("print('not json')\nsys.exit(2)", "semgrep failed .exit 2. without a report"),
        (
            'print(\'{"results": [], "errors": [{"level": "error", "message": "bad rule"}]}\')',
            "semgrep: bad rule",
        ),
    ],
)
def test_semgrep_crash_mid_scan_makes_the_result_incomplete(
    tmp_path: Path, body: str, message: str
) -> None:
    (tmp_path / "a.py").write_text(VULNERABLE)
    script = "if '--version' in sys.argv:\n    print('1.185.0'); sys.exit(0)\n" + body
    broken = fake_tool(tmp_path / "semgrep", script)
    result = scanner(tmp_path, broken, tmp_path / "cache").scan([tmp_path / "a.py"])
    assert not result.complete
    [failure] = result.failures
    assert failure.tool == "semgrep"
    assert re.search(message, failure.message)
    assert any("bandit" in f.tools for f in result.findings)  # the other tool still reported
    # Nothing from the broken run was cached: a later scan analyses the file again.
    again = scanner(tmp_path, broken, tmp_path / "cache").scan([tmp_path / "a.py"])
    assert not again.complete


def test_semgrep_per_file_errors_are_skipped_files(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(VULNERABLE)
    report = (
        '{"results": [], "errors": [{"level": "warn", "type": ["Timeout", 1], '
        '"path": "%s", "message": "took too long"}]}' % (tmp_path / "a.py")
    )
    script = f"if '--version' in sys.argv:\n    print('1.185.0'); sys.exit(0)\nprint({report!r})"
    fake = fake_tool(tmp_path / "semgrep", script)
    result = scanner(tmp_path, fake, None, tools=["semgrep"]).scan([tmp_path])
    assert result.complete
    assert [(s.target, s.tool, s.reason) for s in result.skipped] == [
        ("a.py", "semgrep", "semgrep: Timeout: took too long")
    ]


def test_missing_or_broken_bandit_fails_closed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.py").write_text(VULNERABLE)
    tool = bandit_mod.BanditTool(python="/bin/false")
    with pytest.raises(ScannerError, match="bandit failed .exit 1. without a report"):
        tool.analyse(*_files(tmp_path))

    from importlib import metadata

    def missing(name: str) -> str:
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "version", missing)
    with pytest.raises(ScannerError, match=r"pip install 'scriptrunner\[scan\]'"):
        bandit_mod.BanditTool().version()


def _files(root: Path) -> tuple[list, Path]:  # type: ignore[type-arg]
    from scriptrunner.scanners.code.files import collect_sources

    files, _ = collect_sources([root], root)
    return files, root


@pytest.mark.parametrize(
    ("options", "message"),
    [({"tools": ["pylint"]}, "unknown code analysis tool 'pylint'")],
)
def test_bad_options_are_config_errors(tmp_path: Path, options: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ConfigError, match=message):
        scanner(tmp_path, "semgrep", None, **options)


def test_missing_target_and_unknown_scanner_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        scanner(tmp_path, "semgrep", None, tools=["bandit"]).scan([tmp_path / "missing.py"])
    with pytest.raises(ConfigError, match="valid: code, deps, secrets"):
        get_scanner("secrets-v2", ScanContext(root=tmp_path))
    assert "code" in scanner_kinds()


def test_missing_rules_dir_is_a_scanner_error(tmp_path: Path, semgrep_exe: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    with pytest.raises(ScannerError, match="rules directory .*nope does not exist"):
        scanner(tmp_path, semgrep_exe, None, rules=[tmp_path / "nope"]).scan([tmp_path])


def test_bandit_only_scan_needs_no_semgrep(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(VULNERABLE)
    result = scanner(tmp_path, tmp_path / "no-semgrep", None, tools=["bandit"]).scan([tmp_path])
    assert result.complete and set(result.tools) == {"bandit"}
    assert os.path.basename(result.root) == tmp_path.name
