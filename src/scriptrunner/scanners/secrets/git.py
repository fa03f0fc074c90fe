"""Added lines from git: the index (``--staged``, for pre-commit hooks) and history.

Both read a zero-context patch (``-U0``) and turn each hunk's added lines into one
:class:`Hunk` -- the lines are consecutive in the new version of the file, so a hunk is
scanned as a text and its line numbers shifted by where it starts.  History is streamed
(``git log -p --reverse``, oldest first, so occurrence numbers and fingerprints of old
findings do not change when commits are added) and never held in memory as a whole.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from scriptrunner.errors import ConfigError, ScannerError

_HUNK = re.compile(r"^@@ -\d+(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_COMMIT_MARK = "\x01commit "


@dataclass(frozen=True, slots=True)
class Hunk:
    """Consecutive added lines of one file version; ``start`` is the first one's number."""

    path: str
    start: int
    lines: tuple[str, ...] = field(repr=False)
    commit: str | None = None
    date: str | None = None

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def _git() -> str:
    git = shutil.which("git")
    if git is None:
        raise ScannerError("git is not installed; --staged and --git-history need it")
    return git


def toplevel(directory: Path) -> Path:
    """The work tree root containing ``directory`` (``ConfigError`` outside git)."""
    proc = subprocess.run(
        [_git(), "-C", str(directory), "rev-parse", "--show-toplevel"],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise ConfigError(
            f"{directory} is not inside a git work tree (--staged/--git-history need one): "
            f"{proc.stderr.strip()}"
        )
    return Path(proc.stdout.strip())


_DIFF_OPTIONS = (
    "-U0",
    "--no-color",
    "--no-ext-diff",
    "--diff-filter=d",
    "--no-renames",
    "--src-prefix=a/",
    "--dst-prefix=b/",
)


def staged_hunks(repo: Path) -> Iterator[Hunk]:
    """The added lines of the index (what the next commit adds)."""
    yield from _run(repo, ["diff", "--cached", *_DIFF_OPTIONS])


def history_hunks(repo: Path, since: str | None = None) -> Iterator[Hunk]:
    """Every commit's added lines, oldest first; ``since``: only commits after that rev."""
    head = subprocess.run(
        [_git(), "-C", str(repo), "rev-parse", "--verify", "--quiet", "HEAD"],
        capture_output=True,
        check=False,
    )
    if head.returncode != 0 and since is None:
        return  # no commits yet: no history
    if since is not None:
        check = subprocess.run(
            [_git(), "-C", str(repo), "rev-parse", "--verify", "--quiet", f"{since}^{{commit}}"],
            capture_output=True,
            text=True,
            check=False,
        )
        if check.returncode != 0:
            raise ConfigError(f"--since {since}: no such commit in {repo}")
    span = f"{since}..HEAD" if since is not None else "HEAD"
    fmt = f"--format={_COMMIT_MARK}%H %aI"
    yield from _run(repo, ["log", "-p", "--reverse", fmt, *_DIFF_OPTIONS, span, "--"])


def _run(repo: Path, args: list[str]) -> Iterator[Hunk]:
    cmd = [_git(), "-c", "core.quotePath=false", "-C", str(repo), *args]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    try:
        yield from parse_patch(_decode(line) for line in proc.stdout)
    finally:
        proc.stdout.close()
        err = proc.stderr.read().decode("utf-8", "replace").strip()
        code = proc.wait()
    if code != 0:
        if "does not have any commits" in err or "unknown revision" in err:
            return  # an empty repository has no history (and nothing staged against HEAD)
        raise ScannerError(f"git {args[0]} failed in {repo} (exit {code}): {err}")


def _decode(raw: bytes) -> str:
    line = raw.decode("utf-8", "replace")
    return line[:-1] if line.endswith("\n") else line


def _unquote(path: str) -> str:
    """Git's C-style quoting of unusual paths (``"a\\tb"``); with ``core.quotePath=false``
    the name's non-ASCII characters are inside the quotes as they are, not escaped."""
    if not (path.startswith('"') and path.endswith('"')):
        return path
    body = path[1:-1].encode("utf-8").decode("unicode_escape")  # one char per byte
    return body.encode("latin-1", "replace").decode("utf-8", "replace")


def parse_patch(lines: Iterable[str]) -> Iterator[Hunk]:
    """Hunks of added lines from ``git diff``/``git log -p`` output (``-U0``).

    Inside a hunk, lines are counted from its header, so an added line that looks like a
    header (``+++ b/x`` as content) is still content.
    """
    commit: str | None = None
    date: str | None = None
    path: str | None = None
    added: list[str] = []
    start = 0
    old_left = new_left = 0
    for line in lines:
        if old_left > 0 or new_left > 0:
            if line.startswith("+") and new_left > 0:
                added.append(line[1:])
                new_left -= 1
            elif line.startswith("-") and old_left > 0:
                old_left -= 1
            elif not line.startswith("\\"):
                old_left = new_left = 0  # malformed: resynchronise on the headers below
            if old_left > 0 or new_left > 0:
                continue
            if added and path is not None:
                yield Hunk(path, start, tuple(added), commit, date)
            added = []
            if line.startswith(("+", "-", "\\")):
                continue
        if line.startswith(_COMMIT_MARK):
            commit, _, date = line[len(_COMMIT_MARK) :].partition(" ")
        elif line.startswith("diff --git "):
            path = None
        elif line.startswith("+++ "):
            # Git ends the line with a TAB when the name has a space (a TAB in the name
            # itself is quoted): the TAB is not part of the name.
            target = _unquote(line[4:].removesuffix("\t"))
            path = None if target == "/dev/null" else target.removeprefix("b/")
        elif line.startswith("@@"):
            m = _HUNK.match(line)
            if m:
                old_left = int(m.group(1)) if m.group(1) is not None else 1
                new_left = int(m.group(3)) if m.group(3) is not None else 1
                start = int(m.group(2))


__all__ = ["Hunk", "history_hunks", "parse_patch", "staged_hunks", "toplevel"]
