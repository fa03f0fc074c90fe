"""The journal record format's damage handling: every kind of damage is skipped and
named (file, offset), and the good records around it are still read."""

from __future__ import annotations

import zlib

from scriptrunner.store import journal_format as fmt

PATH = "j.srj"


def op(n: int) -> bytes:
    return fmt.encode({"op": "event", "n": n})


def raw(body: bytes, length: int | None = None, checksum: int | None = None) -> bytes:
    size = len(body) if length is None else length
    crc = zlib.crc32(body) if checksum is None else checksum
    return fmt.MAGIC + size.to_bytes(4, "big") + crc.to_bytes(4, "big") + body


def test_garbage_before_a_record_is_skipped_and_named() -> None:
    found = fmt.parse(b"xyz" + op(1), PATH)
    assert found.problems == [f"{PATH}: offset 0: damaged record skipped (no marker)"]
    assert [(at, r["n"]) for at, r in found.records] == [(3, 1)]


def test_marker_without_full_head_at_the_end_is_an_incomplete_record() -> None:
    data = op(1) + fmt.MAGIC + b"\x00"
    found = fmt.parse(data, PATH)
    assert [r["n"] for _, r in found.records] == [1]
    assert found.problems == [f"{PATH}: offset {len(op(1))}: incomplete last record skipped"]


def test_torn_last_record_is_an_incomplete_record() -> None:
    data = op(1) + op(2)[:-3]
    found = fmt.parse(data, PATH)
    assert [r["n"] for _, r in found.records] == [1]
    assert found.problems == [f"{PATH}: offset {len(op(1))}: incomplete last record skipped"]


def test_damaged_length_is_skipped_and_reading_goes_on() -> None:
    bad = raw(b'{"op": "x"}', length=fmt.MAX_RECORD_BYTES + 1)
    found = fmt.parse(bad + op(2), PATH)
    assert found.problems == [f"{PATH}: offset 0: damaged record skipped (length)"]
    assert [(at, r["n"]) for at, r in found.records] == [(len(bad), 2)]


def test_length_past_a_later_marker_is_damage_not_a_torn_end() -> None:
    bad = raw(b'{"op": "x"}', length=1000)
    found = fmt.parse(bad + op(2), PATH)
    assert found.problems == [f"{PATH}: offset 0: damaged record skipped (length)"]
    assert [r["n"] for _, r in found.records] == [2]


def test_bad_checksum_and_bad_json_and_non_object_are_skipped() -> None:
    wrong_crc = raw(b'{"op": "x"}', checksum=0)
    not_json = raw(b"{nope")
    not_object = raw(b"[1, 2]")
    found = fmt.parse(wrong_crc + not_json + not_object + op(4), PATH)
    starts = [0, len(wrong_crc), len(wrong_crc) + len(not_json)]
    assert found.problems == [
        f"{PATH}: offset {at}: damaged record skipped (checksum)" for at in starts
    ]
    assert [r["n"] for _, r in found.records] == [4]


def test_record_without_op_or_header_is_unknown() -> None:
    header = fmt.encode({"journal": fmt.VERSION})
    stray = fmt.encode({"something": 1})
    second_header = fmt.encode({"journal": fmt.VERSION, "late": True})
    found = fmt.parse(header + op(1) + stray + second_header, PATH)
    assert found.header == {"journal": fmt.VERSION}
    assert [r["n"] for _, r in found.records] == [1]
    base = len(header) + len(op(1))
    assert found.problems == [
        f"{PATH}: offset {base}: unknown record skipped",
        f"{PATH}: offset {base + len(stray)}: unknown record skipped",
    ]
