"""What ``scriptrunner serve`` was asked for: address, TLS and the directories it may start
work from (a frozen value built once by the CLI)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

from scriptrunner.errors import ConfigError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


@dataclass(frozen=True, slots=True)
class ServeOptions:
    host: str = DEFAULT_HOST
    #: 0: any free port (the ``Serving on`` line names the one chosen).
    port: int = DEFAULT_PORT
    #: Workflow files under these directories may be started from the web (resolved paths).
    workflows_dirs: tuple[Path, ...] = ()
    #: Scripts under these directories may be started from the web (resolved paths).
    scripts_dirs: tuple[Path, ...] = ()
    tls_cert: Path | None = None
    tls_key: Path | None = None
    #: Serve plain HTTP on a non-loopback address anyway (``--insecure-remote``).
    insecure_remote: bool = False

    @property
    def tls(self) -> bool:
        return self.tls_cert is not None

    @property
    def scheme(self) -> str:
        return "https" if self.tls else "http"


def is_loopback(host: str) -> bool:
    """``localhost`` or a loopback address (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_options(options: ServeOptions) -> None:
    """Refuse what would be unsafe or cannot work, before anything starts (``ConfigError``,
    exit 2, one line naming the fix)."""
    if (options.tls_cert is None) != (options.tls_key is None):
        raise ConfigError("--tls-cert and --tls-key go together: give both, or neither")
    for path in (options.tls_cert, options.tls_key):
        if path is not None and not path.is_file():
            raise ConfigError(f"TLS file {path} does not exist or is not a file")
    if not is_loopback(options.host) and not options.tls and not options.insecure_remote:
        raise ConfigError(
            f"refusing to serve plain HTTP on {options.host}, which is not a loopback "
            "address: tokens and session cookies would cross the network in clear text; "
            "give --tls-cert and --tls-key, or --insecure-remote if a TLS proxy is in front"
        )
    if not 0 <= options.port <= 65535:
        raise ConfigError(f"--port {options.port} is not a TCP port (0-65535)")
    for flag, dirs in (
        ("--workflows-dir", options.workflows_dirs),
        ("--scripts-dir", options.scripts_dirs),
    ):
        for directory in dirs:
            if not directory.is_dir():
                raise ConfigError(f"{flag} {directory} is not a directory")
