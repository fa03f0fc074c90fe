"""``history``, ``show`` and ``stats`` tell what happened: flaky runs, the whole story of a
run or a workflow in one JSON shape, tables that fit the terminal (real processes)."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest

from fixtures.cli import cli, cli_env
from fixtures.terminal import on_terminal

#: Fails with exit 2 the first time (it leaves a mark), succeeds the next time.
FLAKY = """\
import pathlib, sys
mark = pathlib.Path(sys.argv[1])
if not mark.exists():
    mark.touch()
    print("first try", flush=True)
    print("connection reset", file=sys.stderr)
    sys.exit(2)
print("second try")
"""
STRIPE = "sk_live_" + "a1B2c3D4e5F6g7H8i9J0kLmN"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def flaky_run(tmp_path: Path, home: Path, *extra: str) -> dict[str, object]:
    script = tmp_path / "flaky.py"
    script.write_text(FLAKY)
    r = cli(home, "run", "-q", "--json", "--retries", "2", "--retry-delay", "0", *extra,
            str(script), str(tmp_path / "mark"))  # fmt: skip
    assert r.returncode == 0, r.stderr
    data: dict[str, object] = json.loads(r.stdout)
    return data


# -- item 1: flaky runs are visible --------------------------------------------------------


def test_flaky_run_is_found_by_history_flaky_and_counted_by_stats(
    tmp_path: Path, home: Path
) -> None:
    (tmp_path / "ok.py").write_text("print('fine')\n")
    assert cli(home, "run", "-q", str(tmp_path / "ok.py")).returncode == 0
    data = flaky_run(tmp_path, home)
    assert data["status"] == "succeeded" and data["attempt_count"] == 2 and data["flaky"]

    flaky = json.loads(cli(home, "history", "--flaky", "--json").stdout)
    assert [r["id"] for r in flaky] == [data["id"]]
    assert flaky[0]["attempt_count"] == 2 and flaky[0]["flaky"] is True
    assert json.loads(cli(home, "history", "--status", "failed", "--json").stdout) == []
    assert "succeeded after 2 attempts" in cli(home, "history").stdout
    assert "succeeded after 2 attempts" in cli(home, "history", "--flaky").stdout

    stats = json.loads(cli(home, "stats", "--json").stdout)
    assert stats["runs"] == 2 and stats["failures"] == 0
    assert stats["flaky"] == 1 and stats["first_attempt_failures"] == 1
    assert stats["first_attempt_failure_rate"] == pytest.approx(0.5)
    by_script = {s["script"]: s for s in stats["scripts"]}
    assert by_script[str(tmp_path / "flaky.py")]["flaky"] == 1
    assert by_script[str(tmp_path / "flaky.py")]["first_attempt_failure_rate"] == 1.0
    assert by_script[str(tmp_path / "ok.py")]["first_attempt_failure_rate"] == 0.0
    text = cli(home, "stats").stdout
    assert re.search(r"^first-attempt failures +1 \(50\.0%\)$", text, re.M)
    assert re.search(r"^flaky +1 \(succeeded after more than one attempt\)$", text, re.M)
    assert "flaky.py" in text  # the per-script lines
    one = json.loads(cli(home, "stats", "flaky.py", "--json").stdout)
    assert one["runs"] == 1 and one["flaky"] == 1 and one["first_attempt_failure_rate"] == 1.0


def test_history_flaky_all_lists_flaky_workflow_tasks(tmp_path: Path, home: Path) -> None:
    (tmp_path / "flaky.py").write_text(FLAKY)
    wf = tmp_path / "wf.yaml"
    wf.write_text(
        textwrap.dedent(
            f"""
            name: nightly
            tasks:
              fetch:
                script: flaky.py
                args: ["{tmp_path / "mark"}"]
                retries: {{max: 2, delay: 0}}
              report:
                needs: fetch
                run: echo done
            """
        )
    )
    r = cli(home, "workflow", "run", "-q", "--json", str(wf))
    assert r.returncode == 0, r.stderr
    task = json.loads(r.stdout)["tasks"]["fetch"]
    assert json.loads(cli(home, "history", "--flaky", "--json").stdout) == []
    listed = json.loads(cli(home, "history", "--flaky", "--all", "--json").stdout)
    assert [t["id"] for t in listed] == [task["id"]] and listed[0]["name"] == "fetch"


# -- item 2: show tells the whole story ----------------------------------------------------


def test_show_last_tells_the_story_of_a_flaky_run(tmp_path: Path, home: Path) -> None:
    data = flaky_run(tmp_path, home)
    text = cli(home, "show", "last").stdout
    assert cli(home, "show").stdout == text  # no id: the newest run
    assert cli(home, "show", str(data["id"])[:8]).stdout == text  # a unique prefix
    assert f"run {data['id']}" in text and "succeeded after 2 attempts" in text
    assert re.search(r"#1 +failed +exit 2 .*exited 2", text), text
    assert re.search(r"#2 +succeeded +exit 0", text), text
    assert "first try" in text and "second try" in text and "connection reset" in text


def test_show_tells_gate_findings_cost_trace_and_events(tmp_path: Path, home: Path) -> None:
    (tmp_path / "job.py").write_text(f"KEY = '{STRIPE}'\n")
    assert cli(home, "run", "-q", "--scan", "secrets", str(tmp_path / "job.py")).returncode == 3
    blocked = cli(home, "show", "last")
    assert blocked.returncode == 0, blocked.stderr
    assert "blocked" in blocked.stdout and "scans" in blocked.stdout
    assert "stripe" in blocked.stdout.lower() and "job.py:1" in blocked.stdout
    assert STRIPE not in blocked.stdout
    story = json.loads(cli(home, "show", "last", "--json").stdout)
    [scan] = story["scans"]
    assert scan["kind"] == "gate" and scan["findings"][0]["path"].endswith("job.py")

    r = cli(home, "run", "-q", "--json", "--cost-profile", "aws:m5.large", "--trace",
            "--", "true")  # fmt: skip
    assert r.returncode == 0, r.stderr
    story = json.loads(r.stdout)
    assert story["cloud_cost_usd"] is not None and re.fullmatch(r"[0-9a-f]{32}", story["trace_id"])
    text = cli(home, "show", "last").stdout
    assert f"trace        {story['trace_id']}" in text and "cost         $" in text
    assert "run.started" in text and "cost.calculated" in text  # the events


def test_show_a_workflow_lists_its_tasks_by_id_with_state_and_outputs(
    tmp_path: Path, home: Path
) -> None:
    wf = tmp_path / "wf.yaml"
    wf.write_text(
        textwrap.dedent(
            """
            name: small
            tasks:
              a:
                run: sh -c 'echo n=1 >> "$SCRIPTRUNNER_OUTPUT"'
              b:
                needs: a
                run: sh -c 'exit 4'
              c:
                needs: b
                run: echo never
            """
        )
    )
    r = cli(home, "workflow", "run", "-q", "--json", str(wf))
    assert r.returncode == 1
    text = cli(home, "show", "last").stdout
    for line in (r"a +succeeded", r"b +failed +exit 4", r"c +skipped"):
        assert re.search(line, text), (line, text)
    assert "n = 1" in text


# -- item 3: one JSON shape ----------------------------------------------------------------

RUN_KEYS = {
    "id", "kind", "name", "status", "flaky", "exit_code", "error", "script", "command", "cwd",
    "tags", "started_at", "finished_at", "duration_seconds", "attempt_count", "attempts",
    "cpu_user_seconds", "cpu_system_seconds", "peak_rss_bytes", "cpu_percent_avg",
    "cpu_percent_max", "cloud_cost_usd", "outputs", "stdout_tail", "stdout_bytes",
    "stderr_tail", "stderr_bytes", "workflow_run_id", "parent_run_id", "hostname", "pid",
    "trace_id", "scans", "events",
}  # fmt: skip


def test_run_show_and_history_share_one_json_shape(tmp_path: Path, home: Path) -> None:
    data = flaky_run(tmp_path, home, "--tag", "team=data")
    assert set(data) == RUN_KEYS
    assert isinstance(data["attempts"], list) and len(data["attempts"]) == data["attempt_count"]
    first = data["attempts"][0]
    assert (first["attempt"], first["status"], first["exit_code"]) == (1, "failed", 2)
    assert first["ended"] == "exited 2"
    shown = json.loads(cli(home, "show", str(data["id"]), "--json").stdout)
    assert shown == data  # the same story, read back from the store
    assert json.loads(cli(home, "show", "last", "--format", "json").stdout) == data
    [listed] = json.loads(cli(home, "history", "--json").stdout)
    assert set(listed) <= RUN_KEYS and "attempts" not in listed
    assert {k: data[k] for k in listed} == listed


def test_workflow_run_json_is_the_story_show_prints(tmp_path: Path, home: Path) -> None:
    wf = tmp_path / "wf.yaml"
    wf.write_text(
        textwrap.dedent(
            """
            name: small
            tasks:
              a:
                run: sh -c 'echo n=1 >> "$SCRIPTRUNNER_OUTPUT"'
              b:
                needs: a
                run: echo ${{ needs.a.outputs.n }}
            """
        )
    )
    r = cli(home, "workflow", "run", "-q", "--json", str(wf))
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["kind"] == "workflow" and data["name"] == "small" and "run_id" not in data
    assert set(data["tasks"]) == {"a", "b"}
    a = data["tasks"]["a"]
    assert RUN_KEYS <= set(a)
    assert (a["state"], a["result"], a["reused_from"]) == ("succeeded", "success", None)
    assert a["outputs"] == {"n": "1"} and a["attempt_count"] == 1
    assert data["tasks"]["b"]["stdout_tail"] == "1\n"
    assert json.loads(cli(home, "show", data["id"], "--json").stdout) == data


# -- item 5: tables fit the terminal -------------------------------------------------------


def on_tty(home: Path, *args: str, columns: int) -> str:
    """What ``scriptrunner ARGS`` shows on a terminal ``columns`` wide (colour removed)."""
    env = cli_env(SCRIPTRUNNER_HOME=str(home))
    code, _, text = on_terminal(*args, env=env, cwd=home.parent, columns=columns, timeout=60)
    assert code == 0, text
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


@pytest.fixture
def history_of_three(tmp_path: Path, home: Path) -> list[dict[str, str]]:
    deep = tmp_path / "a-rather-long-directory-name" / "with-more-levels-below-it"
    deep.mkdir(parents=True)
    (deep / "nightly_report_generator.py").write_text("print('ok')\n")
    flaky_run(tmp_path, home)
    assert cli(home, "run", "-q", str(deep / "nightly_report_generator.py")).returncode == 0
    assert cli(home, "run", "-q", "--timeout", "0.2", "--", "sleep", "5").returncode == 124
    rows: list[dict[str, str]] = json.loads(cli(home, "history", "--json").stdout)
    return rows


@pytest.mark.parametrize("columns", [60, 80, 120])
def test_history_fits_the_terminal_keeping_ids_and_statuses(
    home: Path, history_of_three: list[dict[str, str]], columns: int
) -> None:
    text = on_tty(home, "history", columns=columns)
    lines = text.rstrip("\n").split("\n")
    assert len(lines) == 4, text  # the header and one line per run
    assert all(len(line) <= columns for line in lines), text
    for word in ("RUN", "STARTED", "STATUS", "DURATION", "WHAT"):
        assert word in lines[0]
    for row, line in zip(history_of_three, lines[1:], strict=True):
        assert line.startswith(row["id"][:8] + " "), line
        assert row["status"] in line
    assert "timed_out" in lines[1] and "succeeded" in lines[2]
    if columns >= 80:
        assert "succeeded after 2 attempts" in lines[3]
    assert re.search(r"\b(succeeded after 2 attempts|succeeded \(2 tries\))", lines[3])
    # The description is cut, keeping the end of a path: the file name while there is room.
    assert "…" in lines[2]
    if columns >= 120:
        assert "report_generator.py" in lines[2]


def test_history_through_a_pipe_is_plain_one_record_per_line(
    home: Path, history_of_three: list[dict[str, str]]
) -> None:
    r = cli(home, "history")
    assert "\x1b" not in r.stdout and "│" not in r.stdout and "─" not in r.stdout
    lines = r.stdout.rstrip("\n").split("\n")
    assert len(lines) == 4
    assert "a-rather-long-directory-name" in lines[2]  # nothing cut without a terminal
    narrow = cli(home, "history", env={"COLUMNS": "60"}).stdout.rstrip("\n").split("\n")
    assert len(narrow) == 4 and all(len(line) <= 60 for line in narrow)


# -- item 6: one vocabulary ----------------------------------------------------------------


@pytest.mark.parametrize("command", ["history", "show", "stats"])
def test_read_commands_speak_the_shared_vocabulary(
    tmp_path: Path, home: Path, command: str
) -> None:
    flaky_run(tmp_path, home)
    helped = cli(home, command, "--help").stdout
    assert "--format FORMAT" in helped and "-o FILE, --output FILE" in helped
    assert "examples:" in helped and f"scriptrunner {command}" in helped
    as_json = cli(home, command, "--json").stdout
    assert cli(home, command, "--format", "json").stdout == as_json
    out = tmp_path / f"{command}.json"
    written = cli(home, command, "--json", "-o", str(out))
    assert written.returncode == 0 and written.stdout == ""
    assert json.loads(out.read_text()) == json.loads(as_json)
    bad = cli(home, command, "--format", "yaml")
    assert bad.returncode == 2 and "invalid choice" in bad.stderr


def test_history_status_keeps_its_choices(home: Path) -> None:
    r = cli(home, "history", "--status", "flaky")
    assert r.returncode == 2 and "invalid choice" in r.stderr
