"""Tracing off the runner's hot path: the runner derives ids (no OpenTelemetry), a helper
process builds the spans from the event log with exactly those ids, and finishes on its own."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fixtures.otel import Receiver
from scriptrunner.core.runner import Runner, RunOptions
from scriptrunner.core.spec import RunSpec
from scriptrunner.tracing import ids
from scriptrunner.tracing.config import TracingConfig
from scriptrunner.tracing.export_process import ExportProcess
from scriptrunner.tracing.session import start_tracing

PARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
UNSAMPLED_PARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00"


@pytest.mark.parametrize(
    ("sampler", "arg", "environ"),
    [
        ("parentbased_always_on", None, {}),
        ("parentbased_always_on", None, {"TRACEPARENT": PARENT, "TRACESTATE": "ci=1"}),
        ("parentbased_always_on", None, {"TRACEPARENT": UNSAMPLED_PARENT}),
        ("always_off", None, {}),
        ("traceidratio", 0.5, {}),
        ("parentbased_traceidratio", 0.5, {"TRACEPARENT": "00-bad-header"}),
        ("tail", None, {}),
    ],
)
def test_the_runner_derives_the_traceparent_the_span_builder_gives_the_same_run(
    sampler: str, arg: float | None, environ: dict[str, str]
) -> None:
    """What the exporter process builds (the in-process RunTracer with minted ids) and what
    the runner alone derives (``ids.IdMinter``) agree, for roots and workflow tasks."""
    config = TracingConfig(exporter="none", sampler=sampler, sampler_arg=arg)
    minter = ids.IdMinter(sampler, arg, environ)
    for n in range(20):  # enough trace ids for a ratio sampler to go both ways
        session = start_tracing(config, environ=environ)
        wf_run = RunSpec(command=("true",), workflow_run_id=f"{n + 100:032x}", task_name="t")
        for run_id, spec in ((f"{n:032x}", RunSpec(command=("true",))), (f"{n:031x}f", wf_run)):
            assert session.env_hook(run_id, spec) == minter.env_for(run_id, spec)
        session.close()


def test_ids_are_the_blake2b_of_the_run_ids() -> None:
    run_id = "c8a15730a99c5fc97499a121c69c683b"
    env = ids.IdMinter("always_on", None, {}).env_for(run_id, RunSpec(command=("true",)))
    _, trace, span, flags = env["TRACEPARENT"].split("-")
    assert int(trace, 16) == ids.trace_id(run_id) and int(span, 16) == ids.span_id(run_id)
    assert flags == "01" and env["TRACESTATE"] == ""


def test_a_recorded_traced_run_imports_no_opentelemetry_in_the_runner(
    tmp_path: Path, otlp_http_receiver: Receiver
) -> None:
    code = f"""
import json, sys
from scriptrunner import api
from scriptrunner.app import RunRequest
from scriptrunner.app.session import RunSession
from scriptrunner.core.spec import RunSpec
from scriptrunner.settings import load_settings
from scriptrunner.tracing.config import TracingConfig

config = TracingConfig(endpoint={otlp_http_receiver.url!r}, schedule_delay=0.05)
script = "import os; print(os.environ['TRACEPARENT'])"
warnings = []
with RunSession(load_settings(overrides={{"home": {str(tmp_path)!r}}}), warn=warnings.append) as s:
    out = s.run(RunRequest(spec=RunSpec(command=(sys.executable, "-c", script)), trace=config))
print(json.dumps({{
    "traceparent": out.result.stdout.text.strip(),
    "otel": sorted(m for m in sys.modules if m.startswith("opentelemetry")),
    "warnings": warnings,
}}))
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    seen = json.loads(r.stdout)
    assert seen["otel"] == [] and seen["warnings"] == []
    (span,) = otlp_http_receiver.wait_for(1)  # already there: the runner waited for it
    assert seen["traceparent"] == f"00-{span.trace_id}-{span.span_id}-01"


def test_the_helper_ends_on_its_own_when_the_runner_disappears(tmp_path: Path) -> None:
    """Its stdin closes without ``end`` (the runner was killed) and the root run never
    started: it gives up after exit_wait, never lingers."""
    config = TracingConfig(exporter="none", shutdown_timeout=0.2)
    helper = ExportProcess(
        config,
        store_url=f"sqlite:///{tmp_path / 'history.db'}",
        busy_timeout=5.0,
        root="0" * 31 + "1",
    )
    proc = helper._proc
    assert proc.stdin is not None
    t0 = time.monotonic()
    proc.stdin.close()
    assert proc.wait(timeout=30) == 0
    assert time.monotonic() - t0 < 10


def test_spans_built_from_the_log_carry_the_ids_the_children_saw(
    tmp_path: Path, empty_store_url: str
) -> None:
    """On SQLite and PostgreSQL alike (the exporter process follows either events table)."""
    from scriptrunner.app import RunRequest
    from scriptrunner.app.session import RunSession
    from scriptrunner.settings import load_settings
    from scriptrunner.store import open_reader

    script = "import os; print(os.environ['TRACEPARENT'])"
    config = TracingConfig(exporter="none", collector_configured=False)
    settings = load_settings(overrides={"home": str(tmp_path), "database_url": empty_store_url})
    with RunSession(settings) as session:
        out = session.run(
            RunRequest(spec=RunSpec(command=(sys.executable, "-c", script)), trace=config)
        )
    _, trace, span, _ = out.result.stdout.text.strip().split("-")
    reader = open_reader(settings)
    try:
        (row,) = reader.spans(trace_ids=[trace])
    finally:
        reader.close()
    assert row["span_id"] == span and row["run_id"] == out.result.run_id


def test_an_in_process_session_still_serves_runs_without_a_store(
    otlp_http_receiver: Receiver,
) -> None:
    config = TracingConfig(endpoint=otlp_http_receiver.url, schedule_delay=0.05)
    session = start_tracing(config, environ={})
    runner = Runner(options=RunOptions(env_hook=session.env_hook))
    session.attach(runner.bus)
    result = runner.run(RunSpec(command=("true",)))
    assert session.close() == []
    (span,) = otlp_http_receiver.wait_for(1)
    assert span.span_id == f"{ids.span_id(result.run_id):016x}"


def test_the_standard_library_tail_reads_what_the_engine_tail_reads(tmp_path: Path) -> None:
    """The exporter process follows a SQLite store without SQLAlchemy: same items."""
    import threading

    from scriptrunner.events import Event
    from scriptrunner.store import open_store_url
    from scriptrunner.store.sqla import make_engine
    from scriptrunner.store.tail import EventTail

    url = f"sqlite:///{tmp_path / 'history.db'}"
    store = open_store_url(url)
    for n in range(7):
        store.append_event(Event("run.started", f"{n:032x}", {"n": n, "bytes": "\udcff"}, ts=n))
    store.close()
    got: dict[str, list[dict[str, object]]] = {"engine": [], "stdlib": []}
    done = threading.Event()

    def into(name: str) -> object:
        def deliver(items: list[dict[str, object]]) -> None:
            got[name].extend(items)
            if len(got[name]) >= 5:
                done.set()

        return deliver

    tails = [
        EventTail(make_engine(url), into("engine"), start_after=2, page=2),
        EventTail.for_sqlite_file(tmp_path / "history.db", into("stdlib"), start_after=2, page=2),
    ]
    for tail in tails:
        done.clear()
        tail.start()
        assert done.wait(10)
        tail.close()
    assert got["engine"] == got["stdlib"] and [i["id"] for i in got["stdlib"]] == [3, 4, 5, 6, 7]


def test_a_helper_that_cannot_start_is_one_warning_and_the_run_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "executable", str(tmp_path / "no-such-python"))
    helper = ExportProcess(
        TracingConfig(exporter="none"),
        store_url=f"sqlite:///{tmp_path / 'history.db'}",
        busy_timeout=5.0,
        root="0" * 31 + "1",
    )
    assert helper.env_hook("0" * 31 + "1", RunSpec(command=("true",)))["TRACEPARENT"]
    (warning,) = helper.close()
    assert warning.startswith("could not start the trace export process (FileNotFoundError")
    assert helper.close() == []


def test_a_session_without_a_store_builds_its_spans_in_process(
    tmp_path: Path, otlp_http_receiver: Receiver
) -> None:
    from scriptrunner.app import RunRequest
    from scriptrunner.app.session import RunSession
    from scriptrunner.settings import load_settings

    config = TracingConfig(endpoint=otlp_http_receiver.url, schedule_delay=0.05)
    settings = load_settings(overrides={"home": str(tmp_path)})
    warnings: list[str] = []
    with RunSession(settings, record=False, warn=warnings.append) as session:
        out = session.run(RunRequest(spec=RunSpec(command=("true",)), trace=config))
    assert warnings == []
    (span,) = otlp_http_receiver.wait_for(1)
    assert span.span_id == f"{ids.span_id(out.result.run_id):016x}"
    assert not (tmp_path / "history.db").exists()


def test_a_span_built_from_the_log_carries_the_runs_timeout(tmp_path: Path) -> None:
    """``run.started`` carries the timeout, so the exporter process's span says it too."""
    from scriptrunner.app import RunRequest
    from scriptrunner.app.session import RunSession
    from scriptrunner.settings import load_settings
    from scriptrunner.store import open_reader

    config = TracingConfig(exporter="none", collector_configured=False)
    settings = load_settings(overrides={"home": str(tmp_path)})
    spec = RunSpec(command=(sys.executable, "-c", "print('x')"), timeout=7.5)
    with RunSession(settings) as session:
        out = session.run(RunRequest(spec=spec, trace=config))
    reader = open_reader(settings)
    try:
        (row,) = reader.spans(run_id=out.result.run_id)
    finally:
        reader.close()
    attributes = row["attributes"]
    if isinstance(attributes, str):
        attributes = json.loads(attributes)
    assert attributes["scriptrunner.timeout_seconds"] == 7.5
