"""``scriptrunner scan code|deps|secrets``: one thin route per scanner kind.

Each kind's module adds its options and builds its scanner's context; they share the report
options, the exit codes and the recording of :mod:`~scriptrunner.cli.scan.report`.  The
pre-execution gate of ``run --scan`` is decided in :mod:`scriptrunner.gates.pre_run`.  The kind
modules are imported only when the ``scan`` parser is built (``run`` never pays for them).
"""

from __future__ import annotations

from typing import Any


def register(sub: Any) -> None:
    from scriptrunner.cli import options
    from scriptrunner.cli.scan import code, deps, secrets

    p = sub.add_parser(
        "scan",
        help="security scanners: code, deps, secrets",
        description="Security scanners; results are stored in history (scans, findings).",
        epilog=options.examples(
            "scriptrunner scan code src/",
            "scriptrunner scan deps requirements.txt",
            "scriptrunner scan secrets .",
        ),
    )
    kinds = p.add_subparsers(dest="scan_kind", metavar="KIND")
    kinds.required = True
    code.register(kinds)
    deps.register(kinds)
    secrets.register(kinds)


__all__ = ["register"]
