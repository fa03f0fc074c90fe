"""One typed settings object, built once at the edge.

Precedence, highest first:

1. command-line flags (passed as ``overrides``),
2. environment variables ``SCRIPTRUNNER_<NAME>`` (e.g. ``SCRIPTRUNNER_DATABASE_URL``),
3. ``scriptrunner.toml`` in the working directory or the nearest parent that has one,
4. ``[tool.scriptrunner]`` in the nearest ``pyproject.toml`` (only if no scriptrunner.toml;
   see ``settings_file``),
5. built-in defaults.

This is a frozen dataclass with a small hand-written loader rather than pydantic-settings:
importing pydantic-settings costs about 100 ms, five times a hello-world script, and the
runner's start-up is on every run's critical path.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scriptrunner import limits
from scriptrunner.errors import ConfigError
from scriptrunner.settings_file import file_settings

ENV_PREFIX = "SCRIPTRUNNER_"
#: The largest ``max_samples``: the series of one attempt is kept in memory and stored.
MAX_SAMPLES = 100_000


def default_home(environ: Mapping[str, str] | None = None) -> Path:
    """Per-user data directory: ``$XDG_DATA_HOME/scriptrunner`` or ``~/.local/share/...``."""
    env = os.environ if environ is None else environ
    base = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "scriptrunner"


@dataclass(frozen=True, slots=True)
class Settings:
    """Every knob scriptrunner reads from its environment."""

    #: Data directory; the embedded SQLite store lives at ``home/history.db``.
    home: Path = dataclasses.field(default_factory=default_home)
    #: SQLAlchemy URL of the history store; empty means the embedded SQLite file.
    database_url: str = ""
    #: Bytes of each output stream kept in history (the tail).
    tail_bytes: int = limits.DEFAULT_TAIL_BYTES
    #: Seconds between SIGTERM and SIGKILL when a run is timed out or cancelled.
    kill_grace: float = limits.DEFAULT_KILL_GRACE
    #: Longest interval between monitoring samples, in seconds.
    sample_interval: float = limits.DEFAULT_SAMPLE_INTERVAL
    #: Most monitoring samples kept per attempt (older ones are merged pairwise).
    max_samples: int = limits.DEFAULT_MAX_SAMPLES
    #: Seconds to wait for a busy SQLite store before failing.
    busy_timeout: float = limits.DEFAULT_BUSY_TIMEOUT
    #: Seconds between renewals of the lease of this process's running rows (a workflow,
    #: its running tasks, a run on the full path); 0: no lease (``store.lease``).
    heartbeat_interval: float = limits.DEFAULT_HEARTBEAT_INTERVAL
    #: Seconds after its last renewal that a running row's lease has expired: a reader on
    #: any host then takes the row for ``lost`` (``store.liveness``).
    lease_timeout: float = limits.DEFAULT_LEASE_TIMEOUT
    #: Seconds a Dask cluster may be without scheduler or workers before the attempts
    #: waiting on it end as ``infrastructure`` (``workflow run --cluster-timeout``).
    cluster_timeout: float = limits.DEFAULT_CLUSTER_TIMEOUT
    #: Record an OpenTelemetry trace of every run and workflow (as ``--trace`` does).
    trace: bool = False
    #: The ``[tracing]`` table (exporter, sampler, tail policies...), read by
    #: ``scriptrunner.tracing.config``; as an environment variable, a JSON object.
    tracing: dict[str, Any] = dataclasses.field(default_factory=dict)
    #: The semgrep executable for code scans; empty = ``.tools/semgrep`` of a scriptrunner
    #: checkout, else ``semgrep`` on PATH (``scriptrunner.scanners.code.semgrep``).
    semgrep: str = ""
    #: The Safety 2.3 executable for ``scan deps --safety-db`` (empty = ``safety`` on PATH;
    #: it needs its own environment: ``.tools/safety`` in a checkout).
    safety: str = ""
    #: The OSV-Scanner executable for ``scan deps --osv-scanner`` (empty = on PATH).
    osv_scanner: str = ""
    #: Warn about bundled or downloaded prices older than this many days.
    cost_max_age_days: int = 180
    #: API key of the Google Cloud Billing Catalog (``cost prices update gcp``); never shown.
    gcp_api_key: str = dataclasses.field(default="", repr=False)

    # -- derived paths: computed here only ------------------------------------------------

    @property
    def store_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'history.db'}"

    @property
    def cache_dir(self) -> Path:
        """Scan caches (code findings, the OSV index, Semgrep's home)."""
        return self.home / "cache"

    @property
    def advisories_dir(self) -> Path:
        """The offline advisory database ``scriptrunner db update`` installs."""
        return self.home / "advisories"

    @property
    def installed_advisories(self) -> Path | None:
        """:attr:`advisories_dir` when ``scriptrunner db update`` has installed one."""
        return self.advisories_dir if self.advisories_dir.exists() else None

    def with_overrides(self, **values: Any) -> Settings:
        clean = {k: v for k, v in values.items() if v is not None}
        return check_lease(dataclasses.replace(self, **_coerce_all(clean, "command line")))


_FIELDS = {f.name: f for f in dataclasses.fields(Settings)}


def _heartbeat_interval(field: str, value: object) -> float:
    seconds = limits.duration(field, value, maximum=3600.0)
    if 0 < seconds < 0.1:
        raise ConfigError(f"{field}: must be 0 (no lease) or at least 0.1 seconds, got {value!r}")
    return seconds


#: The bounds of every numeric setting, checked by the one rule of :mod:`scriptrunner.limits`
#: (finite, within bounds, else an error naming the setting and where it came from).
_NUMBERS: dict[str, Callable[[str, object], object]] = {
    "tail_bytes": lambda f, v: limits.count(f, v, maximum=limits.MAX_TAIL_BYTES),
    "kill_grace": limits.duration,
    # 0 would sample in a busy loop; the monitor's own floor is 10 ms.
    "sample_interval": lambda f, v: limits.duration(f, v, minimum=0.01),
    "max_samples": lambda f, v: limits.count(f, v, minimum=2, maximum=MAX_SAMPLES),
    "busy_timeout": limits.duration,
    # 0 renews no lease; below 0.1 s a renewal would be a busy loop of writes.
    "heartbeat_interval": _heartbeat_interval,
    "lease_timeout": lambda f, v: limits.duration(f, v, minimum=1.0),
    "cluster_timeout": lambda f, v: limits.duration(f, v, allow_zero=False),
    "cost_max_age_days": limits.count,
}


def check_lease(settings: Settings) -> Settings:
    """``settings``, whose lease expires only after two renewals were missed at least
    (else a live run could be taken for lost): a ``ConfigError`` naming both otherwise."""
    interval, timeout = settings.heartbeat_interval, settings.lease_timeout
    if interval > 0 and timeout < 2 * interval:
        raise ConfigError(
            f"setting 'lease_timeout' ({timeout:g} s) must be at least twice "
            f"'heartbeat_interval' ({interval:g} s), or a live run could be taken for lost; "
            "raise lease_timeout (default: 3 intervals plus 30 s for clock differences)"
        )
    return settings


def _coerce(name: str, value: Any, source: str) -> Any:
    if name not in _FIELDS:
        hint = ", ".join(sorted(_FIELDS))
        raise ConfigError(f"{source}: unknown setting {name!r} (known settings: {hint})")
    default = getattr(Settings(), name)
    try:
        if isinstance(default, Path):
            return Path(os.path.expanduser(str(value)))
        if isinstance(default, dict):
            return _table(name, value, source)
        if isinstance(default, bool):
            return _boolean(name, value, source)
        if isinstance(default, (int, float)):
            plain = limits.count if isinstance(default, int) else limits.duration
            return _NUMBERS.get(name, plain)(f"{source}: setting {name!r}", value)
        return str(value)
    except (TypeError, ValueError):
        kind = type(default).__name__
        raise ConfigError(f"{source}: setting {name!r} must be a {kind}, got {value!r}") from None


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def _boolean(name: str, value: Any, source: str) -> bool:
    """``true``/``false`` (also 1/0, yes/no, on/off); anything else is refused, not false."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise ConfigError(f"{source}: setting {name!r} must be true or false, got {value!r}")


def _table(name: str, value: Any, source: str) -> dict[str, Any]:
    """A nested table: a TOML table, or a JSON object (from an environment variable)."""
    if isinstance(value, str):
        import json

        try:
            value = json.loads(value)
        except ValueError as exc:
            raise ConfigError(f"{source}: setting {name!r} is not valid JSON: {exc}") from None
    if not isinstance(value, Mapping):
        raise ConfigError(f"{source}: setting {name!r} must be a table, got {value!r}")
    return dict(value)


def _coerce_all(values: Mapping[str, Any], source: str) -> dict[str, Any]:
    return {k: _coerce(k, v, source) for k, v in values.items()}


def load_settings(
    *,
    cwd: Path | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Build the settings from files, environment and flags (see the module docstring)."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    file_values, source = file_settings(str((cwd or Path.cwd()).resolve()))
    if file_values:
        values.update(_coerce_all({k.replace("-", "_"): v for k, v in file_values.items()}, source))
    for key, raw in env.items():
        if key.startswith(ENV_PREFIX):
            name = key[len(ENV_PREFIX) :].lower()
            # An empty variable means "not set" (the shell idiom VAR= to clear one).
            if name in _FIELDS and raw != "":
                values[name] = _coerce(name, raw, f"environment variable {key}={raw!r}")
    if overrides:
        values.update(
            _coerce_all({k: v for k, v in overrides.items() if v is not None}, "command line")
        )
    if "home" not in values:
        values["home"] = default_home(env)
    return check_lease(Settings(**values))
