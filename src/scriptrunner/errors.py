"""The error hierarchy shared by every part of scriptrunner.

Library code raises these; only ``scriptrunner.cli`` turns them into exit codes and messages.
A message says what failed, on which input, and what to do next.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    import re


class ScriptRunnerError(Exception):
    """Root of every error scriptrunner raises on purpose."""

    #: Exit code the CLI uses for this kind of error.
    exit_code: int = 2


class ConfigError(ScriptRunnerError):
    """Bad settings, options or input files."""


class StoreError(ScriptRunnerError):
    """The history store cannot be opened, read or written."""


class RunnerError(ScriptRunnerError):
    """A run could not be started (script missing, bad working directory, ...)."""


class WorkflowError(ScriptRunnerError):
    """A workflow file is invalid or cannot be executed."""


class ExpressionError(WorkflowError):
    """A workflow expression has a syntax or evaluation error.

    ``reason`` is the bare problem ("unexpected token ')'"), ``expression`` the expression text
    it was found in and ``position`` the 0-based column in that text (``None`` when the problem
    is not tied to one place).  ``str(error)`` combines them, e.g.
    ``expression error at column 5: unexpected token ')' in "a == )"``.
    """

    def __init__(self, reason: str, *, expression: str = "", position: int | None = None) -> None:
        self.reason = reason
        self.expression = expression
        self.position = position
        where = f" at column {position}" if position is not None else ""
        message = f"expression error{where}: {reason}"
        if expression:
            message += f' in "{expression}"'
        super().__init__(message)


class SecurityError(ScriptRunnerError):
    """A pre-execution security gate blocked a run."""

    exit_code = 3


class PriceError(ScriptRunnerError):
    """A price is unknown (type, class or region not in the catalog), a cost manifest or
    profile is invalid, or a price catalog cannot be read or refreshed."""


class ScannerError(ScriptRunnerError):
    """A scanner is missing, misconfigured or crashed: the scan cannot be trusted as clean."""


class SecretError(ScriptRunnerError):
    """A secret reference is invalid or its value cannot be fetched from its vault.

    Raised before the run starts (exit 2).  The message names the reference and the cause,
    never a secret value.
    """


#: ``scheme://user:password@`` in any text (the password: up to the first ``@``); compiled
#: on first use (``re`` is not imported on the ``run`` fast path).
_URL_PASSWORD = r"\b([A-Za-z][A-Za-z0-9+.-]*://)([^:/?#@\s]*):([^@\s]*)@"
_url_password: re.Pattern[str] | None = None


def mask_url_passwords(text: str) -> str:
    """``text`` with the password of every ``scheme://user:password@host`` URL shown as
    ``***``: for every message that may quote a URL the user gave."""
    global _url_password
    if "@" not in text:  # no URL with a password (the pattern needs one)
        return text
    if _url_password is None:
        import re

        _url_password = re.compile(_URL_PASSWORD)
    return _url_password.sub(r"\1\2:***@", text)
