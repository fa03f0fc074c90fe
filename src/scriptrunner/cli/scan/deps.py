"""``scriptrunner scan deps``: dependency vulnerability scanning against OSV advisories.

Shares ``--format``, ``-o``, ``--fail-on``, ``--baseline`` and the exit codes with
``scan code`` (:func:`report.add_report_options`, :func:`report.finish`).  Sources:
``--db PATH`` (default ``$SCRIPTRUNNER_HOME/advisories`` once ``scriptrunner db update`` made
it), ``--online`` (the OSV API; opt-in), ``--safety-db DIR`` (Safety 2.3 adapter) and
``--osv-scanner``; none at all is an error, never an empty "clean" report.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import TYPE_CHECKING, Any

from scriptrunner.cli import options
from scriptrunner.cli.common import settings_from
from scriptrunner.cli.scan.report import EPILOG, add_report_options, finish, run_scan

if TYPE_CHECKING:
    from pathlib import Path

    from scriptrunner.findings.model import ScanResult


def register(kinds: Any) -> None:
    from scriptrunner.scanners.deps.sbom import SBOM_FORMATS

    p = kinds.add_parser(
        "deps",
        help="dependency vulnerabilities (OSV advisories), fix versions, SBOM",
        epilog=EPILOG
        + "\n\n"
        + options.examples(
            "scriptrunner scan deps requirements.txt",
            "scriptrunner scan deps --installed --fail-on high",
            "scriptrunner scan deps poetry.lock --format sarif -o deps.sarif --sbom sbom.json",
        ),
        description="Check requirements files, pyproject.toml, poetry.lock, uv.lock, "
        "Pipfile.lock or an installed environment against OSV advisories (offline database, "
        "OSV API, Safety, OSV-Scanner).  Dependencies without an exact version are reported "
        "as SR-DEPS-UNRESOLVED, never skipped (docs/dependency-scanning.md).",
    )
    p.add_argument(
        "files",
        nargs="*",
        metavar="FILES",
        help="requirements*.txt, pyproject.toml, poetry.lock, uv.lock, Pipfile.lock, or a "
        "directory holding them",
    )
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--installed",
        dest="env",
        action="store_true",
        help="scan the packages installed for this interpreter",
    )
    where.add_argument("--python", metavar="PATH", help="scan another interpreter's packages")
    p.add_argument(
        "--db",
        metavar="PATH",
        help="OSV database: a directory or zip of OSV JSON/YAML records "
        "(default: $SCRIPTRUNNER_HOME/advisories, made by `scriptrunner db update`)",
    )
    options.add_renamed(p, "--env", "--installed", dest="env", action="store_true")
    p.add_argument("--online", action="store_true", help="also query the OSV API (opt-in)")
    p.add_argument(
        "--osv-url", metavar="URL", help="OSV API base URL (implies --online; default api.osv.dev)"
    )
    p.add_argument("--sbom", metavar="FILE", help="also write a CycloneDX 1.6 SBOM here")
    p.add_argument(
        "--sbom-format",
        choices=SBOM_FORMATS.names(),
        default="json",
        metavar="FORMAT",
        help=f"format of the --sbom file: {', '.join(SBOM_FORMATS.names())} (default json)",
    )
    p.add_argument(
        "--ignore",
        action="append",
        metavar="ID",
        help="suppress an advisory by id or alias, e.g. PYSEC-2023-1 or CVE-... (repeatable)",
    )
    p.add_argument(
        "--safety-db", metavar="DIR", help="also run Safety 2.3 against this local database"
    )
    p.add_argument("--osv-scanner", action="store_true", help="also run OSV-Scanner on the FILES")
    add_report_options(p)
    p.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from pathlib import Path

    from scriptrunner.scanners.base import ScanContext
    from scriptrunner.scanners.options import DepsOptions

    settings = settings_from(args)
    started = time.time()
    db = Path(args.db) if args.db else None
    if db is None and (settings.home / "advisories").exists():
        db = settings.home / "advisories"
    opts = DepsOptions(
        db=db,
        online=bool(args.online or args.osv_url),
        osv_url=args.osv_url,
        python=args.python,
        env=args.env,
        ignore=tuple(args.ignore or ()),
        safety_db=Path(args.safety_db) if args.safety_db else None,
        osv_scanner=args.osv_scanner,
    )
    context = ScanContext(
        root=Path.cwd(),
        cache_dir=None if args.no_cache else settings.home / "cache",
        tool_paths={"safety": settings.safety, "osv-scanner": settings.osv_scanner},
        options=opts,
    )
    result = run_scan("deps", context, [Path(f) for f in args.files], fmt=args.format)
    for warning in result.warnings[:20]:
        print(f"scriptrunner: warning: {warning}", file=sys.stderr)
    if args.sbom:
        write_sbom(Path(args.sbom), args.sbom_format, result)
    return finish(args, settings, "deps", result, started)


def write_sbom(path: Path, fmt: str, result: ScanResult) -> None:
    """The scan's dependency inventory as a CycloneDX SBOM in ``path`` (an unwritable path
    is a ``ConfigError``)."""
    from scriptrunner.scanners.deps.model import DependencyInventory
    from scriptrunner.scanners.deps.sbom import write_sbom as write

    inventory = result.artefact(DependencyInventory) or DependencyInventory()
    write(path, fmt, inventory.dependencies, inventory.vulnerabilities)
    print(f"scriptrunner: SBOM ({fmt}) -> {path}", file=sys.stderr)
