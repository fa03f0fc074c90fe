"""The journal's file handling at its edges: missing directories and files, files that
vanish or cannot be opened, and directories that cannot be created or written."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scriptrunner.store import journal


def test_store_key_of_a_name_without_scheme_is_the_name() -> None:
    assert journal.store_key("history") == "history"


def test_a_missing_directory_has_no_pending_files(tmp_path: Path) -> None:
    assert journal.pending_files(str(tmp_path / "absent")) == []
    assert journal.directory_bytes(str(tmp_path / "absent")) == 0


def test_a_journal_file_that_cannot_be_stat_ed_is_listed_first_and_counts_nothing(
    tmp_path: Path,
) -> None:
    real = tmp_path / f"b{journal.SUFFIX}"
    real.write_bytes(b"x" * 10)
    dangling = tmp_path / f"z{journal.SUFFIX}"
    dangling.symlink_to(tmp_path / "gone")
    assert journal.pending_files(str(tmp_path)) == [str(dangling), str(real)]
    assert journal.directory_bytes(str(tmp_path)) == 10


def test_claim_of_a_missing_file_or_a_symlink_is_none(tmp_path: Path) -> None:
    assert journal.claim(str(tmp_path / f"absent{journal.SUFFIX}")) is None
    target = tmp_path / "target"
    target.write_bytes(b"")
    link = tmp_path / f"link{journal.SUFFIX}"
    link.symlink_to(target)
    assert journal.claim(str(link)) is None


def test_discard_of_a_file_removed_meanwhile_releases_it(tmp_path: Path) -> None:
    path = tmp_path / f"a{journal.SUFFIX}"
    path.write_bytes(b"data")
    fd = journal.claim(str(path))
    assert fd is not None
    path.unlink()
    journal.discard(fd, str(path))
    with pytest.raises(OSError):
        os.fstat(fd)  # closed


def test_a_directory_that_cannot_be_created_is_journal_full(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(journal.JournalFull, match="cannot create the history journal directory"):
        journal.make_directory(str(blocker / "journal"))


def test_a_rejected_file_that_cannot_be_written_is_journal_full(tmp_path: Path) -> None:
    source = tmp_path / f"a{journal.SUFFIX}"
    (tmp_path / journal.REJECTED / source.name).mkdir(parents=True)  # a directory in its place
    with pytest.raises(journal.JournalFull, match=f"cannot write .*{source.name}"):
        journal.reject(str(tmp_path), str(source), "sqlite:///x", [{"op": "event"}])
