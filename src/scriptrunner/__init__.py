"""scriptrunner — run Python scripts and workflows safely and observably.

``from scriptrunner import run, run_workflow`` gives the one-call API; everything else is
imported lazily so that ``scriptrunner run`` starts fast.
"""

from __future__ import annotations

from scriptrunner.version import __version__

# ``typing`` costs a few ms on every ``scriptrunner run``; mypy understands this spelling.
TYPE_CHECKING = False

__all__ = ["RunResult", "RunSpec", "__version__", "run", "run_workflow"]

if TYPE_CHECKING:
    from typing import Any

    from scriptrunner.api import run, run_workflow
    from scriptrunner.core.spec import RunSpec
    from scriptrunner.results import RunResult

_EXPORTS = {
    "run": "scriptrunner.api",
    "run_workflow": "scriptrunner.api",
    "RunResult": "scriptrunner.results",
    "RunSpec": "scriptrunner.core.spec",
}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        import importlib

        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'scriptrunner' has no attribute {name!r}")
