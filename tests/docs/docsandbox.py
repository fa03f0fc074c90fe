"""The sandbox a documentation page's blocks run in, and the placeholders they may use.

One temporary directory per page: the blocks run in page order and share it (a file one
block writes is there for the next).  Shell state carries over too: each command or script
runs in a fresh ``bash`` that starts from the variables exported and the directory left by
the one before, so a page may ``cd`` or ``export`` as a reader would in one terminal.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from fixtures.cli import SCRIPTRUNNER, cli_env

ROOT = Path(__file__).resolve().parents[2]
#: Tools the product finds through settings (``make test`` exports them); passed through
#: because the sandbox is not a checkout with ``.tools/``.
_TOOLS = ("SCRIPTRUNNER_SEMGREP", "SCRIPTRUNNER_SAFETY")
#: Longest a single command or script may take.
TIMEOUT = 60.0


class Sandbox:
    """A page's directory, environment and shell state."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.work = root / "work"
        self.state = root / "state"
        self.work.mkdir(parents=True)
        self.state.mkdir()
        self.home = self.work / "home"
        env = cli_env(SCRIPTRUNNER_HOME=str(self.home))
        env.update({k: os.environ[k] for k in _TOOLS if os.environ.get(k)})
        env["PATH"] = f"{SCRIPTRUNNER.parent}{os.pathsep}{env.get('PATH', '')}"
        # No network beyond loopback: HTTP clients go through a proxy that is not there.
        for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
            env[name] = "http://127.0.0.1:9"
        env["no_proxy"] = env["NO_PROXY"] = "localhost,127.0.0.1,::1"
        env["AWS_EC2_METADATA_DISABLED"] = "true"
        # A page's `pip install` must never change the environment the tests run in.
        env.update(PIP_DRY_RUN="1", PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
        env["COLUMNS"] = "200"
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        self.env = env
        self._cwd = self.work
        self._scripts = 0

    @property
    def cwd(self) -> Path:
        """The directory the last command left (where the next one starts)."""
        saved = self.state / "cwd"
        return Path(saved.read_text().strip()) if saved.is_file() else self._cwd

    def bash(self, script: str, *, strict: bool) -> subprocess.CompletedProcess[str]:
        """Run ``script`` in bash from the saved state; stdout and stderr interleaved.
        ``strict``: ``set -euo pipefail`` (a script block), else ``set -o pipefail``."""
        self._scripts += 1
        body = self.state / f"block{self._scripts}.sh"
        body.write_text(script, encoding="utf-8")
        exports, cwd = self.state / "exports.sh", self.state / "cwd"
        harness = (
            f"[ -f {q(exports)} ] && source {q(exports)}\n"
            f"cd {q(self.cwd)}\n"
            f"trap 'export -p > {q(exports)}; pwd > {q(cwd)}' EXIT\n"
            f"set {'-euo' if strict else '-o'} pipefail\n"
            f"source {q(body)}\n"
        )
        return subprocess.run(
            ["bash", "-c", harness],
            env=self.env,
            cwd=self.cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            timeout=TIMEOUT,
        )

    def python(self, code: str) -> subprocess.CompletedProcess[str]:
        """Run ``code`` with the project's Python, as ``python - < FILE`` in the sandbox (so
        modules next to it import as in a reader's directory)."""
        self._scripts += 1
        path = self.state / f"block{self._scripts}.py"
        path.write_text(code, encoding="utf-8")
        return self.bash(f"{q(Path(sys.executable))} - < {q(path)}\n", strict=True)

    def write(self, name: str, text: str) -> Path:
        """Write a ``file:`` block, relative to the current directory."""
        path = self.cwd / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def scriptrunner_json(self, *args: str) -> object:
        done = subprocess.run(
            [str(SCRIPTRUNNER), *args, "--json"],
            env=self.env,
            cwd=self.cwd,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
        if done.returncode != 0:
            raise LookupError(f"scriptrunner {' '.join(args)} --json: {done.stderr.strip()}")
        return json.loads(done.stdout)


def q(path: Path | str) -> str:
    return shlex.quote(str(path))


def newest_run(box: Sandbox) -> str:
    """The newest run (or workflow run) in the sandbox's history store."""
    runs = box.scriptrunner_json("history", "--limit", "1")
    if not isinstance(runs, list) or not runs:
        raise LookupError("RUN_ID: the sandbox's history has no run yet")
    return str(runs[0]["id"])


def newest_trace(box: Sandbox) -> str:
    """The newest trace in the sandbox's history store, as ``scriptrunner traces`` lists it."""
    traces = box.scriptrunner_json("traces", "--limit", "1")
    if not isinstance(traces, list) or not traces:
        raise LookupError("TRACE_ID: the sandbox's history has no trace yet")
    return str(traces[0]["trace_id"])


def newest_token(box: Sandbox) -> str:
    """The id of the newest API token (``scriptrunner token list``)."""
    tokens = box.scriptrunner_json("token", "list")
    if not isinstance(tokens, list) or not tokens:
        raise LookupError("TOKEN_ID: the sandbox's store has no API token yet")
    return str(max(tokens, key=lambda t: t["created_at"])["id"])


def _words(placeholders: Mapping[str, object]) -> re.Pattern[str]:
    return re.compile(r"\b(" + "|".join(map(re.escape, placeholders)) + r")\b")


def uses(text: str, placeholders: Mapping[str, object]) -> bool:
    """Whether ``text`` names one of the placeholders."""
    return _words(placeholders).search(text) is not None


def fill(text: str, box: Sandbox, placeholders: Mapping[str, Callable[[Sandbox], str]]) -> str:
    """``text`` with every placeholder (a whole word) replaced; each is computed once, and
    only when ``text`` uses it."""
    word = _words(placeholders)
    values: dict[str, str] = {}

    def one(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in values:
            values[name] = placeholders[name](box)
        return values[name]

    return word.sub(one, text)
