"""Task outputs: ``key=value`` lines and ``key<<DELIMITER`` blocks, as in ``$GITHUB_OUTPUT``.

A task writes to the file named by ``$SCRIPTRUNNER_OUTPUT``; later tasks read the values as
``${{ needs.<task>.outputs.<key> }}``.  Like GitHub, a later assignment of the same key wins
and the file is limited in size (1 MiB) so a runaway script cannot flood the store; names
follow GitHub's rule (:data:`OUTPUT_NAME`).
"""

from __future__ import annotations

import re
from pathlib import Path

from scriptrunner.errors import RunnerError

MAX_OUTPUT_BYTES = 1024 * 1024
#: Output names, as GitHub's: a letter or ``_``, then letters, digits, ``_`` and ``-``.
#: Names become keys of ``needs.<task>.outputs`` and of stored history, so ``../x``,
#: ``a b`` or control characters are refused rather than carried along.
OUTPUT_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def _name(key: str, source: str, line: int) -> str:
    if not OUTPUT_NAME.fullmatch(key):
        raise RunnerError(
            f"{source}:{line}: output name {key!r} is not valid: use letters, digits, '_' "
            "and '-', starting with a letter or '_'"
        )
    return key


def parse_outputs(text: str, source: str = "$SCRIPTRUNNER_OUTPUT") -> dict[str, str]:
    """Parse an outputs file; raises :class:`RunnerError` naming the line on bad input."""
    outputs: dict[str, str] = {}
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    i = 0
    while i < len(lines):
        line = lines[i].rstrip("\r")
        i += 1
        if not line.strip():
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            key, _, delimiter = line.partition("<<")
            key, delimiter = key.strip(), delimiter.strip()
            if not key or not delimiter:
                raise RunnerError(f"{source}:{i}: expected NAME<<DELIMITER, got {line!r}")
            _name(key, source, i)
            start = i
            body: list[str] = []
            while i < len(lines) and lines[i].rstrip("\r") != delimiter:
                body.append(lines[i].rstrip("\r"))
                i += 1
            if i >= len(lines):
                raise RunnerError(
                    f"{source}:{start}: the value of {key!r} is not closed by a line {delimiter!r}"
                )
            i += 1  # the delimiter line
            outputs[key] = "\n".join(body)
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            empty = ": the output name is empty" if sep else ""
            raise RunnerError(
                f"{source}:{i}: expected NAME=VALUE or NAME<<DELIMITER, got {line!r}{empty}"
            )
        outputs[_name(key.strip(), source, i)] = value
    return outputs


def read_outputs(path: Path) -> dict[str, str]:
    """Read and parse the outputs file of a finished task (missing file: no outputs)."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return {}
    if size > MAX_OUTPUT_BYTES:
        raise RunnerError(
            f"task outputs are {size} bytes, more than the {MAX_OUTPUT_BYTES} allowed; "
            "write large data to a file and pass its path as an output"
        )
    text = path.read_bytes().decode("utf-8", errors="replace")
    return parse_outputs(text)
