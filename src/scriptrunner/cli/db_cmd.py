"""``scriptrunner db``: the offline OSV database (``db update``) and the history journal
(``db replay``, registered by ``cli.db_replay``).

``scriptrunner db update --from URL-or-PATH`` installs the offline OSV database.

The database lives in ``$SCRIPTRUNNER_HOME/advisories`` (a directory of OSV records), which
``scan deps`` and the ``deps`` gate use when no ``--db`` is given.  An update never loses the
database already installed: the new one is copied (a directory) or unpacked (a zip, local or
downloaded over http(s)) into a staging directory next to it -- a zip entry by entry,
streamed with a per-entry and a total size bound, so a zip bomb is refused naming its entry
-- every record is parsed (a malformed one fails the update, naming the file) and indexed, and only then is it renamed
into place; the old copy is removed last.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from scriptrunner.cli import db_replay, options
from scriptrunner.cli.common import settings_from

DB_DIR = "advisories"


def register(sub: Any) -> None:
    p = sub.add_parser(
        "db",
        help="manage the offline vulnerability database and the history journal",
        description="The offline OSV advisory database used by `scan deps` and `run --scan "
        "deps`, and the journal of history writes kept while the history store was "
        "unreachable.",
        epilog=options.examples(
            "scriptrunner db update --from https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip",
            "scriptrunner db update --from ./osv-records/",
            "scriptrunner db replay",
        ),
    )
    actions = p.add_subparsers(dest="db_action", metavar="ACTION")
    actions.required = True
    up = actions.add_parser(
        "update",
        help="install or refresh the database from a directory, zip or URL",
        description="Copy OSV records (a directory, a zip such as OSV's PyPI/all.zip, or an "
        "http(s) URL of a zip) into $SCRIPTRUNNER_HOME/advisories and index them.  A failed "
        "update leaves the previous database in place.",
        epilog=options.examples(
            "scriptrunner db update --from https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip",
            "scriptrunner db update --from PyPI-all.zip",
            "scriptrunner db update --from ./osv-records/ --no-index",
        ),
    )
    up.add_argument(
        "--from",
        dest="source",
        required=True,
        metavar="URL-or-PATH",
        help="where the OSV records are: a directory of OSV JSON files, a zip of them, or an "
        "http(s) URL of such a zip",
    )
    up.add_argument(
        "--no-index", action="store_true", help="do not build the index now (first scan will)"
    )
    up.set_defaults(handler=handle_update)
    db_replay.register(actions)


def _download(url: str, into: Path) -> Path:
    import shutil
    import urllib.error
    import urllib.request

    from scriptrunner.errors import ConfigError, mask_url_passwords

    shown = mask_url_passwords(url)
    target = into / "download.zip"
    try:
        with urllib.request.urlopen(url, timeout=120) as response, target.open("wb") as out:  # noqa: S310 - http(s) checked by the caller
            shutil.copyfileobj(response, out)
    except urllib.error.HTTPError as exc:
        raise ConfigError(f"cannot download {shown}: HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise ConfigError(f"cannot download {shown}: {mask_url_passwords(str(reason))}") from exc
    return target


#: Bounds on what a zip may unpack to (a zip bomb is refused, naming the entry): OSV's
#: records are a few KiB each, PyPI's whole database a few hundred MiB.
MAX_ENTRY_BYTES = 64 * 1024 * 1024
MAX_TOTAL_BYTES = 4 * 1024 * 1024 * 1024
MAX_ENTRIES = 2_000_000
_CHUNK = 1024 * 1024


def _unpack(archive: Path, into: Path, label: str) -> None:
    """Extract a zip entry by entry, streaming with a per-entry and a total size bound and
    refusing members that would land outside ``into``."""
    import zipfile
    import zlib

    from scriptrunner.errors import ConfigError

    try:
        with zipfile.ZipFile(archive) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_ENTRIES:
                raise ConfigError(f"{label}: {len(infos)} entries in the zip (limit {MAX_ENTRIES})")
            for info in infos:
                parts = Path(info.filename).parts
                if info.filename.startswith(("/", "\\")) or ".." in parts:
                    raise ConfigError(f"{label}: unsafe path {info.filename!r} in the zip")
            total = 0
            for info in infos:
                total += _extract(zf, info, into, label, MAX_TOTAL_BYTES - total)
    except zipfile.BadZipFile as exc:
        raise ConfigError(f"{label}: not a zip file ({exc})") from exc
    except (zlib.error, RuntimeError, NotImplementedError, EOFError) as exc:
        raise ConfigError(f"{label}: cannot unpack: {exc}") from exc
    except OSError as exc:
        raise ConfigError(f"{label}: cannot unpack: {exc}") from exc


def _extract(zf: Any, info: Any, into: Path, label: str, budget: int) -> int:
    """Stream one entry into ``into``; returns its size.  The sizes the zip declares are
    not trusted: the bytes are counted as they are inflated."""
    from scriptrunner.errors import ConfigError

    dest = into / info.filename
    if info.is_dir():
        dest.mkdir(parents=True, exist_ok=True)
        return 0
    limit = min(MAX_ENTRY_BYTES, budget)

    def too_large() -> ConfigError:
        if limit < MAX_ENTRY_BYTES:
            return ConfigError(
                f"{label}: entry {info.filename!r} takes the zip over "
                f"{MAX_TOTAL_BYTES // 2**20} MiB unpacked (a zip bomb?); not installed"
            )
        return ConfigError(
            f"{label}: entry {info.filename!r} is too large: more than "
            f"{MAX_ENTRY_BYTES // 2**20} MiB unpacked (a zip bomb?); not installed"
        )

    if info.file_size > limit:
        raise too_large()
    dest.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with zf.open(info) as src, dest.open("wb") as out:
        while chunk := src.read(_CHUNK):
            written += len(chunk)
            if written > limit:
                raise too_large()
            out.write(chunk)
    return written


def stage(source: str, staging: Path) -> None:
    """Put the records of ``source`` (directory, zip or http(s) URL) into ``staging``."""
    import shutil
    import tempfile
    import zipfile

    from scriptrunner.errors import ConfigError, mask_url_passwords

    shown = mask_url_passwords(source)  # a URL's password never reaches a message
    if source.startswith(("http://", "https://")):
        with tempfile.TemporaryDirectory(dir=staging.parent) as tmp:
            _unpack(_download(source, Path(tmp)), staging, shown)
        return
    if "://" in source:
        raise ConfigError(f"--from {shown}: only http(s) URLs and local paths are supported")
    path = Path(source)
    if path.is_dir():
        try:
            shutil.copytree(path, staging, dirs_exist_ok=True)
        except (OSError, shutil.Error) as exc:
            raise ConfigError(f"cannot copy {path}: {exc}") from exc
    elif path.is_file() and zipfile.is_zipfile(path):
        _unpack(path, staging, str(path))
    elif path.exists():
        raise ConfigError(f"--from {shown}: not a directory or zip of OSV records")
    else:
        raise ConfigError(f"--from {shown}: no such file or directory")


def _swap(staging: Path, target: Path) -> None:
    """Rename ``staging`` to ``target``; the old ``target`` is restored if that fails."""
    import os
    import shutil

    backup = target.with_name(f".{target.name}-old-{os.getpid()}")
    if target.exists():
        os.replace(target, backup)
    try:
        os.replace(staging, target)
    except OSError:
        if backup.exists():
            os.replace(backup, target)
        raise
    shutil.rmtree(backup, ignore_errors=True)


def handle_update(args: argparse.Namespace) -> int:
    import shutil
    import tempfile

    from scriptrunner.errors import ConfigError, mask_url_passwords
    from scriptrunner.scanners.deps.osv.index import OsvIndex
    from scriptrunner.scanners.deps.osv.records import load_database

    settings = settings_from(args)
    target = settings.home / DB_DIR
    started = time.perf_counter()
    try:
        settings.home.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{DB_DIR}-new-", dir=settings.home))
    except OSError as exc:
        raise ConfigError(f"cannot write in {settings.home}: {exc.strerror}") from exc
    try:
        stage(args.source, staging)
        if args.no_index:
            advisories = list(load_database(staging))  # validate every record anyway
            records = len(advisories)
            packages = len({a.package for adv in advisories for a in adv.affected})
        else:
            index = OsvIndex.open(staging, settings.home / "cache", key=target)
            records, packages = index.records, index.packages
            index.close()
        if records == 0:
            raise ConfigError(f"--from {mask_url_passwords(args.source)}: no OSV records found")
        _swap(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    indexed = "" if args.no_index else ", indexed"
    print(
        f"scriptrunner: advisory database updated: {records} records for {packages} PyPI "
        f"packages{indexed} in {time.perf_counter() - started:.1f} s -> {target}",
        file=sys.stderr,
    )
    return 0
