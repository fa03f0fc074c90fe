"""The journal writer at its edges: nothing written makes no file, a name already taken
is a JournalFull naming the file, the size counts what was written."""

from __future__ import annotations

from pathlib import Path

import pytest

from scriptrunner.store.journal import JournalFull
from scriptrunner.store.journal_writer import JournalWriter

KEY = "sqlite:///somewhere/history.db"
RECORD = {"op": "event", "event": {"type": "t", "run_id": None, "ts": 1.0, "payload": {}}}


def test_no_records_make_no_file_and_read_is_empty(tmp_path: Path) -> None:
    writer = JournalWriter(str(tmp_path / "journal"), KEY)
    writer.append([])
    assert writer.path is None
    assert not (tmp_path / "journal").exists()
    contents = writer.read()
    assert contents.header is None and contents.records == [] and contents.problems == []


def test_size_is_the_bytes_of_the_file(tmp_path: Path) -> None:
    writer = JournalWriter(str(tmp_path / "journal"), KEY)
    assert writer.size == 0
    writer.append([RECORD])
    assert writer.path is not None
    assert writer.size == Path(writer.path).stat().st_size > 0


def test_a_file_name_already_taken_is_journal_full(tmp_path: Path) -> None:
    directory = tmp_path / "journal"
    directory.mkdir()
    writer = JournalWriter(str(directory), KEY)
    (directory / writer.name).write_bytes(b"someone else's")
    with pytest.raises(JournalFull, match=f"cannot create history journal .*{writer.name}"):
        writer.append([RECORD])
    assert writer.path is None
    assert (directory / writer.name).read_bytes() == b"someone else's"
