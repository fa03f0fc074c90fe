"""How taint moves: assignments, strings, containers, attributes, control flow, calls."""

from __future__ import annotations

from pathlib import Path

import pytest
from taint_helpers import taint_scan, where, write

HEAD = "import os\nimport sys\nfrom flask import request\n\n\n"


def lines(tmp_path: Path, body: str) -> set[int]:
    """Lines of ``body`` (after a fixed import header) with a shell-injection finding."""
    write(tmp_path, {"job.py": HEAD + body})
    found = where(taint_scan(tmp_path))
    offset = HEAD.count("\n")
    return {n - offset for path, n, rule in found if rule == "taint-shell-injection"}


@pytest.mark.parametrize(
    "body",
    [
        # assignments and strings of every kind
        "a = sys.argv[1]\nb = a\nos.system(b)\n",
        "os.system(f'ls {sys.argv[1]}')\n",
        "os.system('ls %s' % sys.argv[1])\n",
        "os.system('ls %s %s' % ('-l', sys.argv[1]))\n",
        "os.system('ls {}'.format(sys.argv[1]))\n",
        "os.system('ls {d}'.format(d=sys.argv[1]))\n",
        "os.system(' '.join(['ls', sys.argv[1]]))\n",
        "os.system(sys.argv[1].strip().lower())\n",
        "x = 'ls '\nx += sys.argv[1]\nos.system(x)\n",
        # containers and attribute stores
        "d = {}\nd['cmd'] = sys.argv[1]\nos.system(d['cmd'])\n",
        "parts = []\nparts.append(sys.argv[1])\nos.system(' '.join(parts))\n",
        "cfg = {'cmd': sys.argv[1]}\nos.system(cfg.get('cmd'))\n",
        "class C: pass\nc = C()\nc.cmd = sys.argv[1]\nos.system(c.cmd)\n",
        "opts = [a for a in sys.argv[1:]]\nos.system(opts[0])\n",
        # control flow
        "for arg in sys.argv[1:]:\n    os.system(arg)\n",
        "cmd = 'true'\nfor arg in sys.argv:\n    os.system(cmd)\n    cmd = arg\n",
        "try:\n    cmd = sys.argv[1]\nexcept IndexError:\n    cmd = 'true'\nos.system(cmd)\n",
        "cmd = sys.argv[1] if len(sys.argv) > 1 else 'true'\nos.system(cmd)\n",
        "cmd = request.args.get('c') or 'true'\nos.system(cmd)\n",
        "while True:\n    line = input()\n    os.system(line)\n",
        # calls within the module
        "def run(c):\n    os.system(c)\n\nrun(sys.argv[1])\n",
        "def wrap(c):\n    return f'({c})'\n\nos.system(wrap(sys.argv[1]))\n",
        "def arg():\n    return sys.argv[1]\n\nos.system(arg())\n",
        "def args():\n    yield from sys.argv[1:]\n\nfor a in args():\n    os.system(a)\n",
        "def run(*parts):\n    os.system(' '.join(parts))\n\nrun('ls', sys.argv[1])\n",
        "def run(**kw):\n    os.system(kw['c'])\n\nrun(c=sys.argv[1])\n",
        "def outer(c):\n    def inner(x):\n        os.system(x)\n    inner(c)\n\nouter(sys.argv[1])\n",
    ],
)
def test_taint_reaches_the_sink(tmp_path: Path, body: str) -> None:
    sink = next(n for n, line in enumerate(body.splitlines(), 1) if "os.system(" in line)
    assert lines(tmp_path, body) == {sink}


@pytest.mark.parametrize(
    "body",
    [
        # unknown calls return clean data (precision): only listed propagators carry taint
        "import hashlib\nos.system('echo ' + hashlib.sha256(sys.argv[1].encode()).hexdigest())\n",
        "import mylib\nos.system(mylib.describe(sys.argv[1]))\n",
        "os.system('ls ' + str(len(sys.argv)))\n",
        # overwritten, looked up in a fixed mapping, checked
        "cmd = sys.argv[1]\ncmd = 'true'\nos.system(cmd)\n",
        "TOOLS = {'a': 'ls', 'b': 'pwd'}\nos.system(TOOLS[sys.argv[1]])\n",
        "TOOLS = {'a': 'ls'}\nos.system(TOOLS.get(sys.argv[1], 'true'))\n",
        "cmd = sys.argv[1]\nif cmd not in ('ls', 'pwd'):\n    sys.exit(2)\nos.system(cmd)\n",
        "cmd = sys.argv[1]\nif cmd in {'ls', 'pwd'}:\n    os.system(cmd)\n",
        "cmd = sys.argv[1]\nif cmd != 'ls':\n    raise SystemExit(2)\nos.system(cmd)\n",
        "cmd = sys.argv[1]\nif not cmd.isalnum():\n    raise SystemExit(2)\nos.system('ls ' + cmd)\n",
        "import re\nn = sys.argv[1]\nif not re.fullmatch('[a-z]+', n):\n    sys.exit(1)\nos.system('ls ' + n)\n",
        "import shlex\nos.system('ls ' + shlex.quote(sys.argv[1]))\n",
        "os.system('sleep %d' % int(sys.argv[1]))\n",
        # a branch that ends does not flow on
        "cmd = sys.argv[1]\nif cmd:\n    cmd = 'true'\nelse:\n    sys.exit(1)\nos.system(cmd)\n",
        # a constant-only call, and a helper only ever given constants
        "os.system('ls -l')\n",
        "def run(c):\n    os.system(c)\n\nrun('ls')\n",
        # data in a function that is never called with untrusted data
        "def run(c):\n    os.system(c)\n",
    ],
)
def test_near_misses_stay_silent(tmp_path: Path, body: str) -> None:
    assert lines(tmp_path, body) == set()


def test_recursion_and_mutual_recursion_terminate(tmp_path: Path) -> None:
    body = (
        "def ping(c, n):\n    return pong(c, n - 1) if n else c\n\n"
        "def pong(c, n):\n    return ping(c + ' ', n)\n\n"
        "os.system(ping(sys.argv[1], 3))\n"
    )
    assert lines(tmp_path, body) == {7}


def test_module_globals_reach_functions(tmp_path: Path) -> None:
    body = "CMD = sys.argv[1]\n\n\ndef main():\n    os.system(CMD)\n\n\nmain()\n"
    assert lines(tmp_path, body) == {5}


def test_dynamic_dispatch_through_getattr_is_not_followed(tmp_path: Path) -> None:
    """A documented limit: a function reached through getattr() is not known."""
    body = (
        "class Ops:\n    def run(self, c):\n        os.system(c)\n\n"
        "getattr(Ops(), 'run')(sys.argv[1])\n"
    )
    assert lines(tmp_path, body) == set()
