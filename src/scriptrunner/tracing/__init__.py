"""OpenTelemetry tracing of runs and workflows (the ``tracing`` extra).

A workflow becomes one trace: a span for the workflow, a child span per task (which is also
the span of that task's run), attempt spans when a run was retried; a plain ``scriptrunner
run`` is a trace of one span.  Child processes receive ``TRACEPARENT``/``TRACESTATE`` so a
script instrumented with OpenTelemetry continues the trace (:func:`child_context`), and an
incoming ``TRACEPARENT`` (from CI, or an outer scriptrunner) makes the runner its child.

Importing this package does not import OpenTelemetry: ``scriptrunner run`` without
``--trace`` pays nothing, and :func:`require_extra` turns a missing extra into a clear error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from scriptrunner.errors import ConfigError

__all__ = [
    "EXTRA_HINT",
    "TracingConfig",
    "TracingSession",
    "child_context",
    "config_for",
    "inject_env",
    "require_extra",
    "start_tracing",
]

#: What to install when the extra is missing (named in the error message).
EXTRA_HINT = "pip install 'scriptrunner[tracing]'"

if TYPE_CHECKING:
    from scriptrunner.settings import Settings
    from scriptrunner.tracing.config import TracingConfig
    from scriptrunner.tracing.context import child_context, inject_env
    from scriptrunner.tracing.session import TracingSession, start_tracing

_LAZY = {
    "TracingConfig": "scriptrunner.tracing.config",
    "child_context": "scriptrunner.tracing.context",
    "inject_env": "scriptrunner.tracing.context",
    "TracingSession": "scriptrunner.tracing.session",
    "start_tracing": "scriptrunner.tracing.session",
}


def require_extra() -> None:
    """Raise :class:`ConfigError` (exit 2) naming the extra if OpenTelemetry is missing.

    Looks for the modules without importing them (58 ms): the runner of a recorded
    command never imports OpenTelemetry, its exporter process does."""
    from importlib.util import find_spec

    try:
        for name in ("opentelemetry.trace", "opentelemetry.sdk.trace"):
            if find_spec(name) is None:
                raise ImportError(f"No module named {name!r}")
    except (ImportError, ValueError) as exc:
        raise ConfigError(
            f"tracing (--trace, or trace = true in the settings) needs the OpenTelemetry "
            f"SDK, which is not installed ({exc}); install the tracing extra: {EXTRA_HINT}"
        ) from None


def config_for(settings: Settings, environ: Mapping[str, str] | None = None) -> TracingConfig:
    """Check the extra is installed, then build the configuration (``[tracing]`` + OTEL_*).

    The CLI calls this before opening the store, so ``--trace`` without the extra, or a bad
    tracing setting, exits 2 before anything runs.
    """
    require_extra()
    import os

    from scriptrunner.tracing.config_loader import load_config

    return load_config(settings.tracing, os.environ if environ is None else environ)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'scriptrunner.tracing' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
