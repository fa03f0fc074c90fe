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

    def close(self) -> None: ...


class LocalExecutor:
    """Attempts run as child processes of this process."""

    name = "local"

    def attempt_fn(self) -> AttemptFn | None:
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
