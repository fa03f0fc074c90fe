"""Runner core: process runner, monitor, retry policies (run results: ``scriptrunner.results``)."""

from __future__ import annotations

# ``typing`` stays out of the ``run`` fast path, which imports ``core.supervise``; mypy
# understands this spelling.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from scriptrunner.core.cancel import CancelToken
    from scriptrunner.core.retry import RetryPolicy
    from scriptrunner.core.runner import Runner, RunOptions
    from scriptrunner.core.spec import RunSpec

# Lazy exports: importing one submodule (the CLI's fast path) must not load them all.
_WHERE = {
    "CancelToken": "cancel",
    "RetryPolicy": "retry",
    "RunOptions": "runner",
    "Runner": "runner",
    "RunSpec": "spec",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(f"scriptrunner.core.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'scriptrunner.core' has no attribute {name!r}")


__all__ = [
    "CancelToken",
    "RetryPolicy",
    "RunOptions",
    "RunSpec",
    "Runner",
]
