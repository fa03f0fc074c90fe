"""The pure rules behind explained skips and re-runs (``workflows/explain.py``) and the
words for how an attempt ended (``core/retry.py``); the CLI tests cover them end to end."""

from __future__ import annotations

import signal

import pytest

from scriptrunner.core.retry import ended_words, retry_message
from scriptrunner.workflows.explain import (
    blocking_need,
    effective_condition,
    needs_status,
    skip_reason,
    status_dependence,
    used_values,
)


@pytest.mark.parametrize(
    ("condition", "shown"),
    [
        (None, "success()"),
        ("  ", "success()"),
        ("always()", "always()"),
        ("failure() || env.X == 'a'", "failure() || env.X == 'a'"),
        ("env.X == 'a'", "success() && (env.X == 'a')"),
        ("env.X ==", "env.X =="),  # not an expression: shown as written
    ],
)
def test_effective_condition_shows_the_implicit_success(condition: str | None, shown: str) -> None:
    assert effective_condition(condition) == shown


@pytest.mark.parametrize(
    ("condition", "depends"),
    [
        (None, False),
        ("", False),
        ("env.STAGE == 'prod'", False),
        ("needs.a.outputs.rows != '0'", False),
        ("needs['a'].outputs.rows", False),
        ("success()", True),
        ("always()", True),
        ("cancelled()", True),
        ("needs.a.result == 'failure'", True),
        ("toJSON(needs)", True),
        ("needs.a.outputs.rows && needs.b.result", True),
        ("env.X ==", True),  # cannot tell: evaluated again
    ],
)
def test_status_dependence(condition: str | None, depends: bool) -> None:
    assert status_dependence(condition) is depends


def test_blocking_need_names_the_nearest_cause() -> None:
    states = {"a": "failed", "b": "succeeded", "c": "succeeded", "d": "skipped"}
    needs = {"b": ["a"], "c": ["b"], "d": []}

    def reason(*of: str) -> str | None:
        return blocking_need(
            of, states.get, lambda t: needs.get(t, []), lambda t: states[t] == "succeeded"
        )

    assert reason("a") == "needs `a`, which failed"
    assert reason("d") == "needs `d`, which was skipped"
    assert reason("c") == "needs `c`, which ran after `a` failed"  # breadth first, through b
    assert reason("b", "c") == "needs `b`, which ran after `a` failed"
    states["a"] = "succeeded"
    assert reason("c") is None


def test_skip_reason_names_the_cause_or_the_condition() -> None:
    cause = "needs `a`, which failed"
    assert skip_reason(None, cancelled=False, status_success=False, cause=cause) == cause
    assert skip_reason("env.X", cancelled=False, status_success=False, cause=cause) == cause
    assert (
        skip_reason("failure()", cancelled=False, status_success=True, cause=None)
        == "condition `failure()` is false"
    )
    assert (
        skip_reason("success() && env.X", cancelled=False, status_success=False, cause=cause)
        == f"condition `success() && env.X` is false ({cause})"
    )
    assert skip_reason(None, cancelled=True, status_success=True, cause=None) == (
        "workflow cancelled"
    )


def test_needs_status_follows_the_results_given() -> None:
    assert needs_status({}).success is True
    failed = needs_status({"needs": {"a": {"result": "failure"}, "b": {"result": "success"}}})
    assert (failed.success, failed.failure) == (False, True)
    unknown = needs_status({"needs": {"a": {}, "b": "x"}})
    assert (unknown.success, unknown.failure) == (True, False)


def test_used_values_lists_what_a_condition_read() -> None:
    contexts = {
        "needs": {"a": {"result": "success", "outputs": {"rows": "3"}}},
        "env": {"STAGE": "prod"},
    }
    used = dict(
        used_values(
            "needs.a.outputs.rows != '0' && env.STAGE == 'prod' && fromJSON(env.STAGE)",
            contexts,
            needs_status(contexts),
            condition=True,
        )
    )
    assert used["needs.a.result"] == "success"
    assert used["needs.a.outputs.rows"] == "3"
    assert used["env.STAGE"] == "prod"


@pytest.mark.parametrize(
    ("status", "code", "sig", "words"),
    [
        ("timed_out", 124, None, "timed out"),
        ("cancelled", 130, None, "was cancelled"),
        ("failed", -9, signal.SIGKILL, "was killed by SIGKILL"),
        ("failed", None, 200, "was killed by signal 200"),
        ("succeeded", 0, None, "succeeded"),
        ("failed", 2, None, "exited 2"),
    ],
)
def test_ended_words(status: str, code: int | None, sig: int | None, words: str) -> None:
    assert ended_words(status, code, sig) == words


def test_retry_message() -> None:
    assert retry_message(1, "exited 2", 1, 3) == "attempt 1 exited 2; retrying in 1.0 s (2 of 3)"
