"""The journal's file format and files: checksummed records read back in order, a torn or
damaged record skipped and named (file, offset), owner-only files, bounds, locks."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from fixtures.cli import cli
from scriptrunner.store import journal, rows
from scriptrunner.store.journal_writer import JournalWriter
from scriptrunner.store.sqlite import SqliteHistory

KEY = "sqlite:///somewhere/history.db"


def record(n: int) -> dict[str, object]:
    return {"op": "event", "event": {"type": "t", "run_id": None, "ts": float(n), "payload": {}}}


def written(tmp_path: Path, count: int = 3) -> tuple[JournalWriter, Path]:
    writer = JournalWriter(str(tmp_path / "journal"), KEY)
    for n in range(count):
        writer.append([record(n)])
    assert writer.path is not None
    return writer, Path(writer.path)


def offsets(path: Path) -> list[int]:
    data = path.read_bytes()
    found, at = [], data.find(journal.MAGIC)
    while at >= 0:
        found.append(at)
        at = data.find(journal.MAGIC, at + 1)
    return found


def test_records_read_back_in_order_after_a_header_naming_the_store(tmp_path: Path) -> None:
    writer, path = written(tmp_path)
    writer.close()
    contents = journal.read(str(path))
    assert contents.header is not None and contents.header["store"] == KEY
    assert [r for _, r in contents.records] == [record(0), record(1), record(2)]
    assert contents.problems == []


def test_text_that_is_not_utf8_reads_back_exactly(tmp_path: Path) -> None:
    writer = JournalWriter(str(tmp_path / "journal"), KEY)
    odd = os.fsdecode(b"caf\xe9 \x00 \xff")
    writer.append([{"op": "event", "event": {"payload": {"arg": odd}}}])
    assert journal.read(str(writer.path)).records[0][1]["event"]["payload"]["arg"] == odd


def test_a_torn_last_record_is_skipped_and_named(tmp_path: Path) -> None:
    writer, path = written(tmp_path)
    writer.close()
    last = offsets(path)[-1]
    with path.open("r+b") as f:
        f.truncate(last + journal.HEAD_BYTES + 3)  # a crash in the middle of the write
    contents = journal.read(str(path))
    assert [r for _, r in contents.records] == [record(0), record(1)]
    assert contents.problems == [f"{path}: offset {last}: incomplete last record skipped"]


def test_a_damaged_record_is_skipped_and_the_ones_after_it_are_read(tmp_path: Path) -> None:
    writer, path = written(tmp_path)
    writer.close()
    second = offsets(path)[2]  # [header, 0, 1, 2]
    data = bytearray(path.read_bytes())
    data[second + journal.HEAD_BYTES + 5] ^= 0xFF
    path.write_bytes(bytes(data))
    contents = journal.read(str(path))
    assert [r for _, r in contents.records] == [record(0), record(2)]
    assert len(contents.problems) == 1
    assert contents.problems[0].startswith(f"{path}: offset {second}: damaged record skipped")


def test_journal_files_are_owner_only_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        writer, path = written(tmp_path / "new" / "home", count=1)
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    assert (tmp_path / "new").stat().st_mode & 0o777 == 0o700
    writer.close()


def test_a_file_past_its_bound_refuses_more_with_a_clear_error(tmp_path: Path) -> None:
    writer = JournalWriter(str(tmp_path / "journal"), KEY, max_bytes=400)
    writer.append([record(0)])
    with pytest.raises(journal.JournalFull, match=r"history journal .*\.jnl is full .* lost"):
        writer.append([record(n) for n in range(1, 20)])
    writer.close()
    assert len(journal.read(str(writer.path)).records) == 1  # nothing of the batch kept


def test_a_full_directory_refuses_a_new_file(tmp_path: Path) -> None:
    first, _ = written(tmp_path, count=5)
    first.close()
    second = JournalWriter(str(tmp_path / "journal"), KEY, max_directory_bytes=100)
    with pytest.raises(journal.JournalFull, match="is full"):
        second.append([record(9)])


def test_a_live_writer_keeps_its_file_and_a_gone_one_leaves_it_to_others(tmp_path: Path) -> None:
    writer, path = written(tmp_path, count=1)
    assert journal.claim(str(path)) is None  # locked by its writer (this process, here)
    writer.close()
    fd = journal.claim(str(path))
    assert fd is not None
    journal.discard(fd, str(path))
    assert not path.exists()


def test_store_keys_hide_passwords() -> None:
    assert journal.store_key("postgresql://u:pw@h:5/db") == "postgresql://u:***@h:5/db"
    assert journal.store_key("postgresql://u@h/db") == "postgresql://u@h/db"
    assert journal.store_key("sqlite:///rel/h.db") == "sqlite:///" + os.path.abspath("rel/h.db")


def test_db_replay_skips_a_damaged_record_naming_it_and_writes_the_rest(tmp_path: Path) -> None:
    home = tmp_path / "home"
    SqliteHistory(home / "history.db").close()
    key = journal.store_key(f"sqlite:///{home / 'history.db'}")
    row = rows.run_start_row(
        run_id="a" * 32, kind="run", script=None, command=["x"], cwd="/", tags={}, started_at=1.0
    )
    writer = JournalWriter(journal.journal_dir(home), key)
    writer.append([{"op": "start", "row": row, "events": []}])
    writer.append([record(1)])
    writer.close()
    path = Path(str(writer.path))
    bad = offsets(path)[2]
    data = bytearray(path.read_bytes())
    data[-2] ^= 0xFF
    path.write_bytes(bytes(data))

    done = cli(home, "db", "replay")
    assert done.returncode == 0, done.stderr
    assert f"{path}: offset {bad}: damaged record skipped" in done.stderr
    assert "Traceback" not in done.stderr
    assert "1 write(s) written" in done.stdout
    conn = sqlite3.connect(home / "history.db")
    assert conn.execute("SELECT id, status FROM runs").fetchall() == [("a" * 32, "running")]
    conn.close()
    assert not path.exists()
    again = cli(home, "db", "replay")
    assert again.returncode == 0 and "nothing to replay" in again.stderr


def test_a_journal_for_another_store_is_left_alone(tmp_path: Path) -> None:
    home = tmp_path / "home"
    SqliteHistory(home / "history.db").close()
    writer = JournalWriter(journal.journal_dir(home), "postgresql://u@elsewhere/db")
    writer.append([record(1)])
    writer.close()
    done = cli(home, "db", "replay")
    assert done.returncode == 0, done.stderr
    assert "1 journal file(s) for another store: left alone" in done.stdout
    assert Path(str(writer.path)).exists()
