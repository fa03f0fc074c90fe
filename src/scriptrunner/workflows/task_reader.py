"""Reading one task (and the ``retries``/``matrix`` values inside it) from parsed data."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any

from scriptrunner.core.retry import BACKOFFS, RetryPolicy
from scriptrunner.errors import ConfigError, WorkflowError
from scriptrunner.workflows import fields as f
from scriptrunner.workflows.command_line import ENV_PREFIX, command_risks, split_command
from scriptrunner.workflows.expressions.check import Scope, check_text, condition
from scriptrunner.workflows.fields import Where
from scriptrunner.workflows.model import Defaults, MatrixSpec, TaskSpec
from scriptrunner.workflows.security_reader import task_policy
from scriptrunner.workflows.yaml_source import PathKey

TASK_KEYS = (
    "run", "script", "args", "needs", "if", "skip_if", "run_always", "matrix",
    "timeout", "retries", "env", "cwd", "continue_on_error", "tags", "resources", "security",
    "secrets",
)  # fmt: skip
RETRY_KEYS = ("max", "backoff", "delay", "max_delay", "jitter", "on")
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def env_map(where: Where, path: PathKey, value: Any, scope: Scope) -> dict[str, str]:
    """An ``env`` mapping: valid variable names, scalar values, checked expressions."""
    env = f.text_map(where, path, value)
    for key, text in env.items():
        if not ENV_NAME.fullmatch(key):
            raise where.expected(
                (*path, key), "a variable name matching [A-Za-z_][A-Za-z0-9_]*", key
            )
        if key.startswith(ENV_PREFIX):
            raise where.error((*path, key), f"{ENV_PREFIX}<n> names are reserved for run values")
        check_text(where, (*path, key), text, scope)
    return env


def secrets_map(where: Where, path: PathKey, value: Any, env: Mapping[str, str]) -> dict[str, str]:
    """A ``secrets`` mapping: variable names -> secret references, checked (not fetched).

    A name may not also be in ``env`` at the same level: which value was meant?
    """
    from scriptrunner.errors import SecretError
    from scriptrunner.vaults.base import parse_ref

    secrets = f.text_map(where, path, value)
    for key, ref in secrets.items():
        if not ENV_NAME.fullmatch(key):
            raise where.expected(
                (*path, key), "a variable name matching [A-Za-z_][A-Za-z0-9_]*", key
            )
        if key.startswith(ENV_PREFIX):
            raise where.error((*path, key), f"{ENV_PREFIX}<n> names are reserved for run values")
        if "${{" in ref:
            raise where.error((*path, key), "a secret reference cannot use ${{ }}")
        try:
            parse_ref(ref)
        except SecretError as exc:
            raise where.error((*path, key), str(exc)) from None
        if key in env:
            raise where.error((*path, key), f"{key} is also in env; keep one of them")
    return secrets


def cwd_value(where: Where, path: PathKey, value: Any, scope: Scope) -> str:
    """A working directory: a non-empty string whose ``${{ }}`` are checked."""
    cwd = f.non_empty_string(where, path, value)
    check_text(where, path, cwd, scope)
    return cwd


def timeout_value(where: Where, path: PathKey, value: Any) -> float | None:
    """Seconds > 0, or ``None``: an explicit ``null`` switches a default timeout off."""
    return None if value is None else f.number(where, path, value, positive=True)


def retry_policy(where: Where, path: PathKey, value: Any, base: RetryPolicy) -> RetryPolicy:
    """``retries`` read over ``base`` (the defaults' policy, or the built-in one)."""
    return _make_retry(where, path, base, _retry_fields(where, path, value))


def _retry_fields(where: Where, path: PathKey, value: Any) -> dict[str, Any]:
    """``retries`` as keyword arguments for :class:`RetryPolicy` (only the keys given).

    Returning only what was written lets a task's ``retries`` override the defaults key
    by key: ``retries: 5`` keeps the default backoff and changes only the count.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return {"retries": f.integer(where, path, value, minimum=0)}
    raw = f.mapping(where, path, value, "an integer or a mapping")
    f.check_keys(where, path, raw, RETRY_KEYS)
    fields: dict[str, Any] = {}
    if "max" in raw:
        fields["retries"] = f.integer(where, (*path, "max"), raw["max"], minimum=0)
    if "backoff" in raw:
        fields["backoff"] = f.choice(where, (*path, "backoff"), raw["backoff"], BACKOFFS)
    for key in ("delay", "max_delay"):
        if key in raw:
            fields[key] = f.number(where, (*path, key), raw[key])
    if "jitter" in raw:
        jitter = raw["jitter"]
        if isinstance(jitter, bool):
            fields["jitter"] = 1.0 if jitter else 0.0
        else:
            what = "true, false or a number from 0 to 1"
            fields["jitter"] = f.fraction(where, (*path, "jitter"), jitter, what)
    if "on" in raw:
        fields["retry_on"] = _exit_codes(where, (*path, "on"), raw["on"])
    return fields


def _exit_codes(where: Where, path: PathKey, value: Any) -> frozenset[int]:
    items = value if isinstance(value, list) else [value]
    for index, code in enumerate(items):
        at = (*path, index) if isinstance(value, list) else path
        if isinstance(code, bool) or not isinstance(code, int) or code == 0:
            raise where.expected(at, "a non-zero exit code", code)
        # Exit codes are 0-255 (a signal N is 128 + N): 999 could never match.
        f.integer(where, at, code, minimum=1, maximum=255)
    return frozenset(items)


def _make_retry(
    where: Where, path: PathKey, base: RetryPolicy, fields: Mapping[str, Any]
) -> RetryPolicy:
    """``base`` with ``fields`` replaced; RetryPolicy's own checks become located errors."""
    try:
        return dataclasses.replace(base, **fields)
    except ConfigError as exc:
        raise where.error(path, str(exc)) from exc


def _entries(where: Where, path: PathKey, value: Any) -> tuple[Mapping[str, Any], ...]:
    if not isinstance(value, list):
        raise where.expected(path, "a list of mappings", value)
    entries = []
    for index, item in enumerate(value):
        entry = f.mapping(where, (*path, index), item)
        if not entry:
            raise where.error((*path, index), "an entry needs at least one key")
        for key in entry:
            f.name(where, (*path, index, key), key, "a matrix key")
        entries.append(dict(entry))
    return tuple(entries)


def matrix_spec(where: Where, path: PathKey, value: Any) -> MatrixSpec:
    """A ``matrix`` mapping: axes (non-empty lists) plus ``include``/``exclude`` lists."""
    raw = f.mapping(where, path, value)
    axes: dict[str, tuple[Any, ...]] = {}
    for key, values in raw.items():
        if key in ("include", "exclude"):
            continue
        f.name(where, (*path, key), key, "a matrix key")
        if not isinstance(values, list):
            raise where.expected((*path, key), "a list of values", values)
        if not values:
            raise where.error((*path, key), "matrix axis is empty; give at least one value")
        axes[key] = tuple(values)
    include = _entries(where, (*path, "include"), raw.get("include", []))
    exclude = _entries(where, (*path, "exclude"), raw.get("exclude", []))
    if not axes and not include:
        raise where.error(path, "a matrix needs at least one axis or an include list")
    for index, entry in enumerate(exclude):
        for key in entry:
            if key not in axes:
                hint = f.did_you_mean(key, axes)
                raise where.error(
                    (*path, "exclude", index, key),
                    f"exclude key {key!r} is not a matrix axis{hint}",
                )
    return MatrixSpec(axes=axes, include=include, exclude=exclude)


def _condition(where: Where, path: PathKey, raw: Mapping[str, Any], scope: Scope) -> str | None:
    """``if`` after the ``run_always`` and ``skip_if`` sugar."""
    cond: str | None = None
    if "if" in raw:
        value = raw["if"]
        text = f.scalar_text(where, (*path, "if"), value) if isinstance(value, bool) else value
        cond = condition(where, (*path, "if"), f.string(where, (*path, "if"), text), scope)
    if "run_always" in raw and f.boolean(where, (*path, "run_always"), raw["run_always"]):
        if cond is not None:
            raise where.error(
                (*path, "run_always"), "run_always: true means if: always(); remove one of them"
            )
        cond = "always()"
    if "skip_if" in raw:
        text = f.string(where, (*path, "skip_if"), raw["skip_if"])
        skip = condition(where, (*path, "skip_if"), text, scope)
        cond = f"{'success()' if cond is None else f'({cond})'} && !({skip})"
    return cond


def _run(where: Where, path: PathKey, value: Any, scope: Scope, warnings: list[str]) -> str:
    run = f.non_empty_string(where, path, value)
    check_text(where, path, run, scope)
    try:
        template = split_command(run)
    except WorkflowError as exc:
        raise where.error(path, str(exc)) from exc
    warnings.extend(
        str(where.error(path, f"{risk}: pass the value through env and read it there"))
        for risk in command_risks(template)
    )
    return run


def task_spec(
    where: Where,
    name: str,
    value: Any,
    defaults: Defaults,
    warnings: list[str] | None = None,
    workflow_secrets: tuple[str, ...] = (),
) -> TaskSpec:
    """Read ``tasks.<name>``; cross-task checks (needs exist, cycles) are the caller's.

    Patterns that stay risky (``workflows.command_line.command_risks``) are appended to
    ``warnings`` as located messages; ``workflow_secrets`` names the workflow's secrets,
    which (with the task's own) are the only ones its expressions may read."""
    path: PathKey = ("tasks", name)
    raw = f.mapping(where, path, value)
    f.check_keys(where, path, raw, TASK_KEYS)
    if ("run" in raw) == ("script" in raw):
        both = "has both run and script; keep one" if "run" in raw else "needs run or script"
        raise where.error(path, f'task "{name}" {both}', with_path=False)
    if "args" in raw and "script" not in raw:
        raise where.error((*path, "args"), "args is only for script tasks; put arguments in run")
    if "security" in raw and "script" not in raw:
        raise where.error(
            (*path, "security"),
            "applies to script tasks: there is no Python file to scan in a run command",
        )
    needs = f.names(where, (*path, "needs"), raw["needs"]) if "needs" in raw else ()
    matrix = matrix_spec(where, (*path, "matrix"), raw["matrix"]) if "matrix" in raw else None
    own = raw.get("secrets")
    secret_names = workflow_secrets + tuple(
        key for key in (own if isinstance(own, Mapping) else {}) if isinstance(key, str)
    )
    scope = Scope(name, needs, matrix.keys if matrix is not None else None, secret_names)

    notes = warnings if warnings is not None else []
    run = _run(where, (*path, "run"), raw["run"], scope, notes) if "run" in raw else None
    script = None
    if "script" in raw:
        script = f.non_empty_string(where, (*path, "script"), raw["script"])
        if "${{" in script:  # only run, args, env, cwd and conditions are rendered
            raise where.error((*path, "script"), "a script path cannot use ${{ }}; put it in args")
    args = f.text_list(where, (*path, "args"), raw.get("args", []))
    for index, arg in enumerate(args):
        check_text(where, (*path, "args", index), arg, scope)

    timeout = defaults.timeout
    if "timeout" in raw:
        timeout = timeout_value(where, (*path, "timeout"), raw["timeout"])
    retry = defaults.retry
    if "retries" in raw:
        retry = retry_policy(where, (*path, "retries"), raw["retries"], retry)
    security = None  # the workflow's default covers script tasks only
    if script is not None:
        security = defaults.security
        if "security" in raw:
            security = task_policy(where, path, raw["security"], defaults.security)
    cwd = defaults.cwd
    if "cwd" in raw:
        cwd = cwd_value(where, (*path, "cwd"), raw["cwd"], scope)
    env = env_map(where, (*path, "env"), raw.get("env", {}), scope)
    secrets = secrets_map(where, (*path, "secrets"), raw.get("secrets", {}), env)
    return TaskSpec(
        name=name,
        run=run,
        script=script,
        args=args,
        needs=needs,
        condition=_condition(where, path, raw, scope),
        matrix=matrix,
        timeout=timeout,
        retry=retry,
        env=env,
        secrets=secrets,
        cwd=cwd,
        continue_on_error=f.boolean(
            where,
            (*path, "continue_on_error"),
            raw.get("continue_on_error", defaults.continue_on_error),
        ),
        tags=f.text_map(where, (*path, "tags"), raw.get("tags", {})),
        security=security,
        line=where.line(path) or 0,
    )
