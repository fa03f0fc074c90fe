"""Directory walks: which files a walk picks, which directories it never enters, and the
one ``--exclude`` rule (used by the collector, ``scanners/files.py``).

* ``--exclude GLOB`` (one rule for every scan kind): a path is skipped when the glob matches
  its path relative to the scan root, or any one of its components -- ``vendor`` skips every
  ``vendor`` directory, ``*.min.js`` every such file, ``tests/fixtures/*`` what is below it.
* A :class:`WalkPolicy` says which files a walk picks (``*.py`` for code) and which
  directories it never enters: tool caches silently, third-party trees (``node_modules``, a
  virtualenv...) reported once each as skipped when the policy says so.
* With ``gitignore=True`` a directory is listed as git lists it (``gitignore.py``); a policy's
  ``carriers`` (file names that hold credentials by convention: ``.env``, ``*.tfstate``...)
  are picked even when ignored -- ``.gitignore`` keeps a file out of commits, not off the disk,
  the container image or the archive it ends up in.
* Symlinked directories are not followed (a symlink loop cannot trap the walk); a directory
  that cannot be listed is reported as skipped (``unreadable directory: ...``).
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from scriptrunner.findings.model import Skipped
from scriptrunner.scanners.gitignore import IgnoreRule, ignored, read_gitignore

THIRD_PARTY = "third-party directory (not scanned)"


@dataclass(frozen=True, slots=True)
class WalkPolicy:
    """What a directory walk picks and what it never enters."""

    #: File name endings picked in directories (empty: every file).
    suffixes: tuple[str, ...] = ()
    #: Directory names never entered, silently (VCS data, caches).
    silent_dirs: frozenset[str] = frozenset()
    #: Directory names of third-party trees, never entered.
    third_party_dirs: frozenset[str] = frozenset()
    #: Also treat a directory holding ``pyvenv.cfg`` (a virtualenv) as third-party.
    virtualenvs: bool = False
    #: Report each third-party directory as skipped (else skip it silently).
    report_third_party: bool = False
    #: File name globs picked even when ``.gitignore`` ignores them (outside ignored dirs).
    carriers: tuple[str, ...] = ()

    def carrier(self, name: str) -> bool:
        """Whether a file called ``name`` is scanned even when ignored."""
        return any(fnmatch.fnmatchcase(name, glob) for glob in self.carriers)


_VCS_AND_CACHES = frozenset({".git", ".hg", ".svn", "__pycache__", ".mypy_cache", ".ruff_cache"})

#: ``scan code``: Python files; virtualenvs and tool environments are skipped silently.
CODE_WALK = WalkPolicy(
    suffixes=(".py",),
    silent_dirs=_VCS_AND_CACHES | {".venv", "venv", ".tox", ".nox", "node_modules", ".tools"},
)
#: Files that hold credentials by convention, and are gitignored for that very reason:
#: dotenv files, Terraform state and variables, package-registry and network logins, git and
#: Docker credential stores, kubeconfigs, private keys, Rails master keys, htpasswd files.
SECRET_CARRIERS = (
    ".env", ".env.*", "*.env", ".envrc", "*.tfvars", "*.tfvars.json", "*.tfstate",
    "*.tfstate.backup", ".npmrc", ".pypirc", ".netrc", "_netrc", ".git-credentials",
    ".dockercfg", "credentials", "credentials.json", "kubeconfig", "*.kubeconfig", "*.pem",
    "*.key", "*.ppk", "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", ".htpasswd",
    "secrets.yml", "secrets.yaml", "secrets.json", "*.secrets",
)  # fmt: skip
#: ``scan secrets``: every file; third-party trees are reported as skipped.
SECRETS_WALK = WalkPolicy(
    silent_dirs=_VCS_AND_CACHES | {".pytest_cache"},
    third_party_dirs=frozenset({"node_modules", ".tox", ".nox"}),
    virtualenvs=True,
    report_third_party=True,
    carriers=SECRET_CARRIERS,
)


def display_path(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` (POSIX separators), or absolute if outside it."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


class Excludes:
    """``--exclude`` globs: a path is excluded when it, or one of its components, matches."""

    def __init__(self, patterns: Sequence[str]) -> None:
        self.patterns = tuple(patterns)
        self._rx = (
            re.compile("|".join(fnmatch.translate(p) for p in self.patterns))
            if self.patterns
            else None
        )

    def __call__(self, rel: str) -> bool:
        if self._rx is None:
            return False
        match = self._rx.match
        return bool(match(rel)) or any(match(part) for part in rel.split("/"))


class Walker:
    """Directory walks under one policy, exclude rule and list of skips."""

    def __init__(
        self, root: Path, policy: WalkPolicy, excluded: Excludes, skipped: list[Skipped]
    ) -> None:
        self.root = root
        self.policy = policy
        self.excluded = excluded
        self.skipped = skipped

    def third_party(self, directory: Path) -> bool:
        """Whether ``directory`` is a third-party tree; reports it when the policy says so."""
        policy = self.policy
        found = directory.name in policy.third_party_dirs or (
            policy.virtualenvs and (directory / "pyvenv.cfg").is_file()
        )
        if found and policy.report_third_party:
            self.skipped.append(Skipped(display_path(directory, self.root), THIRD_PARTY))
        return found

    def picked(self, name: str) -> bool:
        suffixes = self.policy.suffixes
        return not suffixes or name.endswith(suffixes)

    def walk(self, top: Path, gitignore: bool) -> Iterator[Path]:
        rules: list[IgnoreRule] = []
        silent = self.policy.silent_dirs

        def unlisted(exc: OSError) -> None:
            where = Path(exc.filename) if exc.filename else top
            self.skipped.append(
                Skipped(display_path(where, self.root), f"unreadable directory: {exc.strerror}")
            )

        for dirpath, dirnames, filenames in os.walk(top, onerror=unlisted, followlinks=False):
            base = Path(dirpath)
            rel_dir = base.relative_to(top).as_posix()
            rel_dir = "" if rel_dir == "." else rel_dir
            if gitignore and ".gitignore" in filenames:
                rules += read_gitignore(base / ".gitignore", rel_dir)
            keep = []
            for d in sorted(dirnames):
                rel = f"{rel_dir}/{d}" if rel_dir else d
                if d in silent or (gitignore and ignored(rules, rel, True)):
                    continue
                if self.excluded(display_path(base / d, self.root)):
                    continue
                if self.third_party(base / d):
                    continue
                keep.append(d)
            dirnames[:] = keep
            for name in sorted(filenames):
                if not self.picked(name):
                    continue
                rel = f"{rel_dir}/{name}" if rel_dir else name
                if not (gitignore and ignored(rules, rel, False)) or self.policy.carrier(name):
                    yield base / name

    def filter_listing(self, top: Path, paths: list[Path]) -> Iterator[Path]:
        """``paths`` (git's listing of ``top``) without those in silent/third-party dirs."""
        verdicts: dict[str, bool] = {}  # directory (relative to top) -> entered?
        silent = self.policy.silent_dirs
        for path in paths:
            if not self.picked(path.name):
                continue
            parts = path.relative_to(top).parts[:-1]
            entered = True
            for i in range(len(parts)):
                key = "/".join(parts[: i + 1])
                entered_dir = verdicts.get(key)
                if entered_dir is None:
                    directory = top.joinpath(*parts[: i + 1])
                    entered_dir = not (parts[i] in silent or self.third_party(directory))
                    verdicts[key] = entered_dir
                if not entered_dir:
                    entered = False
                    break
            if entered:
                yield path


__all__ = [
    "CODE_WALK",
    "SECRETS_WALK",
    "SECRET_CARRIERS",
    "THIRD_PARTY",
    "Excludes",
    "WalkPolicy",
    "Walker",
    "display_path",
]
