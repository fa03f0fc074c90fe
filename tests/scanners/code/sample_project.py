"""A small project written for the scanner tests: duplicates, suppressions, bad files."""

from __future__ import annotations

import os
from pathlib import Path

FILES = {
    "app/dup.py": """\
import os


def purge(name):
    os.system("rm -rf /srv/cache/" + name)
""",
    "app/suppressed.py": """\
import hashlib
import os
import pickle

import yaml


def handlers(a, blob, text, data):
    os.system("echo " + a)  # nosec
    eval(a)  # nosec  # nosemgrep
    pickle.loads(blob)  # scriptrunner: ignore[unsafe-deserialization]
    yaml.load(text)  # scriptrunner: ignore[sql-injection]
    # nosemgrep: sr-weak-hash
    hashlib.md5(data)  # nosec B324
    hashlib.sha1(data)  # nosec B602 - wrong test id, still reported
""",
    "app/levels.py": """\
import subprocess
import sys

import requests


def levels(cmd, url):
    subprocess.run(cmd, shell=True)
    subprocess.call(sys.argv[1], shell=True)
    requests.get(url)
""",
    "app/broken.py": "def broken(:\n    pass\n",
    "vendor/lib.py": "import os\nos.system('x ' + os.environ['A'])\n",
}


def write_project(root: Path) -> Path:
    for rel, text in FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (root / "app" / "latin1.py").write_bytes(b"name = '\xe9t\xe9'\n")
    (root / "app" / "blob.py").write_bytes(b"\x00\x01binary\x00")
    (root / "app" / "huge.py").write_text("x = 1\n" * 4000)
    os.symlink("loop.py", root / "app" / "loop.py")
    os.symlink("missing.py", root / "app" / "dangling.py")
    os.symlink(".", root / "app" / "self")  # a directory loop: never followed
    return root
