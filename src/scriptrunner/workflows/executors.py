"""Where task attempts run: in this process (``local``) or on a Dask cluster (``dask``).

The scheduler always stays here (DAG, conditions, retries, history); an executor only
decides where each attempt's process runs.  Backends are found by name in ``EXECUTORS``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from scriptrunner.core.runner import AttemptFn
from scriptrunner.registry import Registry


class Executor(Protocol):
    """An extension point: where attempts run."""

    name: str

    def attempt_fn(self) -> AttemptFn | None:
        """The function that runs one attempt, or None to run it in this process."""
        ...

    def slots(self) -> int | None:
        """How many attempts the executor's workers run at once (a Dask cluster's worker
        threads), the default ``--max-parallel``; None: no such figure (the file's)."""
        ...

    @property
    def lost(self) -> bool:
        """True once the place attempts run is gone for good (a Dask cluster without
        scheduler or workers past its timeout): every later attempt fails at once."""
        ...

    def why(self, attempt_id: str) -> str | None:
        """Why the attempt of that id (``results.Placement.attempt_id``) ended without a
        result of its own (``lost``, ``infrastructure``...), once; None if not known."""
        ...

    def close(self) -> None: ...


class LocalExecutor:
    """Attempts run as child processes of this process."""

    name = "local"

    def attempt_fn(self) -> AttemptFn | None:
        return None

    def slots(self) -> int | None:
        return None

    @property
    def lost(self) -> bool:
        return False

    def why(self, attempt_id: str) -> str | None:
        return None

    def close(self) -> None:
        return None


def _dask(**kwargs: Any) -> Executor:
    from scriptrunner.workflows.dask_executor import DaskExecutor

    return DaskExecutor(**kwargs)


EXECUTORS: Registry[Callable[..., Executor]] = Registry(
    "executor", {"local": lambda **_: LocalExecutor(), "dask": _dask}
)


def make_executor(name: str, **kwargs: Any) -> Executor:
    """The executor called ``name``; an unknown name lists the valid ones."""
    return EXECUTORS.get(name)(**kwargs)
