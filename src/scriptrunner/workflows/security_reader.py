"""Reading ``security`` (pre-execution gates): the workflow's default and a task's own.

``security: {scan: [code], fail_on: high}`` at the top level is the default of every
``script`` task; a task's ``security`` mapping overrides it key by key, and
``security: false`` or ``scan: []`` switches the gates off for that task.  Kinds and the
level are checked here, so a typo fails at load time with its line, not when the task runs.

``fail_on`` is the CLI's ``--fail-on`` (one name and one scale for every threshold, Bandit's
and Semgrep's ``low``/``medium``/``error`` accepted); ``block_on``, its 7.0 name, still works.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scriptrunner.errors import ConfigError
from scriptrunner.findings.model import SEVERITY_ALIASES, Severity
from scriptrunner.gates.base import GATES, GatePolicy, parse_policy
from scriptrunner.registry import unknown_name
from scriptrunner.workflows import fields as f
from scriptrunner.workflows.fields import Where
from scriptrunner.workflows.yaml_source import PathKey

SECURITY_KEYS = ("scan", "fail_on", "block_on")
LEVELS = tuple(s.name.lower() for s in Severity)
#: The 7.0 name of ``fail_on``, kept for 7.x.
OLD_LEVEL_KEY = "block_on"


def _kinds(where: Where, path: PathKey, value: Any) -> tuple[str, ...]:
    """``scan``: a kind, ``"code,deps"``, or a list of kinds (``[]``: no gates)."""
    if isinstance(value, str):  # "code, deps" as on the command line
        items: list[Any] = [item.strip() for item in value.split(",")]
    elif isinstance(value, list):
        items = value
    else:
        raise where.expected(path, "a scan kind or a list of scan kinds", value)
    for index, item in enumerate(items):
        at = (*path, index) if isinstance(value, list) else path
        if not isinstance(item, str) or not item:
            raise where.expected(at, f"a scan kind ({', '.join(GATES)})", item)
        if item not in GATES:
            raise where.error(at, str(unknown_name(GATES.what, item, GATES.names())))
    return tuple(dict.fromkeys(items))


def _fields(where: Where, path: PathKey, value: Any) -> Mapping[str, Any] | None:
    """The keys written, checked; ``None`` for ``security: false``."""
    if value is False:
        return None
    raw = f.mapping(where, path, value, "false or a mapping with scan and fail_on")
    f.check_keys(where, path, raw, SECURITY_KEYS)
    fields: dict[str, Any] = {}
    if "scan" in raw:
        fields["kinds"] = _kinds(where, (*path, "scan"), raw["scan"])
    if "fail_on" in raw and OLD_LEVEL_KEY in raw:
        raise where.error(
            (*path, OLD_LEVEL_KEY), f"{OLD_LEVEL_KEY} is the old name of fail_on; keep one"
        )
    for key in ("fail_on", OLD_LEVEL_KEY):
        if key in raw:
            level = raw[key]
            if isinstance(level, str):
                level = SEVERITY_ALIASES.get(level.strip().lower(), level)
            fields["fail_on"] = f.choice(where, (*path, key), level, LEVELS)
    return fields


def _policy(where: Where, path: PathKey, kinds: tuple[str, ...], level: str) -> GatePolicy | None:
    if not kinds:
        return None
    try:
        return parse_policy(kinds, level)
    except ConfigError as exc:  # already checked above; kept so a new rule cannot slip by
        raise where.error(path, str(exc)) from exc


def default_policy(where: Where, value: Any) -> GatePolicy | None:
    """The top-level ``security``: the default policy of script tasks (``scan`` required)."""
    path: PathKey = ("security",)
    fields = _fields(where, path, value)
    if fields is None:
        return None
    if "kinds" not in fields:
        raise where.error(path, f"missing required key 'scan' (valid: {', '.join(GATES)})")
    return _policy(where, path, fields["kinds"], fields.get("fail_on", "high"))


def task_policy(
    where: Where, path: PathKey, value: Any, default: GatePolicy | None
) -> GatePolicy | None:
    """A task's ``security`` over the workflow's ``default`` (``path`` is the task's)."""
    at = (*path, "security")
    fields = _fields(where, at, value)
    if fields is None:
        return None
    if "kinds" in fields:
        kinds = fields["kinds"]
    elif default is not None:
        kinds = default.kinds
    else:
        raise where.error(
            at, "missing key 'scan': the workflow has no top-level security to take it from"
        )
    level = fields.get("fail_on") or (default.block_on.name.lower() if default else "high")
    return _policy(where, at, kinds, level)
