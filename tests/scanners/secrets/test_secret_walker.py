"""Which files are scanned: .gitignore (git and plain directories), binary, oversize,
--exclude, third-party trees; and the parallel path gives the single-process result."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from secret_samples import expand

from scriptrunner.scanners.base import ScanContext
from scriptrunner.scanners.files import SECRETS_WALK, collect
from scriptrunner.scanners.options import SecretsOptions
from scriptrunner.scanners.secrets import parallel
from scriptrunner.scanners.secrets.scanner import SecretsScanner

TOKEN_LINE = "TOKEN = 'ghp_{gh:36}'\n"


def _tree(root: Path) -> None:
    (root / "src").mkdir(parents=True)
    (root / "src" / "app.py").write_text(expand(TOKEN_LINE, 1))
    (root / "build").mkdir()
    (root / "build" / "out.py").write_text(expand(TOKEN_LINE, 2))
    (root / "local.env").write_text(expand("API_TOKEN={alnum:40}\n", 3))
    (root / ".gitignore").write_text("build/\n*.env\n")
    (root / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0")
    (root / "data.txt").write_bytes(b"abc\0def" + expand(TOKEN_LINE, 4).encode())
    (root / "big.txt").write_text("x" * 5000 + "\n" + expand(TOKEN_LINE, 5))
    (root / "node_modules" / "lib").mkdir(parents=True)
    (root / "node_modules" / "lib" / "i.js").write_text(expand(TOKEN_LINE, 6))
    (root / "env" / "lib").mkdir(parents=True)
    (root / "env" / "pyvenv.cfg").write_text("home = /usr\n")
    (root / "env" / "lib" / "x.py").write_text(expand(TOKEN_LINE, 7))


def _scan(root: Path, **options: object) -> tuple[set[str], dict[str, str]]:
    typed = SecretsOptions(max_file_bytes=4096, **options)  # type: ignore[arg-type]
    scanner = SecretsScanner(ScanContext(root=root, options=typed))
    result = scanner.scan([root])
    return (
        {f.location.path for f in result.findings},
        {s.target: s.reason for s in result.skipped},
    )


def test_plain_directory_respects_gitignore_and_reports_skips(tmp_path: Path) -> None:
    _tree(tmp_path)
    paths, skipped = _scan(tmp_path)
    assert paths == {"src/app.py", "local.env"}  # build/ ignored; *.env ignored but a carrier
    assert skipped["logo.png"].startswith("binary file")
    assert skipped["data.txt"] == "binary file"
    assert skipped["big.txt"].startswith("too large: ")
    assert skipped["node_modules"].startswith("third-party")
    assert skipped["env"].startswith("third-party")
    paths, _ = _scan(tmp_path, gitignore=False)
    assert paths == {"src/app.py", "build/out.py", "local.env"}


def test_git_work_tree_uses_git_ignore_rules(tmp_path: Path) -> None:
    _tree(tmp_path)
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".git" / "info" / "exclude").write_text("src/app.py\n")
    (tmp_path / "other.py").write_text(expand(TOKEN_LINE, 8))
    paths, skipped = _scan(tmp_path)
    # app.py excluded by .git/info/exclude, build/ by .gitignore; local.env is ignored too,
    # but a file of that name holds credentials by convention: scanned.
    assert paths == {"other.py", "local.env"}
    assert "node_modules" in skipped and "env" in skipped


@pytest.mark.parametrize("git", [True, False], ids=["git-work-tree", "plain-directory"])
def test_ignored_credential_files_are_scanned_but_not_inside_ignored_dirs(
    tmp_path: Path, git: bool
) -> None:
    """``.gitignore`` keeps ``.env`` and Terraform state out of commits, not off the disk: they
    are scanned; other ignored files, and anything inside an ignored directory, are not."""
    if git:
        subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text(".env*\n*.tfstate*\n*.log\nsecrets-dir/\n")
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / ".env.production").write_text(expand(TOKEN_LINE, 11))
    (tmp_path / "infra.tfstate.backup").write_text(expand(TOKEN_LINE, 12))
    (tmp_path / "debug.log").write_text(expand(TOKEN_LINE, 13))
    (tmp_path / "secrets-dir").mkdir()
    (tmp_path / "secrets-dir" / ".env").write_text(expand(TOKEN_LINE, 14))
    assert _scan(tmp_path)[0] == {"svc/.env.production", "infra.tfstate.backup"}
    assert _scan(tmp_path, exclude=(".env*",))[0] == {"infra.tfstate.backup"}
    everything = _scan(tmp_path, gitignore=False)[0]
    assert everything == {
        "svc/.env.production",
        "infra.tfstate.backup",
        "debug.log",
        "secrets-dir/.env",
    }


def test_exclude_globs(tmp_path: Path) -> None:
    _tree(tmp_path)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "t.py").write_text(expand(TOKEN_LINE, 9))
    assert _scan(tmp_path, exclude=("tests",))[0] == {"src/app.py", "local.env"}
    assert _scan(tmp_path, exclude=("*.py",))[0] == {"local.env"}
    assert _scan(tmp_path, exclude=("src/*", "*.env"))[0] == {"tests/t.py"}


def test_explicit_file_is_scanned_even_if_ignored(tmp_path: Path) -> None:
    _tree(tmp_path)
    scanner = SecretsScanner(ScanContext(root=tmp_path))
    result = scanner.scan([tmp_path / "local.env"])
    assert [f.rule_id for f in result.findings] == ["generic-secret"]


def test_parallel_scan_equals_single_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(40):
        d = tmp_path / f"pkg{i % 5}"
        d.mkdir(exist_ok=True)
        body = "".join(f"x_{n} = {n}\n" for n in range(200))
        (d / f"m{i}.py").write_text(body + expand(TOKEN_LINE + "password = '{pw:14}'\n", i))
    files, _ = collect([tmp_path], tmp_path, policy=SECRETS_WALK, gitignore=True)
    single = parallel.scan_files(files, workers=1)
    monkeypatch.setattr(parallel, "PARALLEL_MIN_BYTES", 0)
    multi = parallel.scan_files(files, workers=2)
    key = lambda f: (f.location.path, f.location.start_line, f.fingerprint)  # noqa: E731
    assert sorted(single[0], key=key) == sorted(multi[0], key=key)
    assert len(single[0]) == 80


def test_chunks_balance_bytes() -> None:
    from scriptrunner.scanners.files import FileTarget

    sizes = [90_000, 50_000, 40_000, 10_000]
    files = [FileTarget(f"/f{i}", f"f{i}", size) for i, size in enumerate(sizes)]
    out = parallel.chunks(files, 2)
    assert sorted(sorted(p for p, _ in c) for c in out) == [["/f0", "/f3"], ["/f1", "/f2"]]
