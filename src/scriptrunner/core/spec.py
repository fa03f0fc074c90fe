"""What to run: a frozen description built by the CLI, the API or the workflow engine."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from scriptrunner import limits
from scriptrunner.core.retry import RetryPolicy
from scriptrunner.errors import RunnerError


@dataclass(frozen=True, slots=True)
class RunSpec:
    """A command line plus everything that governs how it is run and recorded."""

    command: tuple[str, ...]
    script: str | None = None
    cwd: str | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    timeout: float | None = None
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    tags: Mapping[str, str] = field(default_factory=dict)
    parent_run_id: str | None = None
    workflow_run_id: str | None = None
    task_name: str | None = None
    kind: str = "run"
    #: Let processes the command leaves running (daemons) live on after it ends; by
    #: default they are ended with each attempt (a timeout or a cancel ends them anyway).
    keep_daemons: bool = False

    def __post_init__(self) -> None:
        if not self.command:
            raise RunnerError("nothing to run: give a script or a command after --")
        if self.timeout is not None:  # the Python API's values meet the CLI's rule too
            limits.duration("timeout", self.timeout, allow_zero=False)

    @classmethod
    def for_script(
        cls,
        script: str,
        args: Sequence[str] = (),
        *,
        python: str | None = None,
        cwd: str | None = None,
        **kwargs: object,
    ) -> RunSpec:
        """Run ``script`` with ``python`` (default: this interpreter); checks it exists.

        A directory with a ``__main__.py`` runs as ``python DIR`` does."""
        if cwd:
            _check_directory(cwd)
        base = Path(cwd) if cwd else Path.cwd()
        path = Path(script) if Path(script).is_absolute() else base / script
        if path.is_dir():
            if not (path / "__main__.py").is_file():
                raise RunnerError(
                    f"{script} is a directory, not a script, and has no __main__.py to run; "
                    "give the script inside it, or put a command after --: "
                    "scriptrunner run -- COMMAND"
                )
        elif not path.is_file():
            raise RunnerError(
                f"script not found: {script}"
                + (f" (in {base})" if cwd else "")
                + "; to run a command instead, put it after --: scriptrunner run -- COMMAND"
            )
        interpreter = python or sys.executable
        return cls(
            command=(interpreter, str(path), *args),
            script=str(path.resolve()),
            cwd=cwd,
            **kwargs,  # type: ignore[arg-type]
        )

    def resolved_cwd(self) -> str:
        cwd = os.path.abspath(self.cwd or os.getcwd())
        if not os.path.isdir(cwd):
            _check_directory(self.cwd or cwd)
        return cwd

    def check_executable(self, env: Mapping[str, str], cwd: str) -> None:
        """Fail before starting (and before recording) if the program cannot be found."""
        program = self.command[0]
        if os.sep in program:
            path = program if os.path.isabs(program) else os.path.join(cwd, program)
            if os.path.isdir(path):
                raise RunnerError(f"command {program} is a directory, not a program")
            if not os.path.isfile(path):
                raise RunnerError(f"command not found: {program}")
            if not os.access(path, os.X_OK):
                raise RunnerError(f"command is not executable: {program}")
        elif _which(program, env.get("PATH", os.defpath)) is None:
            raise RunnerError(f"command not found: {program} (searched PATH)")


def _check_directory(cwd: str) -> None:
    """A ``RunnerError`` that says what ``cwd`` is when it is not a directory."""
    if os.path.isdir(cwd):
        return
    if os.path.lexists(cwd):
        raise RunnerError(f"working directory {cwd} is not a directory")
    raise RunnerError(f"working directory does not exist: {cwd}")


@functools.lru_cache(maxsize=256)
def _which(program: str, path: str) -> str | None:
    """``shutil.which`` for POSIX, cached: a workflow starts the same few programs
    thousands of times.  A program removed meanwhile still fails cleanly at spawn time
    (``RunnerError: cannot start``)."""
    for directory in path.split(os.pathsep):
        candidate = os.path.join(directory or ".", program)
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None
