"""The one-call workflow API and the terminal progress display."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from scriptrunner import events as ev
from scriptrunner import run_workflow
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
