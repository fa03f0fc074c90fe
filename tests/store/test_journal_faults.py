"""The journal writer on a full disk, for real: a child process whose file size limit
(``RLIMIT_FSIZE``, with ``SIGXFSZ`` ignored) stops a write part of the way, as a full disk
does.  What did not fit is reported lost (``JournalFull`` naming the file and the error),
no part of it is replayed later, and the writer goes on once there is room again."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from scriptrunner.store import journal

KEY = "sqlite:///somewhere/history.db"

CHILD = """
import json, resource, signal, sys
from scriptrunner.store import journal
from scriptrunner.store.journal_writer import JournalWriter

signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
SOFT, HARD = resource.getrlimit(resource.RLIMIT_FSIZE)
DIRECTORY, KEY = sys.argv[1], sys.argv[2]
out = {}


def record(n):
    return {"op": "event", "event": {"type": f"e{n}", "run_id": None, "ts": float(n),
                                     "payload": {"pad": "x" * 100}}}


def full_after(limit, records):
    \"\"\"Append ``records`` while the files may not grow past ``limit`` bytes: the error.\"\"\"
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, HARD))
    try:
        writer.append(records)
    except journal.JournalFull as exc:
        return str(exc)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (SOFT, HARD))
    return None


writer = JournalWriter(DIRECTORY, KEY)
"""


def child(tmp_path: Path, body: str) -> dict[str, Any]:
    """Run ``CHILD`` + ``body`` (which fills ``out``) in a child process: ``out``."""
    code = CHILD + textwrap.dedent(body) + "\nprint(json.dumps(out))\n"
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "journal"), KEY],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout.splitlines()[-1]))


def types(path: Path) -> tuple[list[str], list[str]]:
    contents = journal.read(str(path))
    return [r["event"]["type"] for _, r in contents.records], contents.problems


def test_a_header_that_does_not_fit_is_lost_and_the_next_write_starts_the_file(
    tmp_path: Path,
) -> None:
    out = child(
        tmp_path,
        """
        out["error"] = full_after(8, [record(1)])
        out["path"] = writer.path
        writer.append([record(2)])  # room again
        out["size"] = writer.size
        out["path2"] = writer.path
        """,
    )
    assert out["error"] is not None
    assert out["error"].startswith(f"cannot write history journal {tmp_path / 'journal'}/")
    assert out["error"].endswith(": File too large")
    assert out["path"] is None
    files = sorted((tmp_path / "journal").glob("*" + journal.SUFFIX))
    assert [str(f) for f in files] == [out["path2"]]  # the cut-off file is not left behind
    assert types(files[0]) == (["e2"], [])
    assert files[0].stat().st_size == out["size"]
    assert journal.read(str(files[0])).header is not None


def test_a_batch_cut_off_by_a_full_disk_is_lost_whole_and_the_journal_stays_readable(
    tmp_path: Path,
) -> None:
    out = child(
        tmp_path,
        """
        writer.append([record(1)])
        one = len(journal.encode(record(2)))
        before = writer.size
        # Room for record 2 and part of record 3: the batch's write stops in record 3.
        out["error"] = full_after(before + one + one // 2, [record(2), record(3), record(4)])
        out["size_after_error"] = writer.size
        out["before"] = before
        writer.append([record(5)])
        out["path"] = writer.path
        """,
    )
    assert out["error"] is not None and out["error"].endswith(": File too large")
    assert out["error"].startswith(f"cannot write history journal {out['path']}")
    assert out["size_after_error"] == out["before"]
    # Records 2 and 3 were reported lost: none of them is replayed, nothing is damaged.
    assert types(Path(out["path"])) == (["e1", "e5"], [])
