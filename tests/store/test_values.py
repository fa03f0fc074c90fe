"""``store.values.to_json`` writes plain values itself: the text must be ``json.dumps``'s."""

from __future__ import annotations

import json
import math

from hypothesis import given
from hypothesis import strategies as st

from scriptrunner.store.values import display_text, storable, to_json

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()
)
plain = st.recursive(
    scalars,
    lambda inner: st.lists(inner) | st.tuples(inner, inner) | st.dictionaries(st.text(), inner),
    max_leaves=30,
)


def reference(value: object) -> str:
    """What ``to_json`` wrote before it wrote plain values itself."""
    text = json.dumps(value, default=str, ensure_ascii=False, separators=(",", ":"))
    return "".join(f"\\u{ord(c):04x}" if "\ud800" <= c <= "\udfff" else c for c in text)


@given(plain)
def test_plain_values_are_written_as_json_dumps_writes_them(value: object) -> None:
    assert to_json(value) == reference(value)


def test_unusual_values_go_through_json_dumps() -> None:
    for value in ({1: "int key"}, {"set": {1}}, [object], {"nested": {2.5: None, None: 1}}):
        assert to_json(value) == reference(value)


def test_special_floats_and_subclasses() -> None:
    class Text(str):
        pass

    values = [math.inf, -math.inf, math.nan, 1e300, -0.0, True, Text("x"), 2**80]
    assert to_json(values) == reference(values)


def test_lone_surrogates_become_json_escapes_that_read_back() -> None:
    value = {"arg": "caf\udce9", "ok": "café"}
    text = to_json(value)
    assert text.encode()  # valid UTF-8
    assert json.loads(text) == value


def test_storable_and_display_text() -> None:
    assert storable("plain") == "plain"
    assert storable("x\udcff") == "x\\xff"
    assert display_text("a\ud800b") == "a\\ud800b"
    assert storable({"k": [1, 2.5]}) == '{"k":[1,2.5]}'
    assert storable(7) == 7
