"""The fast path of ``scriptrunner run``: the common case with the standard library only.

:func:`plan` reads ``argv`` and the environment and answers either None (the full path,
``cli.main``'s argparse parser and ``app.RunSession``, handles it) or a :class:`Plan`.  It
accepts only ``run [-q|--quiet] [--keep-daemons] [--env K=V] [--tag K=V] [--cwd DIR]
[--python PATH] [--tail-bytes N] SCRIPT.py [ARGS...]`` or ``... -- COMMAND [ARGS...]``,
with options spelt exactly so (no abbreviation, no ``=`` form, no bundling: those go to
the full path, which parses them as argparse does), a store that is an existing WAL-mode
SQLite file at this code's schema version (read from the file header's ``user_version``,
which :class:`~scriptrunner.store.sqlite.SqliteHistory` stamps), no settings file and no
``SCRIPTRUNNER_*`` setting other than ``SCRIPTRUNNER_HOME`` (and the scanner paths and the
cost key, which a run does not read).  ``SCRIPTRUNNER_FAST_PATH=0`` forces the full path.

:func:`execute` spawns the child first (``posix_spawn``, its own session) and does the rest
while it runs: the watchdog, the store, the ``running`` row and ``run.started`` event; then
it streams output with ``poll`` over the two pipes and a pidfd in this one thread, hands the
tree to the full path's psutil monitor only if the child is still running after the
monitor's first interval, takes CPU and peak RSS from ``wait4`` otherwise, writes the same
finish row, attempt row, samples and events as :class:`~scriptrunner.core.runner.Runner`,
and exits with ``os._exit`` (no interpreter teardown, no WAL checkpoint).
"""

from __future__ import annotations

import os
import sys

from scriptrunner import limits
from scriptrunner.cli.fast_attempt import Plan

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

#: ``SCRIPTRUNNER_FAST_PATH=0`` sends every ``run`` to the full path.
SWITCH = "SCRIPTRUNNER_FAST_PATH"
#: ``SCRIPTRUNNER_*`` settings (``settings.ENV_PREFIX``) that change what a run does: with
#: any of them set, the full path runs it.  Those in ``_NOT_READ`` are the fast path's own
#: (HOME) or not read by a plain run (the scanners', the cost key, the Dask executor's); a
#: test checks that the two lists name every setting.
_NOT_READ = ("HOME", "SEMGREP", "SAFETY", "OSV_SCANNER", "GCP_API_KEY", "CLUSTER_TIMEOUT")
_SETTINGS = (
    "DATABASE_URL",
    "TAIL_BYTES",
    "KILL_GRACE",
    "SAMPLE_INTERVAL",
    "MAX_SAMPLES",
    "BUSY_TIMEOUT",
    "HEARTBEAT_INTERVAL",  # the fast path renews no lease: its rows keep the pid check
    "LEASE_TIMEOUT",  # not read by a run, but checked against the interval by the full path
    "TRACE",
    "TRACING",
    "COST_MAX_AGE_DAYS",
)
_FLAGS = ("-q", "--quiet", "--keep-daemons")
_VALUED = ("--env", "--tag", "--cwd", "--python", "--tail-bytes")
_SQLITE_MAGIC = b"SQLite format 3\x00"


def _clean(path: str) -> str | None:
    """``str(pathlib.PurePosixPath(path))`` for the paths met here (None: too unusual)."""
    if path.startswith("//") or not path:
        return None
    parts = [p for p in path.split("/") if p and p != "."]
    text = "/".join(parts)
    return ("/" + text) if path.startswith("/") else (text or ".")


def _env_name(name: str) -> bool:
    return (
        bool(name)
        and name.isascii()
        and not name[0].isdigit()
        and all(c.isalnum() or c == "_" for c in name)
    )


def _utf8(*texts: str) -> bool:
    """No lone surrogate (stored text needs none of ``store.values.storable``'s escaping)."""
    from scriptrunner.store.values import has_surrogate

    return not any(has_surrogate(text) for text in texts)


def _settings_file(start: str) -> bool:
    """Is there a settings file ``settings.load_settings`` would read (or fail to read)?"""
    from scriptrunner.errors import ConfigError
    from scriptrunner.settings_file import file_settings

    try:
        return bool(file_settings(start)[1])
    except ConfigError:  # the full path says what is wrong with it
        return True


def _store(environ: dict[str, str] | os._Environ[str]) -> str | None:
    """The SQLite history file, if the fast path may write it as it is (else None)."""
    from scriptrunner.store.version import SCHEMA_VERSION

    home = environ.get("SCRIPTRUNNER_HOME", "")
    if home:
        home = os.path.expanduser(home)
    else:
        base = environ.get("XDG_DATA_HOME") or os.path.expanduser("~") + "/.local/share"
        home = base + "/scriptrunner"
    path = _clean(home)
    if path is None or not path.startswith("/"):
        return None
    path += "/history.db"
    try:
        with open(path, "rb") as f:
            header = f.read(100)
    except OSError:
        return None
    if (
        len(header) < 100
        or not header.startswith(_SQLITE_MAGIC)
        or header[18:20] != b"\x02\x02"  # WAL
        or int.from_bytes(header[60:64], "big") != SCHEMA_VERSION
        or not os.access(path, os.W_OK, effective_ids=True)
        or not os.access(os.path.dirname(path), os.W_OK, effective_ids=True)
        # root passes access() whatever the mode: a read-only directory is refused by
        # its mode too (the full path explains that the -wal/-shm files need it)
        or not os.stat(os.path.dirname(path)).st_mode & 0o222
    ):
        return None
    return path


def plan(
    argv: Sequence[str], environ: dict[str, str] | os._Environ[str] = os.environ
) -> Plan | None:
    """A :class:`Plan` for ``argv`` (the words after ``scriptrunner``), or None."""
    if environ.get(SWITCH, "") == "0":
        return None
    for key, value in environ.items():
        if key.startswith("SCRIPTRUNNER_") and value != "":
            name = key[13:]
            if name in _SETTINGS:
                return None
    words = list(argv)
    home_args = []
    while words and words[0] == "--home" and len(words) > 1:
        home_args = [words[1]]
        words = words[2:]
    if not words or words[0] != "run":
        return None
    env = dict(environ)
    if home_args:
        env["SCRIPTRUNNER_HOME"] = home_args[0]
    p = Plan()
    i = 1
    while i < len(words):
        word = words[i]
        if word in _FLAGS:
            if word == "--keep-daemons":
                p.keep_daemons = True
            else:
                p.quiet = True
            i += 1
            continue
        if word not in _VALUED:
            break
        if i + 1 >= len(words) or words[i + 1].startswith("-"):
            return None
        value = words[i + 1]
        i += 2
        if word in ("--env", "--tag"):
            key, sep, val = value.partition("=")
            if not sep:
                return None
            if word == "--env":
                if not _env_name(key) or "\0" in val:
                    return None
                p.env[key] = val
            else:
                if not key.strip():
                    return None
                p.tags[key.strip()] = val
        elif word == "--cwd":
            if not value.startswith("/") or not os.path.isdir(value):
                return None
            p.chdir = value
        elif word == "--python":
            p.command = [value]
        elif not value.isdigit() or not value.isascii() or int(value) > limits.MAX_TAIL_BYTES:
            return None  # --tail-bytes: the full path explains what is wrong
        else:
            p.tail_bytes = int(value)
    target = words[i:]
    if not target or (target[0].startswith("-") and target[0] != "--"):
        return None
    if "PATH" in p.env:  # the program is looked up in the child's PATH
        return None
    if not _utf8(*target, *p.command, *p.env, *p.env.values(), *p.tags, *p.tags.values()):
        return None
    here = os.getcwd()
    if not _utf8(here) or _settings_file(os.path.realpath(here)):
        return None
    p.cwd = os.path.abspath(p.chdir or here)
    if target[0] == "--":
        if len(target) < 2:
            return None
        p.command = target[1:]
    else:
        script = target[0]
        base = p.chdir or here
        joined = _clean(script if script.startswith("/") else base + "/" + script)
        if joined is None or not os.path.isfile(joined):
            return None  # a directory, or no such script: the full path says which
        p.script = os.path.realpath(joined)
        p.command = [p.command[0] if p.command else sys.executable, joined, *target[1:]]
    store = _store(env)
    if store is None:
        return None
    p.store = store
    return p


def execute(p: Plan) -> int | None:
    """Run ``p``; None when the program could not be started (nothing ran or was recorded:
    the full path then says why)."""
    from scriptrunner.cli.fast_attempt import Attempt

    attempt = Attempt(p)
    if not attempt.spawn():
        return None
    return attempt.finish()
