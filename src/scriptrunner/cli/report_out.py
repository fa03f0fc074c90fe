"""Where a command's report goes: stdout, or the file ``-o/--output FILE`` names."""

from __future__ import annotations

import sys
from pathlib import Path

from scriptrunner.errors import ConfigError


def write_output(output: str | None, text: str) -> int:
    """Write ``text`` to ``output`` (a path) or to stdout; returns exit code 0.

    With ``-o`` nothing else is printed on stdout; a file that cannot be written is a
    :class:`ConfigError` naming it (exit 2), never a traceback.
    """
    if not output or output == "-":
        sys.stdout.write(text)
        return 0
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"-o {output}: cannot write: {exc.strerror or exc}") from exc
    return 0
