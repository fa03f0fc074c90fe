"""What a pre-run gate scans: the code the run will execute, or nothing (refused).

``scriptrunner run --scan KINDS`` must scan what runs, not a file that merely appears on the
command line.  :func:`gate_target` decides, in this order:

* ``--scan-path PATH`` (repeatable): exactly these files or directories, nothing else;
* ``run SCRIPT.py``: the script;
* ``run -- python [OPTIONS] FILE ...``: FILE (a directory: the whole directory, which Python
  runs as ``__main__``);
* ``run -- python [OPTIONS] -m MODULE ...``: the module's file, or for a package (or any
  dotted name) the whole top-level package directory -- found the way Python will find it:
  the run's working directory (unless ``-I``/``-P``), then ``PYTHONPATH`` of the run's
  environment (unless ``-I``/``-E``), then the ``sys.path`` of the interpreter that will run
  (asked with ``-c 'import sys; ...'``, which imports nothing of the run's code);
* ``run -- ./tool.py ...``: a ``.py`` file run directly.

Everything else cannot be identified and is refused (``ConfigError``, exit 2, nothing runs):
``python -c CODE``, ``python -`` (standard input), an interactive interpreter, a compiled
extension module, and any other program (``sh -c ...``, ``pytest``...) even when a ``.py``
file appears among its arguments.  The user names the code with ``--scan-path`` instead.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from scriptrunner.core.spec import RunSpec
from scriptrunner.errors import ConfigError

#: ``python``, ``python3``, ``python3.11``, ``pypy3``, ``python3.13t``...
_INTERPRETER = re.compile(r"(python|pypy)(\d+(\.\d+)*)?[a-z]?(\.exe)?")
#: Python options that take a value (``-W arg``, ``-X opt``); ``-c``/``-m`` end the options.
_VALUE_OPTIONS = frozenset("WX")
_LONG_VALUE_OPTIONS = frozenset({"--check-hash-based-pycs"})
#: Interpreter flags that change where modules are found (forwarded to the sys.path query).
_PATH_FLAGS = "IEsSP"
_FIX = (
    "give SCRIPT.py, a `python FILE` or `python -m MODULE` command, or name the code it runs "
    "with --scan-path PATH (repeatable)"
)


@dataclass(frozen=True, slots=True)
class GateTarget:
    """The paths a gate scans (``primary`` decides the gate's root) and how to name them."""

    primary: Path
    extra: tuple[Path, ...] = ()
    #: What was scanned, for the user: ``evil/ (package)``, ``job.py``.
    described: str = ""


def refuse(why: str) -> ConfigError:
    return ConfigError(f"--scan needs a Python script to scan: {why}; {_FIX}")


def gate_target(spec: RunSpec, scan_paths: Sequence[str] = ()) -> GateTarget:
    """What the gates scan for ``spec`` (see the module docstring); ``ConfigError`` when the
    code that will run cannot be identified."""
    base = Path(spec.cwd or os.getcwd())
    if scan_paths:
        return _explicit(scan_paths)
    if spec.script:
        script = Path(spec.script)
        return GateTarget(script, described=_shown(script, base))
    argv = spec.command
    program = os.path.basename(argv[0])
    if _INTERPRETER.fullmatch(program):
        return _python(argv, spec.env, base)
    if program.endswith(".py"):
        path = _at(argv[0], base)
        if path.is_file():
            return GateTarget(path, described=_shown(path, base))
    raise refuse(f"`{program}` is not a Python interpreter or a .py file")


def _explicit(scan_paths: Sequence[str]) -> GateTarget:
    paths = []
    for text in scan_paths:
        path = Path(text)
        if not path.exists():
            raise ConfigError(f"--scan-path {text}: no such file or directory")
        paths.append(path)
    here = Path.cwd()
    return GateTarget(
        paths[0], tuple(paths[1:]), described=", ".join(_shown(p, here) for p in paths)
    )


def _at(word: str, base: Path) -> Path:
    path = Path(word)
    return path if path.is_absolute() else base / path


def _shown(path: Path, base: Path) -> str:
    try:
        text = path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        text = str(path)
    return text + "/" if path.is_dir() else text


def _python(argv: Sequence[str], env: Mapping[str, str], base: Path) -> GateTarget:
    """The code ``python [OPTIONS] (FILE | -m MODULE | -c CODE | -) ...`` runs."""
    flags: set[str] = set()
    i = 1
    while i < len(argv):
        word = argv[i]
        if word == "--":  # the end of the options: the next word is the script
            if i + 1 == len(argv):
                break
            return _script(argv[i + 1], base)
        if word == "-" or not word.startswith("-"):
            return _script(word, base)
        if word.startswith("--"):
            i += 2 if word in _LONG_VALUE_OPTIONS else 1
            continue
        j = 1
        while j < len(word):
            letter = word[j]
            if letter == "c":
                raise refuse("`python -c CODE` runs code from the command line, not from a file")
            if letter == "m":
                module = word[j + 1 :] or (argv[i + 1] if i + 1 < len(argv) else "")
                if not module:
                    raise refuse("`python -m` without a module name")
                return _module(module, argv[0], flags, env, base)
            if letter in _VALUE_OPTIONS:
                if j + 1 == len(word):
                    i += 1  # the value is the next word
                break
            flags.add(letter)
            j += 1
        i += 1
    raise refuse("the interpreter runs no script (an interactive session reads standard input)")


def _script(word: str, base: Path) -> GateTarget:
    if word == "-":
        raise refuse("`python -` runs code read from standard input, which cannot be scanned")
    path = _at(word, base)
    if not path.exists():
        raise refuse(f"the script {word} does not exist")
    return GateTarget(path, described=_shown(path, base))


def _module(
    name: str, python: str, flags: set[str], env: Mapping[str, str], base: Path
) -> GateTarget:
    """The file or top-level package directory of module ``name``, searched as Python will."""
    if not re.fullmatch(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*", name):
        raise refuse(f"`-m {name}` is not a module name")
    environ = {**os.environ, **env}
    top = name.split(".")[0]
    searched: list[Path] = []
    if not flags & {"I", "P"} and not environ.get("PYTHONSAFEPATH"):
        searched.append(base)
    if not flags & {"I", "E"}:
        searched += [_at(p, base) for p in environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    found = _find(top, searched)
    if found is None:
        searched = [p for p in _interpreter_path(python, flags, environ, base) if p not in searched]
        found = _find(top, searched)
    if found is None:
        raise refuse(f"module {top} of `-m {name}` was not found where Python will look")
    shown = _shown(found, base)
    if found.is_dir():
        what = "package" if name == top else f"package of module {name}"
        return GateTarget(found, described=f"{shown} ({what})")
    if name != top:
        raise refuse(f"`-m {name}`: {shown} is a module, not a package")
    return GateTarget(found, described=f"{shown} (module {name})")


def _find(top: str, path: Sequence[Path]) -> Path | None:
    """Python's lookup of a top-level name: a package, else a module, per directory in
    order; a namespace package (a directory without ``__init__.py``) only when nothing
    else is found.  A compiled module cannot be scanned: refused."""
    namespace = None
    for directory in path:
        package = directory / top
        if (package / "__init__.py").is_file():
            return package
        # Python's order in one directory: extension module, source, bytecode.
        others = sorted(directory.glob(f"{top}.*"))
        extension = [p for p in others if p.suffix in (".so", ".pyd")]
        if extension and not package.is_dir():
            raise refuse(f"module {top} is compiled ({extension[0].name}) and cannot be scanned")
        if (directory / f"{top}.py").is_file():
            return directory / f"{top}.py"
        if (directory / f"{top}.pyc").is_file():
            raise refuse(f"module {top} is bytecode only ({top}.pyc) and cannot be scanned")
        if namespace is None and package.is_dir():
            namespace = package
    return namespace


def _interpreter_path(
    python: str, flags: set[str], environ: Mapping[str, str], base: Path
) -> list[Path]:
    """The ``sys.path`` of the interpreter that will run (without the script's directory)."""
    exe = python if os.sep in python else shutil.which(python, path=environ.get("PATH"))
    if exe is None:
        raise refuse(f"the interpreter {python} was not found")
    options = [f"-{f}" for f in _PATH_FLAGS if f in flags]
    query = "import json, sys; print(json.dumps(sys.path[1:]))"
    try:
        proc = subprocess.run(  # noqa: S603 - the run's own interpreter, a fixed query
            [str(_at(exe, base)) if os.sep in python else exe, *options, "-c", query],
            env=dict(environ),
            cwd=base,
            capture_output=True,
            text=True,
            timeout=60,
        )
        entries = json.loads(proc.stdout.strip().splitlines()[-1]) if proc.stdout else None
    except (OSError, subprocess.SubprocessError, ValueError, IndexError):
        entries = None
    if not isinstance(entries, list):
        raise refuse(f"could not ask {python} where it finds modules")
    return [_at(str(e), base) for e in entries if isinstance(e, str) and e]


__all__ = ["GateTarget", "gate_target", "refuse"]
