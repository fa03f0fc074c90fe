"""One validation rule for durations, counts and fractions."""

from __future__ import annotations

import pytest

from scriptrunner.errors import ConfigError
from scriptrunner.limits import MAX_SECONDS, count, duration, fraction


@pytest.mark.parametrize("bad", ["nan", float("nan"), float("inf"), "-inf", 1e308, -1, "x", True])
def test_durations_must_be_finite_and_in_bounds(bad: object) -> None:
    with pytest.raises(ConfigError, match=r"^--timeout: "):
        duration("--timeout", bad)


def test_good_durations_and_the_bounds() -> None:
    assert duration("d", "1.5") == 1.5 and duration("d", 0) == 0.0
    assert duration("d", MAX_SECONDS) == MAX_SECONDS
    with pytest.raises(ConfigError, match="more than 0"):
        duration("d", 0, allow_zero=False)


@pytest.mark.parametrize("bad", [-1, 1.5, "x", True, 10**7, float("inf")])
def test_counts_are_whole_and_bounded(bad: object) -> None:
    with pytest.raises(ConfigError, match=r"^--retries: "):
        count("--retries", bad)
    assert count("n", "3") == 3 and count("n", 2.0) == 2


@pytest.mark.parametrize("bad", [-0.1, 1.5, float("nan"), "x"])
def test_fractions(bad: object) -> None:
    with pytest.raises(ConfigError):
        fraction("--retry-jitter", bad)
    assert fraction("j", "0.25") == 0.25


@pytest.mark.parametrize("bad", [float("nan"), 1e308, 0])
def test_the_python_api_meets_the_same_rule(bad: float) -> None:
    from scriptrunner import run

    with pytest.raises(ConfigError, match=r"^timeout: "):
        run(["true"], timeout=bad, record=False)


def test_retry_policies_from_the_api_are_checked() -> None:
    from scriptrunner.core.retry import RetryPolicy

    with pytest.raises(ConfigError, match=r"^retry delay: "):
        RetryPolicy(retries=1, delay=float("inf"))
    with pytest.raises(ConfigError, match=r"^retries: "):
        RetryPolicy(retries=-1)


@pytest.mark.parametrize("check", [duration, count, fraction])
def test_values_that_are_not_numbers_at_all_are_refused(check: object) -> None:
    for bad in ([1], {"a": 1}, None):
        with pytest.raises(ConfigError, match=r"^field: expected"):
            check("field", bad)  # type: ignore[operator]
