"""``--trace`` on ``run`` and ``workflow run``, and ``scriptrunner traces``: real processes."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest

from fixtures.cli import cli_env, run_cli, run_python
from fixtures.otel import Receiver, span_tree
from fixtures.postgres import free_port

JOINING_SCRIPT = """\
import sys
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from scriptrunner.tracing import child_context

provider = TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter()))  # OTEL_* from the env
with provider.get_tracer("job").start_as_current_span("job work", context=child_context()):
    pass
provider.shutdown()
sys.exit(3)
"""

WORKFLOW = """\
name: nightly
tasks:
  extract:
    run: "true"
  load:
    run: "sh -c 'exit 1'"
    needs: [extract]
"""


def env_for(tmp_path: Path, receiver_url: str, **extra: str) -> dict[str, str]:
    return cli_env(
        SCRIPTRUNNER_HOME=str(tmp_path / "home"),
        OTEL_EXPORTER_OTLP_ENDPOINT=receiver_url,
        OTEL_BSP_SCHEDULE_DELAY="50",
        **extra,
    )


def test_run_trace_passes_traceparent_to_a_script_that_joins(
    otlp_http_receiver: Receiver, tmp_path: Path
) -> None:
    script = tmp_path / "job.py"
    script.write_text(JOINING_SCRIPT)
    env = env_for(tmp_path, otlp_http_receiver.url, OTEL_SERVICE_NAME="nightly-etl")
    r = run_cli("run", "--trace", str(script), "--password=hunter2", env=env, cwd=tmp_path)
    assert r.returncode == 3, r.stderr
    assert "warning" not in r.stderr
    spans = otlp_http_receiver.wait_for(2)
    assert span_tree(spans) == [("run job.py", (("job work", ()),))]
    run_span = next(s for s in spans if s.name == "run job.py")
    assert run_span.error and run_span.attributes["scriptrunner.exit_code"] == 3
    assert run_span.attributes["scriptrunner.args"] == ["--password=***"]
    assert {s.service for s in spans} == {"nightly-etl"}  # the child read OTEL_SERVICE_NAME too


@pytest.mark.slow
def test_workflow_trace_then_list_and_show_it(otlp_http_receiver: Receiver, tmp_path: Path) -> None:
    (tmp_path / "wf.yaml").write_text(WORKFLOW)
    env = env_for(tmp_path, otlp_http_receiver.url)
    r = run_cli("workflow", "run", "--trace", "--json", "wf.yaml", env=env, cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    run_id = json.loads(r.stdout)["id"]
    spans = otlp_http_receiver.wait_for(3)
    assert span_tree(spans) == [("workflow nightly", (("task extract", ()), ("task load", ())))]

    listed = run_cli("traces", env=env, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert spans[0].trace_id in listed.stdout and "workflow nightly" in listed.stdout

    shown = run_cli("traces", "--run", run_id[:8], env=env, cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0].startswith(f"trace {spans[0].trace_id} · 3 spans")
    assert lines[1].startswith("workflow nightly")
    assert lines[2].startswith("├─ task extract")
    assert lines[3].startswith("└─ task load") and "failed, exit 1" in lines[3]

    as_json = run_cli("traces", "--run", run_id, "--json", env=env, cwd=tmp_path)
    (trace,) = json.loads(as_json.stdout)
    assert {s["name"] for s in trace["spans"]} == {"workflow nightly", "task extract", "task load"}


def test_dead_collector_warns_once_and_keeps_the_exit_code(tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    env = env_for(tmp_path, dead, OTEL_BSP_EXPORT_TIMEOUT="1000")
    code = "import sys; sys.exit(7)"
    t0 = time.monotonic()
    plain = run_cli("run", "-q", "--", sys.executable, "-c", code, env=env, cwd=tmp_path)
    t1 = time.monotonic()
    traced = run_cli(
        "run", "-q", "--trace", "--", sys.executable, "-c", code, env=env, cwd=tmp_path
    )
    t2 = time.monotonic()
    assert plain.returncode == traced.returncode == 7
    warnings = [line for line in traced.stderr.splitlines() if "warning" in line]
    assert len(warnings) == 1, traced.stderr
    assert "connection refused" in warnings[0] and dead in warnings[0]
    # Importing OpenTelemetry costs some; the dead collector costs at most its timeout.
    assert (t2 - t1) - (t1 - t0) < 1.0 + 1.0


def test_settings_switch_tracing_on_and_spans_reach_the_store(tmp_path: Path) -> None:
    env = cli_env(
        SCRIPTRUNNER_HOME=str(tmp_path / "home"),
        SCRIPTRUNNER_TRACE="1",
        SCRIPTRUNNER_TRACING='{"exporter": "none"}',
    )
    r = run_cli("run", "--json", "--", "true", env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    run_id = json.loads(r.stdout)["id"]
    shown = run_cli("traces", "--run", run_id, env=env, cwd=tmp_path)
    assert shown.stdout.splitlines()[1].startswith("run true")


def test_trace_without_the_extra_exits_2_naming_it(tmp_path: Path) -> None:
    # An `opentelemetry` package first on the path that fails to import, as if not installed.
    stub = tmp_path / "stub" / "opentelemetry"
    stub.mkdir(parents=True)
    (stub / "__init__.py").write_text("raise ImportError('No module named opentelemetry')\n")
    (tmp_path / "wf.yaml").write_text(WORKFLOW)
    env = cli_env(SCRIPTRUNNER_HOME=str(tmp_path / "home"), PYTHONPATH=str(tmp_path / "stub"))
    marker = tmp_path / "ran"
    for args in (
        ("run", "--trace", "--", "touch", str(marker)),
        ("workflow", "run", "--trace", "wf.yaml"),
    ):
        r = run_cli(*args, env=env, cwd=tmp_path)
        assert r.returncode == 2, r.stderr
        assert "pip install 'scriptrunner[tracing]'" in r.stderr
        assert r.stderr.count("\n") == 1
    assert not marker.exists()
    # Without --trace nothing needs OpenTelemetry.
    assert run_cli("run", "-q", "--", "true", env=env, cwd=tmp_path).returncode == 0


def test_bad_tracing_setting_exits_2_before_running(tmp_path: Path) -> None:
    env = cli_env(SCRIPTRUNNER_HOME=str(tmp_path / "home"), OTEL_TRACES_SAMPLER="sometimes")
    marker = tmp_path / "ran"
    r = run_cli("run", "--trace", "--", "touch", str(marker), env=env, cwd=tmp_path)
    assert r.returncode == 2 and "unknown tracing sampler 'sometimes'" in r.stderr
    assert not marker.exists()


@pytest.mark.parametrize("with_run", [False, True])
def test_traces_when_there_are_none(tmp_path: Path, with_run: bool) -> None:
    env = cli_env(SCRIPTRUNNER_HOME=str(tmp_path / "home"))
    if with_run:
        r = run_cli("run", "--json", "--", "true", env=env, cwd=tmp_path)
        run_id = json.loads(r.stdout)["id"]
        shown = run_cli("traces", "--run", run_id, env=env, cwd=tmp_path)
        assert shown.returncode == 1 and "has no trace" in shown.stderr
    else:
        listed = run_cli("traces", env=env, cwd=tmp_path)
        assert listed.returncode == 0 and "no traces recorded yet" in listed.stderr


def test_run_without_trace_imports_no_tracing_code(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from scriptrunner.cli.main import main\n"
        "assert main(['run', '-q', '--', 'true']) == 0\n"
        "print(sorted(m for m in sys.modules if m.startswith(('opentelemetry', 'scriptrunner.tracing'))))\n"
    )
    env = cli_env(SCRIPTRUNNER_HOME=str(tmp_path / "home"))
    out = run_python(code, env=env, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_traces_escape_control_characters_in_span_names(tmp_path: Path) -> None:
    """A script's name is user data: the trace tree and list show it escaped (issue 15,
    defect 12), never as raw terminal escape sequences."""
    env = cli_env(SCRIPTRUNNER_HOME=str(tmp_path / "home"))
    script = tmp_path / "job\x1b[2J.py"
    script.write_text("raise SystemExit(3)\n")
    r = run_cli("run", "-q", "--json", "--trace", str(script), env=env, cwd=tmp_path)
    assert r.returncode == 3, r.stderr
    run_id = json.loads(r.stdout)["id"]
    for args in (("traces", "--run", run_id), ("traces",)):
        out = run_cli(*args, env=env, cwd=tmp_path)
        assert out.returncode == 0, out.stderr
        assert "\x1b" not in out.stdout
        assert "job\\x1b[2J.py" in out.stdout
