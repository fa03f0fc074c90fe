"""The ``deps`` gate: the script's dependencies against the offline OSV database.

What it checks, first found wins: the ``requirements`` file the caller names (``run
--requirements FILE``); else next to the script ``requirements.txt``, ``uv.lock``,
``poetry.lock``, ``Pipfile.lock`` or ``pyproject.toml`` (locks before pyproject: they pin
exact versions); else the packages installed for the current interpreter.  Without a
database the gate cannot run: ``ScannerError`` (the script is not started, exit 2).

The gate reads the database ``scriptrunner db update`` installs: ``run`` and workflows have
no ``--db``, so every database error names ``scriptrunner db update`` as the fix.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from scriptrunner.errors import ScannerError
from scriptrunner.findings.model import ScanResult
from scriptrunner.gates.base import GateContext
from scriptrunner.scanners.base import ScanContext
from scriptrunner.scanners.options import DepsOptions

#: The fix for a missing or unreadable database where the gate runs (``run``, workflows).
DB_UPDATE = "run `scriptrunner db update --from URL-or-PATH`"
#: Files next to the script the gate looks for, in order of preference.
NEXT_TO_SCRIPT = ("requirements.txt", "uv.lock", "poetry.lock", "Pipfile.lock", "pyproject.toml")


def dependency_file(script_path: Path, requirements: Path | None = None) -> Path | None:
    """The dependency file the gate checks for ``script_path`` (None: the environment)."""
    if requirements is not None:
        return requirements
    folder = script_path.resolve().parent
    return next((folder / n for n in NEXT_TO_SCRIPT if (folder / n).is_file()), None)


class DepsGate:
    """Scans the script's dependency file (or environment); paths relative to its directory.

    ``extra`` paths are not used: they are code, not dependency declarations.
    """

    kind = "deps"

    def __init__(self, context: GateContext) -> None:
        self.context = context

    def check(self, script_path: Path, *, extra: Sequence[Path] = ()) -> ScanResult:
        from scriptrunner.scanners.deps.model import AdvisoryDatabaseError
        from scriptrunner.scanners.deps.scanner import DepsScanner

        if self.context.deps_db is None:
            raise ScannerError(f"no vulnerability source for the deps gate: {DB_UPDATE} first")
        found = dependency_file(script_path, self.context.requirements)
        scanner = DepsScanner(
            ScanContext(
                root=script_path.resolve().parent,
                cache_dir=self.context.cache_dir,
                options=DepsOptions(db=self.context.deps_db, env=found is None),
            )
        )
        try:
            return scanner.scan([found] if found is not None else [])
        except AdvisoryDatabaseError as exc:
            raise ScannerError(f"{exc.problem}: {DB_UPDATE} to reinstall it") from exc
