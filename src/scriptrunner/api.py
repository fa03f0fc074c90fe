"""The one-call Python API: ``scriptrunner.run(...)``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from scriptrunner.core.cancel import CancelToken
from scriptrunner.core.results import RunResult
from scriptrunner.core.retry import RetryPolicy
from scriptrunner.core.runner import Runner, RunOptions, default_echo
from scriptrunner.core.spec import RunSpec
from scriptrunner.settings import Settings, load_settings
from scriptrunner.store import open_store


def run(
    target: str | Path | Sequence[str],
    args: Sequence[str] = (),
    *,
    python: str | None = None,
    cwd: str | Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
    retry: RetryPolicy | None = None,
    tags: Mapping[str, str] | None = None,
    echo: bool = False,
    record: bool = True,
    settings: Settings | None = None,
    cancel: CancelToken | None = None,
) -> RunResult:
    """Run a Python script (``target`` is a path) or a command (``target`` is a list).

    The run is recorded in the history store unless ``record=False``; output is captured
    (and echoed live when ``echo=True``).  Returns a :class:`RunResult`; a non-zero exit is
    a result, not an exception.  Raises :class:`~scriptrunner.errors.RunnerError` when the
    script or command cannot be started and :class:`~scriptrunner.errors.StoreError` when
    the history store cannot be written.
    """
    cfg = settings or load_settings()
    common = {
        "env": dict(env or {}),
        "timeout": timeout,
        "retry": retry or RetryPolicy(),
        "tags": dict(tags or {}),
    }
    workdir = str(cwd) if cwd is not None else None
    if isinstance(target, (str, Path)):
        spec = RunSpec.for_script(str(target), args, python=python, cwd=workdir, **common)
    else:
        spec = RunSpec(command=(*target, *args), cwd=workdir, **common)  # type: ignore[arg-type]
    out, err = default_echo() if echo else (None, None)
    options = RunOptions(
        tail_bytes=cfg.tail_bytes,
        kill_grace=cfg.kill_grace,
        sample_interval=cfg.sample_interval,
        max_samples=cfg.max_samples,
        echo_stdout=out,
        echo_stderr=err,
    )
    store = open_store(cfg) if record else None
    try:
        return Runner(store, options=options).run(spec, cancel=cancel)
    finally:
        if store is not None:
            store.close()
