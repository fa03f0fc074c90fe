"""Owner-only caches and one error line when they cannot be made (``scanners/private.py``)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from scriptrunner.errors import ConfigError
from scriptrunner.scanners.private import private_dir, private_file


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_created_owner_only_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        path = private_file(tmp_path / "a" / "b" / "cache.db")
    finally:
        os.umask(old)
    assert mode(path) == 0o600
    assert mode(tmp_path / "a" / "b") == 0o700 and mode(tmp_path / "a") == 0o700


def test_an_existing_open_directory_is_tightened(tmp_path: Path) -> None:
    (tmp_path / "cache").mkdir(mode=0o777)
    os.chmod(tmp_path / "cache", 0o777)
    assert mode(private_dir(tmp_path / "cache")) == 0o700


def test_a_file_in_the_way_is_one_config_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(
        ConfigError, match=r"cannot create the scan cache .*file/cache: .*--no-cache"
    ):
        private_dir(tmp_path / "file" / "cache")
