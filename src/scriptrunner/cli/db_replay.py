"""``scriptrunner db replay [--journal DIR]``: write the history journal into the store.

A sub-command of ``scriptrunner db`` (``cli.db_cmd`` registers it).  It writes into the
history store what processes that are gone kept in the journal
(``$SCRIPTRUNNER_HOME/journal``) while the store was unreachable (``store.replay``): a line
per journal file replayed and a total on stdout; every damaged record it skipped (file and
offset) and every write the store refused as a warning on stderr; a store that is still
unreachable is one error line and exit 2 (the journal is kept).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from scriptrunner.cli import options
from scriptrunner.cli.common import settings_from


def register(actions: Any) -> None:
    replay = actions.add_parser(
        "replay",
        help="write the history journal into the store",
        description="Write into the history store what runs and workflows kept in the "
        "journal while the store was unreachable (any later command that writes history "
        "does it too).  Journals of processes still running are left to them; damaged "
        "records are skipped, each named by file and offset.",
        epilog="exit codes: 0 when the journal was replayed (or there was none); 2 when "
        "the store is still unreachable (the journal is kept).\n\n"
        + options.examples(
            "scriptrunner db replay",
            "scriptrunner --database-url postgresql://runner@db/history db replay",
            "scriptrunner db replay --journal /var/lib/scriptrunner/journal",
        ),
    )
    replay.add_argument(
        "--journal",
        metavar="DIR",
        help="the journal directory to replay (default: $SCRIPTRUNNER_HOME/journal; "
        "DIR/rejected holds writes the store refused, to try again)",
    )
    replay.set_defaults(handler=handle_replay)


def handle_replay(args: argparse.Namespace) -> int:
    from scriptrunner.errors import StoreError
    from scriptrunner.store import journal, open_store
    from scriptrunner.store.replay import error_line, replay_directory, target_for

    settings = settings_from(args)
    directory = args.journal or journal.journal_dir(settings.home)
    waiting = len(journal.pending_files(directory))
    if not waiting:
        print(f"scriptrunner: nothing to replay in {directory}", file=sys.stderr)
        return 0
    key = journal.store_key(settings.store_url)
    try:
        store = open_store(settings)
    except StoreError as exc:
        raise StoreError(
            f"cannot replay the history journal {directory} ({waiting} file(s)): the "
            f"history store is unreachable: {exc}; try again when it is back"
        ) from exc
    try:
        target = target_for(store, busy_timeout=settings.busy_timeout)
        report = replay_directory(target, directory, key)
    except Exception as exc:
        raise StoreError(
            f"cannot replay the history journal {directory}: history store {key} became "
            f"unreachable ({error_line(exc)}); what was not written is kept"
        ) from exc
    finally:
        store.close()
    for line in (*report.problems, *report.refused):
        print(f"scriptrunner: warning: {line}", file=sys.stderr)
    for line in report.lines:
        print(f"scriptrunner: {line}")
    print(
        f"scriptrunner: replayed {report.files} journal file(s) into {key}: "
        f"{report.applied} write(s) written, {report.present} already in the store, "
        f"{len(report.refused)} refused"
    )
    if report.busy:
        print(
            f"scriptrunner: {report.busy} journal file(s) still written by running "
            "processes: left to them",
        )
    if report.elsewhere:
        print(f"scriptrunner: {report.elsewhere} journal file(s) for another store: left alone")
    return 0
