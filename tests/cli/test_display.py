"""What scripts, commands, tags, tasks and findings contain is shown as text (issue 15,
defect 12): never parsed as rich markup (``[/tmp]`` crashed ``history``, ``[a-z]`` vanished),
never passed raw to the terminal (escape sequences, bells, undecodable bytes)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fixtures.cli import cli
from scriptrunner.display import markup, shown

ESC = "\x1b"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def _ok(done: object) -> str:
    assert done.returncode == 0, (done.stdout, done.stderr)  # type: ignore[attr-defined]
    assert "Traceback" not in done.stderr  # type: ignore[attr-defined]
    return str(done.stdout) + str(done.stderr)  # type: ignore[attr-defined]


def _run_id(home: Path, *args: str) -> str:
    done = cli(home, "run", "-q", "--json", *args)
    assert done.returncode == 0, done.stderr
    return str(json.loads(done.stdout)["id"])


def test_history_and_show_print_brackets_as_text(home: Path, tmp_path: Path) -> None:
    target = tmp_path / "f.txt"
    target.write_text("abc\n")
    printf = _run_id(home, "--tag", "k=[bold]v", "--", "printf", "[/tmp] done\\n")
    grep = _run_id(home, "--", "grep", "-c", "[a-z]", target.name)

    listed = _ok(cli(home, "history"))
    assert "printf [/tmp] done\\n" in listed
    assert "grep -c [a-z] f.txt" in listed

    shown_run = _ok(cli(home, "show", printf))
    assert "[/tmp] done" in shown_run  # the command and the output tail
    assert "k=[bold]v" in shown_run
    assert "grep -c [a-z] f.txt" in _ok(cli(home, "show", grep))


def test_control_sequences_are_escaped_in_history_and_show(home: Path) -> None:
    run_id = _run_id(
        home,
        "--tag",
        f"t={ESC}[31mred",
        "--",
        "printf",
        f"{ESC}]0;title\x07{ESC}[2Jhi\\n",
        f"arg{ESC}[1A\x9b",
    )
    for out in (_ok(cli(home, "history")), _ok(cli(home, "show", run_id))):
        assert ESC not in out and "\x07" not in out and "\x9b" not in out
        assert "\\x1b[1A\\x9b" in out  # the argument, escaped visibly
    out = _ok(cli(home, "show", run_id))
    assert "t=\\x1b[31mred" in out
    assert "\\x1b]0;title\\x07\\x1b[2Jhi" in out  # the output tail
    # JSON is data: it keeps the exact text.
    raw = json.loads(cli(home, "show", "--json", run_id).stdout)
    assert raw["tags"] == {"t": f"{ESC}[31mred"}


def test_show_of_a_skipped_task_and_workflow_names_with_brackets(
    home: Path, tmp_path: Path
) -> None:
    (tmp_path / "wf.yaml").write_text(
        'name: "[/tmp] wf"\n'
        "tasks:\n"
        "  a:\n"
        "    run: printf '[/x] hi\\n'\n"
        "  b:\n"
        '    if: "false"\n'
        "    run: echo never\n"
        "  m:\n"
        "    matrix:\n"
        '      v: ["[/tmp]", "[bold]b"]\n'
        "    run: echo ${{ matrix.v }}\n",
        encoding="utf-8",
    )
    plan = _ok(cli(home, "workflow", "plan", "wf.yaml", cwd=tmp_path))
    assert "m (v=[/tmp])" in plan and "m (v=[bold]b)" in plan
    ran = _ok(cli(home, "workflow", "run", "wf.yaml", cwd=tmp_path))
    assert "workflow [/tmp] wf succeeded" in ran
    assert "m (v=[bold]b)" in ran
    tasks = json.loads(cli(home, "history", "--all", "--json").stdout)
    skipped = next(r for r in tasks if r["name"] == "b")
    assert "skipped" in _ok(cli(home, "show", skipped["id"]))
    workflow = next(r for r in tasks if r["kind"] == "workflow")
    out = _ok(cli(home, "show", workflow["id"]))
    assert "m (v=[/tmp])" in out
    assert "[/tmp] wf" in _ok(cli(home, "history"))


def test_scan_table_escapes_control_characters_in_paths(home: Path, tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / f"x{ESC}[2J.py").write_text('key_id = "' + "AKIA" + 'QZ4T7Y2W6R3E5U7I"\n')
    done = cli(home, "scan", "secrets", "--no-record", str(src), cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert ESC not in done.stdout
    assert "x\\x1b[2J.py" in done.stdout.replace("\n", "")


@pytest.mark.parametrize(
    ("text", "one_line", "with_lines"),
    [
        ("plain [a-z] text", "plain [a-z] text", "plain [a-z] text"),
        ("a\tb", "a\tb", "a\tb"),
        ("a\nb", "a\\nb", "a\nb"),
        ("a\r\nb\rc", "a\\r\\nb\\rc", "a\nb\\rc"),
        (
            f"{ESC}[31mx\x07\x00\x7f\x85",
            "\\x1b[31mx\\x07\\x00\\x7f\\x85",
            "\\x1b[31mx\\x07\\x00\\x7f\\x85",
        ),
        ("\u202eevil", "\\u202eevil", "\\u202eevil"),
        (b"caf\xe9".decode("utf-8", "surrogateescape"), "caf\\xe9", "caf\\xe9"),
        ("ünïcödé ✓", "ünïcödé ✓", "ünïcödé ✓"),
    ],
)
def test_shown_escapes_controls_only(text: str, one_line: str, with_lines: str) -> None:
    assert shown(text) == one_line
    assert shown(text, lines=True) == with_lines
    shown(text).encode("utf-8")  # always printable


def test_markup_is_rendered_back_to_the_same_text() -> None:
    from rich.text import Text

    for text in ("[/tmp] done", "grep -c [a-z] f", "[bold]x[/]", "trailing\\", ":smile:"):
        # Composed with tags around it (a trailing backslash must not escape "[/]").
        assert Text.from_markup(f"[bold]{markup(text)}[/]", emoji=False).plain == text
