"""What ``.gitignore`` hides from a directory walk (used by ``scan secrets``).

Inside a git work tree, ``git ls-files --cached --others --exclude-standard`` lists the files
(so ``.gitignore``, ``.git/info/exclude`` and the global excludes apply exactly as git applies
them); elsewhere a simple ``.gitignore`` reader is used: name and path globs, ``dir/``,
``!negation`` -- not every corner of git's syntax.
"""

from __future__ import annotations

import fnmatch
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


def _ls_files(directory: Path, *flags: str) -> list[str] | None:
    """``git ls-files FLAGS -z`` in ``directory``: the names, or None (not a work tree, no git)."""
    git = shutil.which("git")
    if git is None:
        return None
    argv = [git, "-C", str(directory), "ls-files", *flags, "-z"]
    try:
        proc = subprocess.run(argv, capture_output=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return None  # "not a git repository": walk the directory instead
    return [n for n in proc.stdout.decode("utf-8", "surrogateescape").split("\0") if n]


def git_files(directory: Path, carrier: Callable[[str], bool] | None = None) -> list[Path] | None:
    """The files git would consider (tracked + untracked, not ignored), plus the ignored files
    whose name ``carrier`` picks (not those inside an ignored directory); None: not a work
    tree, or no git."""
    names = _ls_files(directory, "--cached", "--others", "--exclude-standard")
    if not names:
        # None: walk the directory.  Nothing listed: the directory itself is ignored (a
        # virtualenv, a checkout inside an ignored folder); it was named explicitly, so walk
        # it with its own .gitignore files.
        return None
    if carrier is not None:
        hidden = _ls_files(directory, "--others", "--ignored", "--exclude-standard", "--directory")
        names += [n for n in hidden or () if not n.endswith("/") and carrier(n.rsplit("/", 1)[-1])]
    return [directory / n for n in dict.fromkeys(names)]


@dataclass(frozen=True, slots=True)
class IgnoreRule:
    """One line of a ``.gitignore`` file."""

    base: str  # directory of the .gitignore, relative to the walk's top ("" = top)
    pattern: str
    negate: bool
    dir_only: bool
    anchored: bool

    def matches(self, rel: str, is_dir: bool) -> bool:
        if self.dir_only and not is_dir:
            return False
        if self.base:
            if not rel.startswith(self.base + "/"):
                return False
            rel = rel[len(self.base) + 1 :]
        if self.anchored:
            return fnmatch.fnmatch(rel, self.pattern)
        return fnmatch.fnmatch(rel.rsplit("/", 1)[-1], self.pattern) or fnmatch.fnmatch(
            rel, "*/" + self.pattern
        )


def read_gitignore(path: Path, base: str) -> list[IgnoreRule]:
    """The rules of the ``.gitignore`` at ``path`` (in directory ``base`` of the walk)."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    out: list[IgnoreRule] = []
    for line in lines:
        line = line.rstrip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        line = line[1:] if negate else line
        dir_only = line.endswith("/")
        line = line.rstrip("/")
        anchored = "/" in line
        out.append(IgnoreRule(base, line.lstrip("/"), negate, dir_only, anchored))
    return out


def ignored(rules: list[IgnoreRule], rel: str, is_dir: bool) -> bool:
    """Whether ``rel`` is ignored: the last matching rule decides (``!`` re-includes)."""
    result = False
    for rule in rules:
        if rule.matches(rel, is_dir):
            result = not rule.negate
    return result


__all__ = ["IgnoreRule", "git_files", "ignored", "read_gitignore"]
