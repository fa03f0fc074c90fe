"""Finding an adapter's executable (Safety, OSV-Scanner): fail closed when it is missing."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from scriptrunner.errors import ScannerError


def find_executable(executable: str, not_found: str) -> str:
    """The path of ``executable`` (a path, or a name looked up on PATH).

    Raises ``ScannerError(not_found ...)`` when there is none: an adapter that was asked for
    and cannot run makes the scan fail, never pass.
    """
    if os.sep in executable or (os.altsep and os.altsep in executable):
        path = Path(executable)
        if path.is_file() and os.access(path, os.X_OK):
            return str(path)
    elif executable:
        found = shutil.which(executable)
        if found:
            return found
    raise ScannerError(f"{not_found} (looked for {executable!r})")
