"""How each kind of fenced block is checked (the conventions: ``tests/docs/README.md``).

Every check returns the problems it found as one-line strings (empty: the block passed).
Data blocks are parsed; a data block that is a whole document of a kind the product reads
(a workflow file, a costs file, a settings file) is also validated by the product's own
loader for that kind, whether or not it is written to a file.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from docblocks import Block
from docsandbox import Sandbox

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the project supports 3.10
    import tomli as tomllib

#: Languages that are run, parsed, or deliberately not checked (illustrative).
SHELL = ("sh", "bash", "shell")
DATA = ("yaml", "yml", "toml", "json")
ILLUSTRATIVE = ("text", "", "mermaid")
LANGUAGES = ("console", "python", *SHELL, *DATA, *ILLUSTRATIVE)
ANNOTATIONS = ("file", "exit", "skip")


def expected_exit(block: Block) -> int:
    return int(block.annotations.get("exit", "0"))


def _tail(text: str, lines: int = 15) -> str:
    kept = text.rstrip().splitlines()[-lines:]
    return "\n".join("    | " + line for line in kept)


def _ran(what: str, done: subprocess.CompletedProcess[str], want: int) -> list[str]:
    if done.returncode == want:
        return []
    return [
        f"{what} exited {done.returncode}, expected {want}; its output ends:\n{_tail(done.stdout)}"
    ]


# -- console: commands and the output the page claims --------------------------------------


def console_steps(text: str) -> list[tuple[str, list[str]]]:
    """``(command, claimed output lines)`` for each ``$ `` line of a console block."""
    steps: list[tuple[str, list[str]]] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.startswith("$ "):
            if steps:
                steps[-1][1].append(line)
            elif line.strip():
                raise ValueError(f"console block: text before the first '$ ' line: {line!r}")
            i += 1
            continue
        command = line[2:]
        while command.endswith("\\") and i + 1 < len(lines):
            i += 1
            command += "\n" + lines[i]
        steps.append((command, []))
        i += 1
    return steps


def _line_pattern(claimed: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in claimed.rstrip().split("...")))


def missing_output(claimed: list[str], actual: str) -> str | None:
    """The first claimed line not found, in order, in ``actual`` (``...`` lines match any
    lines; ``...`` in a line, any text); None when all were found."""
    wanted = [line for line in claimed if line.strip() and line.strip() != "..."]
    got = [line.rstrip() for line in actual.splitlines()]
    at = 0
    for line in wanted:
        pattern = _line_pattern(line)
        while at < len(got) and not pattern.fullmatch(got[at]):
            at += 1
        if at == len(got):
            return line
        at += 1
    return None


def check_console(block: Block, box: Sandbox, fill: Callable[[str], str]) -> list[str]:
    steps = console_steps(block.text)
    if not steps:
        return ["console block without a '$ ' command"]
    problems: list[str] = []
    for n, (command, claimed) in enumerate(steps):
        want = expected_exit(block) if n == len(steps) - 1 else 0
        done = box.bash(fill(command) + "\n", strict=False)
        first = command.splitlines()[0]
        problems += _ran(f"$ {first}", done, want)
        absent = missing_output(claimed, done.stdout)
        if absent is not None:
            problems.append(
                f"$ {first}: claimed output line not printed (in order): {absent.rstrip()!r}; "
                f"actual output ends:\n{_tail(done.stdout)}"
            )
        if problems:
            break  # later commands depend on this one
    return problems


def shell_chunks(text: str, uses_placeholder: Callable[[str], bool]) -> list[str]:
    """``text`` cut before each line that uses a placeholder, where the part before is a
    complete script (``bash -n``): a placeholder is filled when its line is reached, so
    ``RUN_ID`` names the run an earlier line of the same block made."""
    lines = text.splitlines(keepends=True)
    chunks: list[str] = []
    start = 0
    for i, line in enumerate(lines):
        if i > start and uses_placeholder(line):
            head = "".join(lines[start:i])
            if (
                subprocess.run(
                    ["bash", "-n"], input=head, text=True, capture_output=True
                ).returncode
                == 0
            ):
                chunks.append(head)
                start = i
    chunks.append("".join(lines[start:]))
    return chunks


def check_shell(
    block: Block, box: Sandbox, fill: Callable[[str], str], uses: Callable[[str], bool]
) -> list[str]:
    done = None
    for chunk in shell_chunks(block.text, uses):
        done = box.bash(fill(chunk), strict=True)
        if done.returncode != 0:
            break
    assert done is not None
    return _ran("script", done, expected_exit(block))


def check_python(block: Block, box: Sandbox, fill: Callable[[str], str]) -> list[str]:
    return _ran("python", box.python(fill(block.text)), expected_exit(block))


# -- data: parsed, and validated by the product's loader for its kind -----------------------


def parse(lang: str, text: str) -> Any:
    if lang in ("yaml", "yml"):
        return yaml.safe_load(text)
    if lang == "toml":
        return tomllib.loads(text)
    return json.loads(text)


def _validate_workflow(path: Path) -> None:
    from scriptrunner.workflows.dag import expand
    from scriptrunner.workflows.loader import load_workflow

    expand(load_workflow(path))  # what `workflow validate` checks


def _validate_costs(path: Path) -> None:
    from scriptrunner.costs.manifest import load_manifest

    load_manifest(path)


def _validate_settings(path: Path) -> None:
    from scriptrunner.settings import load_settings
    from scriptrunner.tracing.config_loader import load_config

    # Alone in a directory: a scriptrunner.toml next to it would hide a pyproject.toml.
    with tempfile.TemporaryDirectory() as alone:
        shutil.copy(path, Path(alone) / path.name)
        settings = load_settings(cwd=Path(alone), environ={})
    load_config(settings.tracing)


def kinds(name: str, data: Any) -> list[str]:
    """What the product would read a file of this name and content as."""
    found: list[str] = []
    base = Path(name).name
    if base in ("scriptrunner.toml", "pyproject.toml"):
        found.append("settings")
    elif isinstance(data, dict) and name.endswith((".yaml", ".yml", ".json")):
        if "tasks" in data:
            found.append("workflow")
        if "resources" in data or any(
            isinstance(t, dict) and "resources" in t for t in (data.get("tasks") or {}).values()
        ):
            found.append("costs")
    return found


def validate(path: Path, kind: str) -> None:
    if kind == "workflow":
        _validate_workflow(path)
    elif kind == "costs":
        _validate_costs(path)
    else:
        _validate_settings(path)


def _guess_name(lang: str, data: Any) -> str | None:
    """A file name for an unannotated data block that is a whole document of a known kind."""
    if lang == "toml" and isinstance(data, dict):
        if "tool" in data and "scriptrunner" in data["tool"]:
            return "pyproject.toml"
        if "tracing" in data or "scriptrunner" in data:
            return "scriptrunner.toml"
    if (
        lang in ("yaml", "yml")
        and isinstance(data, dict)
        and ("tasks" in data or "resources" in data)
    ):
        return "document.yaml"
    return None


def check_data(block: Block, box: Sandbox, scratch: Path) -> list[str]:
    try:
        data = parse(block.lang, block.text)
    except Exception as exc:  # any parser's error is the block's problem
        return [f"{block.lang} does not parse: {exc}"]
    name = block.annotations.get("file") or _guess_name(block.lang, data)
    if name is None:
        return []
    if "file" in block.annotations:
        path = box.write(name, block.text)
    else:  # validated apart, so it does not change the page's files
        scratch.mkdir(parents=True, exist_ok=True)
        path = scratch / name
        path.write_text(block.text, encoding="utf-8")
    problems = []
    for kind in kinds(name, data):
        try:
            validate(path, kind)
        except Exception as exc:  # the product's own error message is the point
            problems.append(f"{name}: the {kind} loader rejects it: {exc}")
    return problems
