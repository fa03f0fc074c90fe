"""The output of remote attempts (issue #19): streamed back while the task runs, masked on
arrival, and outputs files bounded as locally.  Against a ``LocalCluster`` of this module."""

from __future__ import annotations

import io
import shlex
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from distributed import LocalCluster

from scriptrunner.core.runner import Runner, RunOptions
from scriptrunner.core.spec import RunSpec
from scriptrunner.vaults.masking import Masker
from scriptrunner.workflows.dag import expand
from scriptrunner.workflows.engine import EngineOptions, WorkflowEngine
from scriptrunner.workflows.executors import Executor, make_executor
from scriptrunner.workflows.loader import workflow_from_dict


@pytest.fixture(scope="module")
def executor() -> Iterator[Executor]:
    with LocalCluster(
        n_workers=1,
        threads_per_worker=2,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        ex = make_executor("dask", address=cluster.scheduler_address, options=RunOptions())
        yield ex
        ex.close()


def test_output_of_a_remote_attempt_is_filtered_into_the_tails(executor: Executor) -> None:
    """A worker streams the output back in chunks: the runner's output filter (secret
    masking) must still apply before it reaches the run's tails, the store and the
    terminal, a secret cut between two chunks included."""
    secret = "hunter2-but-longer"
    code = (
        f"import sys, time; print('pw={secret}'); print('{secret}', file=sys.stderr)\n"
        f"sys.stdout.write('{secret[:7]}'); sys.stdout.flush(); time.sleep(0.3)\n"
        f"print('{secret[7:]}')"
    )
    runner = Runner(None, options=RunOptions(output_filter=Masker([secret])))
    result = runner.run(
        RunSpec(command=(sys.executable, "-c", code)), attempt_fn=executor.attempt_fn()
    )
    assert result.exit_code == 0
    assert result.stdout.text == "pw=***\n***\n" and result.stderr.text == "***\n"


def test_remote_output_streams_back_while_the_task_runs(tmp_path: Path, executor: Executor) -> None:
    import threading

    from scriptrunner.core.runner import Runner
    from scriptrunner.core.spec import RunSpec

    go = tmp_path / "go"
    code = (
        "import os, time\nprint('first', flush=True)\n"
        f"while not os.path.exists({str(go)!r}): time.sleep(0.02)\nprint('second')"
    )
    echo = _Echo()
    runner = Runner(None, options=RunOptions(echo_stdout=echo))  # type: ignore[arg-type]
    results: list[Any] = []
    spec = RunSpec(command=(sys.executable, "-c", code))
    thread = threading.Thread(
        target=lambda: results.append(runner.run(spec, attempt_fn=executor.attempt_fn()))
    )
    thread.start()
    try:
        assert echo.seen.wait(20), "the first line did not arrive while the task ran"
        assert echo.data.getvalue() == b"first\n" and not results  # still running
    finally:
        go.touch()
        thread.join(30)
    assert results[0].stdout.text == "first\nsecond\n"
    assert echo.data.getvalue() == b"first\nsecond\n"


class _Echo:
    """A terminal stand-in: what was echoed, and an event once anything was."""

    def __init__(self) -> None:
        self.data = io.BytesIO()
        self.seen = threading.Event()

    def write(self, chunk: bytes) -> int:
        self.data.write(chunk)
        self.seen.set()
        return len(chunk)

    def flush(self) -> None:
        return None


def test_outputs_over_the_limit_fail_the_task_as_a_local_one_does(
    tmp_path: Path, executor: Executor
) -> None:
    code = "import os; open(os.environ['SCRIPTRUNNER_OUTPUT'], 'w').write('x=' + 'y' * 2**20)"
    spec = workflow_from_dict(
        {"tasks": {"big": {"run": shlex.join([sys.executable, "-c", code])}}}, base_dir=tmp_path
    )
    result = WorkflowEngine(options=EngineOptions(), executor=executor).run(expand(spec))
    big = result.tasks["big"]
    assert big.state == "error"
    assert "task outputs are 1048578 bytes, more than the 1048576 allowed" in (big.reason or "")
