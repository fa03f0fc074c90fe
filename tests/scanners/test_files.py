"""The one file collector of ``scan code`` and ``scan secrets``: the exclude rule, the size
limit, binary and unreadable files, walk policies."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from scriptrunner.scanners.files import (
    CODE_WALK,
    SECRETS_WALK,
    Excludes,
    collect,
    is_binary,
    read_text,
)


def tree(root: Path, files: dict[str, bytes]) -> Path:
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def rels(
    root: Path, *, exclude: tuple[str, ...] = (), policy=SECRETS_WALK, **kw: object
) -> set[str]:  # type: ignore[no-untyped-def]
    files, _ = collect([root], root, policy=policy, excludes=exclude, **kw)  # type: ignore[arg-type]
    return {f.rel for f in files}


@pytest.mark.parametrize(
    ("pattern", "excluded"),
    [
        ("vendor", True),  # a directory component
        ("lib.py", True),  # the file name
        ("*.py", True),
        ("src/vendor/*", True),  # the path relative to the scan root
        ("*/vendor/*", True),
        ("vendor/*", False),  # a path glob starts at the scan root
        ("src/vendor/lib.py", True),
        ("src/*", True),
        ("vend", False),  # globs match whole components, not prefixes
        ("lib", False),
        ("other/*", False),
    ],
)
def test_exclude_matches_the_relative_path_or_any_component(pattern: str, excluded: bool) -> None:
    assert Excludes([pattern])("src/vendor/lib.py") is excluded


def test_no_exclude_excludes_nothing() -> None:
    assert not Excludes([])("anything/at/all.py")


@pytest.mark.parametrize("policy", [CODE_WALK, SECRETS_WALK], ids=["code", "secrets"])
def test_exclude_means_the_same_for_both_walks_and_explicit_files(
    tmp_path: Path, policy: object
) -> None:
    tree(tmp_path, {"src/app.py": b"x = 1\n", "src/vendor/lib.py": b"y = 2\n"})
    assert rels(tmp_path, exclude=("vendor",), policy=policy) == {"src/app.py"}
    # A file named on the command line is excluded by the same rule.
    files, _ = collect(
        [tmp_path / "src" / "vendor" / "lib.py"],
        tmp_path,
        policy=policy,  # type: ignore[arg-type]
        excludes=("vendor",),
    )
    assert files == []


def test_code_walk_picks_python_files_and_skips_virtualenvs_silently(tmp_path: Path) -> None:
    tree(
        tmp_path,
        {"a.py": b"", "notes.txt": b"", ".venv/lib/x.py": b"", "node_modules/m.py": b""},
    )
    files, skipped = collect([tmp_path], tmp_path, policy=CODE_WALK)
    assert [f.rel for f in files] == ["a.py"] and skipped == []
    # A file named explicitly is taken whatever its suffix.
    files, _ = collect([tmp_path / "notes.txt"], tmp_path, policy=CODE_WALK)
    assert [f.rel for f in files] == ["notes.txt"]


def test_secrets_walk_reports_third_party_trees(tmp_path: Path) -> None:
    tree(tmp_path, {"a.txt": b"", "node_modules/m.js": b"", "env/pyvenv.cfg": b"", ".git/x": b""})
    files, skipped = collect([tmp_path], tmp_path, policy=SECRETS_WALK)
    assert [f.rel for f in files] == ["a.txt"]
    assert {(s.target, s.reason) for s in skipped} == {
        ("node_modules", "third-party directory (not scanned)"),
        ("env", "third-party directory (not scanned)"),
    }


def test_size_limit_skips_and_reports_larger_files(tmp_path: Path) -> None:
    tree(tmp_path, {"small.py": b"x" * 10, "edge.py": b"x" * 100, "big.py": b"x" * 101})
    files, skipped = collect([tmp_path], tmp_path, policy=CODE_WALK, max_bytes=100)
    assert sorted(f.rel for f in files) == ["edge.py", "small.py"]
    assert [(s.target, s.reason) for s in skipped] == [
        ("big.py", "too large: 101 bytes (limit 100)")
    ]


def test_binary_files_are_skipped_by_extension_and_by_content(tmp_path: Path) -> None:
    tree(tmp_path, {"logo.png": b"\x89PNG", "blob.txt": b"ab\0cd", "text.txt": b"hello"})
    files, skipped = collect([tmp_path], tmp_path, policy=SECRETS_WALK)
    assert [(s.target, s.reason) for s in skipped] == [("logo.png", "binary file (.png)")]
    assert sorted(f.rel for f in files) == ["blob.txt", "text.txt"]
    assert read_text(str(tmp_path / "blob.txt")) == (None, "binary file")
    assert read_text(str(tmp_path / "text.txt")) == ("hello", None)
    assert is_binary(b"x" * 8192 + b"\0") is False  # only the first 8 KiB are sniffed


def test_unreadable_and_irregular_files_are_reported(tmp_path: Path) -> None:
    tree(tmp_path, {"ok.py": b""})
    os.symlink("missing.py", tmp_path / "dangling.py")
    os.symlink("loop.py", tmp_path / "loop.py")
    os.mkfifo(tmp_path / "pipe.py")
    files, skipped = collect([tmp_path], tmp_path, policy=CODE_WALK)
    assert [f.rel for f in files] == ["ok.py"]
    assert {s.target: s.reason for s in skipped} == {
        "dangling.py": "dangling symlink",
        "loop.py": "symlink loop",
        "pipe.py": "not a regular file",
    }
    text, reason = read_text(str(tmp_path))  # a directory cannot be read as a file
    assert text is None and reason is not None and reason.startswith("unreadable: ")


def test_gitignore_is_honoured_only_when_asked(tmp_path: Path) -> None:
    tree(tmp_path, {".gitignore": b"build/\n", "build/out.txt": b"", "src/a.txt": b""})
    assert rels(tmp_path, gitignore=False) == {".gitignore", "build/out.txt", "src/a.txt"}
    assert rels(tmp_path, gitignore=True) == {".gitignore", "src/a.txt"}


def test_a_file_reached_twice_is_collected_once(tmp_path: Path) -> None:
    tree(tmp_path, {"a.py": b""})
    files, _ = collect([tmp_path, tmp_path / "a.py"], tmp_path, policy=CODE_WALK)
    assert [f.rel for f in files] == ["a.py"]
