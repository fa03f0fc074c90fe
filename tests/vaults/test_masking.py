"""Masking: values and their encodings, streams cut anywhere, and the masking edges."""

from __future__ import annotations

import base64
import json
import logging
import urllib.parse
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scriptrunner.events import Event, EventBus
from scriptrunner.vaults.masked_sinks import MaskingBus, MaskingStore, mask_logging
from scriptrunner.vaults.masking import Masker

SECRET = "s3cr3t-Value/+!"
PEM = "-----BEGIN KEY-----\nMIIBOgIBAAJBAKj34GkxFhD9\n0123456789abcdefABCDEF\n-----END KEY-----"


@pytest.mark.parametrize(
    "shown",
    [
        SECRET,
        json.dumps(SECRET)[1:-1],
        urllib.parse.quote(SECRET, safe=""),
        base64.b64encode(SECRET.encode()).decode(),
        base64.b64encode(b"user:" + SECRET.encode()).decode(),  # Basic auth header
        base64.b64encode(b"ab:" + SECRET.encode() + b"\n").decode(),
    ],
    ids=["plain", "json", "url", "base64", "base64-after-5-bytes", "base64-after-3-bytes"],
)
def test_the_value_and_its_common_encodings_are_masked(shown: str) -> None:
    masked = Masker([SECRET]).mask(f"before {shown} after")
    assert masked.startswith("before ") and masked.endswith(" after")
    assert "***" in masked
    assert SECRET not in masked and shown not in masked


def test_each_line_of_a_multi_line_value_is_masked_on_its_own() -> None:
    masker = Masker([PEM])
    line = PEM.splitlines()[1]
    assert masker.mask(f"key line: {line}!") == "key line: ***!"
    assert masker.mask(PEM) == "***"
    assert masker.mask(json.dumps({"k": PEM})) == '{"k": "***"}'


def test_short_values_are_not_masked_and_nothing_means_a_fast_no_op() -> None:
    masker = Masker(["abc", "   x  "])
    assert not masker
    text = "abc abc"
    assert masker.mask(text) is text
    assert masker.mask_bytes(b"abc") == b"abc"
    assert Masker(["abcd"]).mask("xabcdx") == "x***x"


def test_overlapping_secrets_are_masked_as_their_union() -> None:
    masker = Masker(["abcdef", "defghi"])
    assert masker.mask("--abcdefghi--") == "--***--"


def test_repr_never_shows_a_value() -> None:
    assert SECRET not in repr(Masker([SECRET]))


def stream(masker: Masker, data: bytes, cuts: list[int]) -> bytes:
    filt = masker.open_stream()
    out, pos = b"", 0
    for cut in sorted(set(cuts)):
        out += filt(data[pos:cut])
        pos = cut
    return out + filt(data[pos:]) + filt.flush()


@settings(max_examples=300, deadline=None)
@given(
    before=st.binary(max_size=40),
    after=st.binary(max_size=40),
    repeat=st.integers(1, 3),
    cuts=st.lists(st.integers(0, 400), max_size=12),
    which=st.sampled_from([SECRET, PEM, "abcd"]),
)
def test_a_stream_cut_anywhere_masks_like_the_whole(
    before: bytes, after: bytes, repeat: int, cuts: list[int], which: str
) -> None:
    masker = Masker([SECRET, PEM, "abcd"])
    data = (before + which.encode() + after) * repeat
    whole = masker.mask_bytes(data)
    assert stream(masker, data, [c % (len(data) + 1) for c in cuts]) == whole
    assert which.encode() not in whole


def test_a_stream_holds_back_only_what_could_start_a_secret() -> None:
    filt = Masker([SECRET]).open_stream()
    assert filt(b"progress 10%\r") == b"progress 10%\r"  # no delay for ordinary output
    assert filt(b"token: s3cr") == b"token: "  # "s3cr" may begin the secret
    assert filt(b"3t-Value/+! done") == b"*** done"
    assert filt(b"s3c") == b""
    assert filt.flush() == b"s3c"  # at EOF it was not a secret after all


class ListStore:
    where = "memory"

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def start_run(self, row: Any, events: Any = ()) -> None:
        self.calls.append(("start", (row, list(events))))

    def finish_run(
        self, run_id: str, values: Any, attempts: Any, samples: Any, events: Any = ()
    ) -> None:
        self.calls.append(("finish", (run_id, values, attempts, samples, list(events))))

    def append_event(self, event: Event) -> None:
        self.calls.append(("event", event))

    def append_spans(self, rows: Any) -> None:
        self.calls.append(("spans", rows))

    def set_run_cost(self, run_id: str, usd: float, events: Any = ()) -> None:
        self.calls.append(("cost", list(events)))

    def record_scan(self, scan: Any, findings: Any, events: Any = ()) -> None:
        self.calls.append(("scan", (scan, findings, list(events))))

    def reopen(self, row: Any) -> None:  # any other method is masked too
        self.calls.append(("other", row))

    def close(self) -> None:
        self.calls.append(("close", None))


def test_the_masking_store_masks_every_string_it_writes() -> None:
    inner = ListStore()
    store = MaskingStore(inner, Masker([SECRET]))
    event = Event("run.started", "r1", {"command": ["echo", SECRET], "n": 3})
    store.start_run({"command": ["x", f"--pw={SECRET}"], "cwd": "/"}, [event])
    store.finish_run("r1", {"stdout_tail": SECRET, "outputs": {"k": SECRET}}, [], [], [event])
    store.append_event(event)
    store.append_spans([{"name": "run", "attributes": {"a": [SECRET]}}])
    store.set_run_cost("r1", 1.0, [event])
    store.record_scan({"detail": SECRET}, [{"message": SECRET}], [event])
    store.reopen({"detail": SECRET})
    store.close()
    assert SECRET not in repr(inner.calls)
    assert "***" in repr(inner.calls) and inner.calls[-1] == ("close", None)
    assert inner.calls[0][1][0]["command"] == ["x", "--pw=***"]
    assert inner.calls[2][1].payload == {"command": ["echo", "***"], "n": 3}


def test_subscribers_of_a_masking_bus_only_see_masked_events() -> None:
    seen: list[Event] = []
    inner = EventBus()
    bus = MaskingBus(inner, Masker([SECRET]))
    bus.subscribe(seen.append)
    bus.publish(Event("task.finished", "w", {"reason": f"command not found: {SECRET}"}))
    bus.publish(Event("x", None, {"value": SECRET}))
    assert [e.payload for e in seen] == [
        {"reason": "command not found: ***"},
        {"value": "***"},
    ]


def test_log_records_are_masked_while_secrets_are_in_use(caplog: pytest.LogCaptureFixture) -> None:
    log = logging.getLogger("scriptrunner.test_masking")
    restore = mask_logging(Masker([SECRET]))
    try:
        with caplog.at_level(logging.INFO):
            log.info("connecting with %s", SECRET)
            try:
                raise ValueError(f"bad {SECRET}")
            except ValueError:
                log.exception("failed")
    finally:
        restore()
    with caplog.at_level(logging.INFO):
        log.info("after %s", "abcd-visible")
    assert SECRET not in caplog.text
    assert "connecting with ***" in caplog.text and "ValueError: bad ***" in caplog.text
    assert "after abcd-visible" in caplog.text
