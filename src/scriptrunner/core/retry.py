"""Retry policies: which exit codes are retried and how long to wait between attempts."""

from __future__ import annotations

import random
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from scriptrunner import limits
from scriptrunner.errors import ConfigError
from scriptrunner.results import AttemptResult

Backoff = Literal["fixed", "linear", "exponential"]
BACKOFFS: tuple[Backoff, ...] = ("fixed", "linear", "exponential")
#: Attempts that ended because of where they ran, not of the command (a remote executor's
#: worker died, its cluster failed): they have no exit code of the script, so a
#: ``retry_on`` filter does not apply to them; they are retried while attempts are left.
CLUSTER_FAILURES = ("lost", "infrastructure")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and when a failed attempt is retried.

    ``retries`` is the number of *extra* attempts (``retries=2`` means up to 3 attempts).
    The delay before retry ``n`` (1-based) is ``delay`` (fixed), ``delay * n`` (linear) or
    ``delay * 2 ** (n - 1)`` (exponential), capped at ``max_delay``.  ``jitter`` in [0, 1]
    randomly shortens each delay by up to that fraction (1.0 is AWS-style "full jitter"),
    so jitter never makes a delay longer than the cap.  ``retry_on`` limits retries to the
    given exit codes; empty means any non-zero exit (timeouts included, exit code 124).
    ``lost`` and ``infrastructure`` attempts (:data:`CLUSTER_FAILURES`) are retried
    whatever ``retry_on`` says.
    """

    retries: int = 0
    backoff: Backoff = "exponential"
    delay: float = 1.0
    max_delay: float = 60.0
    jitter: float = 0.0
    retry_on: frozenset[int] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        # The Python API's values meet the CLI's and the workflow files' rule too.
        limits.count("retries", self.retries)
        if self.backoff not in BACKOFFS:
            raise ConfigError(
                f"unknown retry backoff {self.backoff!r}; use one of {', '.join(BACKOFFS)}"
            )
        limits.duration("retry delay", self.delay)
        limits.duration("retry max delay", self.max_delay)
        limits.fraction("retry jitter", self.jitter)

    @property
    def max_attempts(self) -> int:
        return self.retries + 1

    def should_retry(self, attempt: int, exit_code: int, status: str = "") -> bool:
        """True if attempt number ``attempt`` (1-based) ending with ``exit_code`` (and
        ``status``) is retried."""
        if attempt >= self.max_attempts:
            return False
        if status in CLUSTER_FAILURES:
            return True
        if exit_code == 0:
            return False
        return not self.retry_on or exit_code in self.retry_on

    def delay_before(self, retry: int, rand: Callable[[], float] = random.random) -> float:
        """Seconds to wait before retry number ``retry`` (1 = the second attempt)."""
        if self.backoff == "fixed":
            base = self.delay
        elif self.backoff == "linear":
            base = self.delay * retry
        else:
            # Cap the exponent so huge retry counts cannot overflow a float.
            base = self.delay * (2.0 ** min(retry - 1, 64))
        base = min(base, self.max_delay)
        if self.jitter:
            base *= 1.0 - self.jitter * rand()
        return base


def parse_exit_codes(text: str) -> frozenset[int]:
    """Parse ``"1,2,75"`` into a set of exit codes, with a clear error on bad input."""
    codes: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            codes.add(int(part))
        except ValueError:
            raise ConfigError(
                f"--retry-on: {part!r} is not an exit code; give comma-separated integers"
            ) from None
    return frozenset(codes)


def attempt_ended(attempt: AttemptResult) -> str:
    """How an attempt ended, in the words of :func:`retry_message` and ``show``:
    ``exited 2``, ``timed out``, ``was killed by SIGKILL``, ``was cancelled``, ``was lost
    (its worker died)``, ``could not run (its cluster failed)``."""
    return ended_words(attempt.status, attempt.exit_code, attempt.signal)


def ended_words(status: str, exit_code: int | None, signal_number: int | None) -> str:
    """:func:`attempt_ended` from an attempt's stored columns."""
    if status == "timed_out":
        return "timed out"
    if status == "cancelled":
        return "was cancelled"
    if status == "lost":
        return "was lost (its worker died)"
    if status == "infrastructure":
        return "could not run (its cluster failed)"
    if signal_number:
        try:
            name = signal.Signals(signal_number).name
        except ValueError:
            name = f"signal {signal_number}"
        return f"was killed by {name}"
    return "succeeded" if status == "succeeded" else f"exited {exit_code}"


def retry_message(attempt: int, ended: str, delay: float, max_attempts: int) -> str:
    """The one line printed before a retry, the same for ``run`` and workflow tasks:
    ``attempt 1 exited 2; retrying in 1.0 s (2 of 3)``.  ``ended`` says how the attempt
    ended (``exited 2``, ``timed out``, ``was killed by SIGKILL``)."""
    return f"attempt {attempt} {ended}; retrying in {delay:.1f} s ({attempt + 1} of {max_attempts})"
