"""Cursors and the shared query parameters of the read API."""

from __future__ import annotations

import pytest
from fastapi import HTTPException

from scriptrunner.server.pagination import (
    PageRequest,
    decode_cursor,
    encode_cursor,
    page,
    page_request,
    parse_tags,
    parse_time,
)


@pytest.mark.parametrize(
    "key", [[1767225600.123456789, "abc"], [0.1 + 0.2, "f" * 32], [1e-300, ""], [5, "x"]]
)
def test_a_cursor_gives_back_exactly_the_key_it_was_made_from(key: list[object]) -> None:
    assert decode_cursor(encode_cursor(key), 2) == tuple(key)


@pytest.mark.parametrize(
    "cursor", ["not a cursor", "!!!", encode_cursor([1.0]), encode_cursor([1, 2, 3]), "e30"]
)
def test_a_foreign_cursor_is_a_400(cursor: str) -> None:
    with pytest.raises(HTTPException) as err:
        decode_cursor(cursor, 2)
    assert err.value.status_code == 400 and "cursor" in str(err.value.detail)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1767225600", 1767225600.0),
        ("1767225600.5", 1767225600.5),
        ("2026-01-01", 1767225600.0),
        ("2026-01-01T00:00:00Z", 1767225600.0),
        ("2026-01-01T02:00:00+02:00", 1767225600.0),
        (None, None),
    ],
)
def test_times_are_epoch_seconds_or_iso_8601_in_utc(text: str | None, expected: float) -> None:
    assert parse_time("since", text) == expected


@pytest.mark.parametrize("text", ["yesterday", "inf", "nan", "2026-13-01", "1.2.3"])
def test_a_bad_time_is_a_400_naming_the_parameter(text: str) -> None:
    with pytest.raises(HTTPException) as err:
        parse_time("until", text)
    assert err.value.status_code == 400 and str(err.value.detail).startswith("until must be")


def test_tags_are_key_value_pairs() -> None:
    assert parse_tags(["team=red", "expr=a=b", "empty="]) == {
        "team": "red",
        "expr": "a=b",
        "empty": "",
    }
    for bad in ("team", "=red"):
        with pytest.raises(HTTPException):
            parse_tags([bad])


@pytest.mark.parametrize("limit", [0, -1, 501])
def test_a_limit_outside_1_to_500_is_a_400(limit: int) -> None:
    with pytest.raises(HTTPException) as err:
        page_request(limit, None)
    assert err.value.status_code == 400


def test_next_is_given_only_when_a_row_beyond_the_page_exists() -> None:
    rows = [{"t": float(-i), "id": str(i)} for i in range(4)]
    assert page(rows[:3], PageRequest(3), ("t", "id"))["next"] is None
    full = page(rows, PageRequest(3), ("t", "id"))
    assert len(full["items"]) == 3 and decode_cursor(full["next"], 2) == (-2.0, "2")
