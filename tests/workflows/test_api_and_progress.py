"""The one-call workflow API and the terminal progress display."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from scriptrunner import events as ev
from scriptrunner import run_workflow
from scriptrunner.errors import ConfigError
from scriptrunner.settings import load_settings
from scriptrunner.store import open_reader
from scriptrunner.workflows import workflow_from_dict
from scriptrunner.workflows.progress import LiveProgress, print_summary


def test_run_workflow_from_a_file_records_history(tmp_path: Path) -> None:
    wf = tmp_path / "wf.yaml"
    wf.write_text(
        "name: api\ntasks:\n"
        "  a: {run: \"sh -c 'echo v=1 >> $SCRIPTRUNNER_OUTPUT'\"}\n"
        "  b: {run: 'false', needs: [a]}\n"
    )
    settings = load_settings(overrides={"home": str(tmp_path / "home")})
    result = run_workflow(wf, settings=settings)
    assert not result.ok and result.exit_code == 1
    assert result.tasks["a"].outputs == {"v": "1"}
    assert result.tasks["b"].state == "failed"
    reader = open_reader(settings)
    try:
        row = reader.get_run(result.run_id)
    finally:
        reader.close()
    assert row["kind"] == "workflow" and row["status"] == "failed"
    assert {t["task_name"] for t in row["tasks"]} == {"a", "b"}


def test_run_workflow_without_recording(tmp_path: Path) -> None:
    spec = workflow_from_dict({"name": "x", "tasks": {"a": {"run": "true"}}}, base_dir=tmp_path)
    settings = load_settings(overrides={"home": str(tmp_path / "home")})
    result = run_workflow(spec, record=False, settings=settings, max_parallel=1)
    assert result.ok and result.status == "succeeded"
    assert not (tmp_path / "home").exists()


def test_run_workflow_resumes_an_earlier_run(tmp_path: Path) -> None:
    """``resume="last"`` re-runs what failed and reuses what succeeded, as ``workflow run
    --resume last`` does; ``rerun_all`` runs everything again."""
    count = tmp_path / "count"
    flag = tmp_path / "ok"
    wf = tmp_path / "wf.yaml"
    wf.write_text(
        "name: resume-api\ntasks:\n"
        f"  a: {{run: \"sh -c 'echo x >> {count}'\"}}\n"
        f"  b: {{run: 'test -e {flag}', needs: [a]}}\n"
    )
    settings = load_settings(overrides={"home": str(tmp_path / "home")})
    first = run_workflow(wf, settings=settings)
    assert first.tasks["b"].state == "failed"
    flag.touch()
    again = run_workflow(wf, settings=settings, resume="last")
    assert again.ok and again.run_id != first.run_id
    assert count.read_text().count("x") == 1  # a was reused, not run again
    run_workflow(wf, settings=settings, rerun_all=True)
    assert count.read_text().count("x") == 2


def test_run_workflow_refuses_secrets_over_plain_tcp_naming_the_python_opt_in(
    tmp_path: Path,
) -> None:
    """Secrets to a scheduler off this host over plain tcp:// are refused from Python as from
    the command line, and the message names the keyword argument (the address is TEST-NET-1:
    the refusal comes before anything tries to reach it)."""
    wf = tmp_path / "wf.yaml"
    wf.write_text("secrets:\n  TOKEN: vault://secret/app#token\ntasks:\n  a:\n    run: 'true'\n")
    settings = load_settings(overrides={"home": str(tmp_path / "home")})
    with pytest.raises(ConfigError, match=r"allow_plaintext_secrets=True"):
        run_workflow(wf, settings=settings, executor="dask", scheduler="tcp://192.0.2.1:8786")


def test_live_progress_and_summary_render(tmp_path: Path) -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, width=120, color_system=None)
    spec = workflow_from_dict(
        {
            "name": "shown",
            "tasks": {
                "ok": {"run": "true"},
                "bad": {"run": "sh -c 'echo broken >&2; exit 2'"},
                "later": {"run": "true", "needs": ["bad"]},
            },
        },
        base_dir=tmp_path,
    )
    from scriptrunner.workflows.dag import expand
    from scriptrunner.workflows.engine import WorkflowEngine

    engine = WorkflowEngine()
    with LiveProgress(console, 3) as progress:
        engine.bus.subscribe(progress)
        progress(ev.Event("unrelated", None))  # ignored
        result = engine.run(expand(spec))
    print_summary(console, result)
    text = buffer.getvalue()
    for expected in (
        "succeeded ok",
        "failed bad",
        "skipped later",
        "broken",
        "workflow shown failed",
    ):
        assert expected in " ".join(text.split()), expected
