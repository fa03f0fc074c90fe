"""How far a scan has got, for whoever shows progress (the CLI's spinner).

A scanner calls :attr:`ScanContext.progress <scriptrunner.scanners.base.ScanContext.progress>`
(when set) with a :class:`Progress` at its natural steps: the code scanner when each tool is
done, the secrets scanner as files are read, the deps scanner when each source has
answered.  The hook must be cheap and must not raise; scanners never wait for it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Progress:
    """``done`` of ``total`` ``unit`` (``tools``, ``files``, ``sources``) and the findings
    seen so far (None: not known until the end)."""

    unit: str
    done: int
    total: int | None = None
    findings: int | None = None

    def describe(self) -> str:
        """``1/2 tools done · 3 findings so far``."""
        text = f"{self.done}/{self.total} {self.unit}" if self.total else f"{self.done} {self.unit}"
        text += " done"
        if self.findings is not None:
            text += f" · {self.findings} finding{'s' if self.findings != 1 else ''} so far"
        return text


ProgressHook = Callable[[Progress], None]


def report(hook: ProgressHook | None, progress: Progress) -> None:
    """Tell ``hook`` (when there is one)."""
    if hook is not None:
        hook(progress)


__all__ = ["Progress", "ProgressHook", "report"]
