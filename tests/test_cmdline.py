"""Secrets in arguments never reach stored command lines or span attributes (``scriptrunner.cmdline``)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scriptrunner.cmdline import MASK, mask_args, mask_text

CASES = [
    (["--password=hunter2"], ["--password=***"]),
    (["--api-key=abc123", "--verbose"], ["--api-key=***", "--verbose"]),
    (["DB_TOKEN=xyz", "plain=1"], ["DB_TOKEN=***", "plain=1"]),
    (["--token", "abc", "file.txt"], ["--token", "***", "file.txt"]),
    (["--secret", "--next"], ["--secret", "--next"]),  # a flag follows: nothing to mask
    (["--password=two words"], ["--password=***"]),
    (["API_TOKEN=abc ./deploy --x"], ["API_TOKEN=***"]),  # over-masking beats leaking
    (["-c", "echo hi; API_TOKEN=abc ./deploy"], ["-c", "echo hi; API_TOKEN=*** ./deploy"]),
    (["https://bob:pa55@db.example/x"], ["https://bob:***@db.example/x"]),
    (["--date", "2026-11-27", "input.csv"], ["--date", "2026-11-27", "input.csv"]),
    (["Secret_Key=Q"], ["Secret_Key=***"]),
]


@pytest.mark.parametrize(("args", "expected"), CASES)
def test_mask_args(args: list[str], expected: list[str]) -> None:
    assert mask_args(args) == expected


names = st.sampled_from(["password", "SECRET", "api_token", "aws-key", "passwd", "auth"])
values = st.text(st.characters(min_codepoint=32, max_codepoint=0x2FF), min_size=4).filter(
    lambda v: v.strip() == v
)


@given(prefix=st.sampled_from(["", "-", "--", "MY_"]), name=names, value=values)
def test_assigned_secret_values_never_survive(prefix: str, name: str, value: str) -> None:
    assert value not in " ".join(mask_args([f"{prefix}{name}={value}"])).split("=", 1)[1]


@given(name=names, value=values.filter(lambda v: not v.startswith("-")))
def test_the_value_after_a_secret_flag_never_survives(name: str, value: str) -> None:
    assert mask_args([f"--{name}", value]) == [f"--{name}", MASK]


# -- the plain-text short cut (no ``re`` on the run fast path) ------------------------------

_ALPHABET = "abcdefgkpstwyrnoiuAEKPSTW=-_.:/@ '\"\u212a\u017f"


def _reference_text(text: str) -> str:
    import re

    from scriptrunner import cmdline
    from scriptrunner.errors import _URL_PASSWORD

    text = re.sub(cmdline._LEADING, lambda m: m.group(1) + cmdline.MASK, text)
    text = re.sub(cmdline._ASSIGNMENT, lambda m: m.group(1) + cmdline.MASK, text)
    return re.sub(_URL_PASSWORD, r"\1\2:***@", text)


@given(st.text(alphabet=_ALPHABET, max_size=40))
def test_the_short_cut_masks_exactly_as_the_patterns_do(text: str) -> None:
    assert mask_text(text) == _reference_text(text)


@given(st.lists(st.text(alphabet=_ALPHABET, max_size=12), max_size=5))
def test_flags_are_found_as_the_pattern_finds_them(args: list[str]) -> None:
    import re

    from scriptrunner import cmdline

    expected, mask_next = [], False
    for arg in args:
        if mask_next and not arg.startswith("-"):
            expected.append(cmdline.MASK)
            mask_next = False
            continue
        mask_next = bool(re.match(cmdline._FLAG, arg))
        expected.append(_reference_text(arg))
    assert mask_args(args) == expected
