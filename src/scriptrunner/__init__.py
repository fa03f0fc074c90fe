"""scriptrunner — run Python scripts and workflows safely and observably.

``from scriptrunner import run`` gives the one-call API; everything else is imported lazily
so that ``scriptrunner run`` starts fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from scriptrunner.version import __version__

__all__ = ["RunResult", "RunSpec", "__version__", "run"]

if TYPE_CHECKING:
    from scriptrunner.api import run
    from scriptrunner.core.results import RunResult
    from scriptrunner.core.spec import RunSpec


def __getattr__(name: str) -> Any:
    if name == "run":
        from scriptrunner.api import run

        return run
    if name == "RunResult":
        from scriptrunner.core.results import RunResult

        return RunResult
    if name == "RunSpec":
        from scriptrunner.core.spec import RunSpec

        return RunSpec
    raise AttributeError(f"module 'scriptrunner' has no attribute {name!r}")
