"""Values of GitHub Actions expressions: kinds, coercion, comparison and string/JSON output.

Values are plain JSON-like Python objects: ``None``, ``bool``, ``int``/``float``, ``str``,
lists (arrays) and mappings (objects).  The rules follow the docs' "loose equality" table and
``actions/runner`` ``EvaluationResult.cs`` (``CoerceTypes``, ``AbstractEqual``,
``ConvertToString``, ``IsFalsy``) and ``Functions/ToJson.cs``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from scriptrunner.errors import ExpressionError
from scriptrunner.workflows.expressions.lexer import parse_number

NULL, BOOLEAN, NUMBER, STRING, ARRAY, OBJECT = (
    "null",
    "boolean",
    "number",
    "string",
    "array",
    "object",
)
_PRIMITIVES = frozenset({NULL, BOOLEAN, NUMBER, STRING})

#: How deeply arrays and objects may nest in ``fromJSON()`` input and ``toJSON()`` output.
#: Python's JSON decoder and a recursive writer would otherwise overflow the stack
#: (``RecursionError``) on input such as 100 000 ``[``; real data is rarely 10 deep.
MAX_JSON_DEPTH = 100
# A JSON string (an unterminated one runs to the end) or a bracket: enough to measure
# nesting without parsing.
_JSON_NESTING = re.compile(r'"(?:[^"\\]|\\.)*"?|[\[\]{}]')


class FilteredArray(list[Any]):
    """The array an object filter (``*``) produces.

    Indexing it applies the index to every item instead of picking one item
    (``Index.HandleFilteredArray``): ``a.*.name`` is the ``name`` of each element of ``a``.
    """


class Declared(dict[str, Any]):
    """An object whose every key is declared (``secrets``): reading a missing key is an
    error instead of ``null``, so a misspelt secret never becomes an empty password."""


def kind(value: object) -> str:
    """The expression kind of a Python value (unknown objects count as objects)."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, int | float):
        return NUMBER
    if isinstance(value, str):
        return STRING
    if isinstance(value, list | tuple):
        return ARRAY
    return OBJECT


def is_primitive(value: object) -> bool:
    """Null, boolean, number or string."""
    return kind(value) in _PRIMITIVES


def to_float(value: int | float) -> float:
    """A Python number as a double (GitHub stores every number as a double)."""
    try:
        return float(value)
    except OverflowError:  # an int too large for a double
        return math.inf if value > 0 else -math.inf


def to_number(value: object) -> float:
    """Number conversion from the docs' table: null 0, booleans 0/1, strings parsed
    (empty is 0, otherwise NaN when not a number), arrays and objects NaN."""
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return to_float(value)
    if isinstance(value, str):
        return parse_number(value)
    return math.nan


def format_number(value: int | float) -> str:
    """Number to string like the runner: .NET ``ToString("G15")``, ``-0`` as ``0``.

    Integers print without ``.0``; 15 significant digits; exponent form (``1E+15``,
    ``1E-05``) when the exponent is below -4 or at least 15, which is also Python's ``G``
    rule; ``Infinity``, ``-Infinity`` and ``NaN`` as .NET writes them.
    """
    number = to_float(value)
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    if number == 0:
        return "0"
    return format(number, ".15G")


def to_string(value: object) -> str:
    """String conversion used by functions (``ConvertToString``): null ``''``, booleans
    ``'true'``/``'false'``, numbers via :func:`format_number`, arrays ``'Array'`` and objects
    ``'Object'`` (the runner's behaviour; the docs only say they are "not converted")."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return format_number(value)
    if isinstance(value, str):
        return value
    return "Array" if kind(value) == ARRAY else "Object"


def is_truthy(value: object) -> bool:
    """Falsy values are ``false``, ``0``, ``-0``, ``NaN``, ``''`` and ``null`` (docs, Literals);
    everything else, empty arrays and objects included, is truthy."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        number = to_float(value)
        return not (number == 0 or math.isnan(number))
    if isinstance(value, str):
        return value != ""
    return True


_FOLD: dict[str, str] = {}


def _fold_char(c: str) -> str:
    upper = c.upper()
    # Ordinal-ignore-case maps one UTF-16 unit to one: "ß" stays "ß", and the dotless "ı" is
    # not folded to "I" (languageservices' toUpperSpecial mirrors the runner here).
    return upper if len(upper) == 1 and c != "ı" else c


def fold(text: str) -> str:
    """Case-fold ``text`` for .NET ``OrdinalIgnoreCase`` comparison (per-character upper)."""
    if text.isascii():
        return text.upper()
    out = []
    for c in text:
        folded = _FOLD.get(c)
        if folded is None:
            folded = _FOLD[c] = _fold_char(c)
        out.append(folded)
    return "".join(out)


def _coerce(left: object, right: object) -> tuple[str, object, str, object]:
    # CoerceTypes: if the kinds differ, null/booleans become numbers and a number compared
    # with a string turns the string into a number; arrays and objects are never coerced.
    lk, rk = kind(left), kind(right)
    if lk == rk:
        return lk, left, rk, right
    if lk == NUMBER and rk == STRING:
        return NUMBER, left, NUMBER, to_number(right)
    if lk == STRING and rk == NUMBER:
        return NUMBER, to_number(left), NUMBER, right
    if lk in (NULL, BOOLEAN):
        return _coerce(to_number(left), right)
    if rk in (NULL, BOOLEAN):
        return _coerce(left, to_number(right))
    return lk, left, rk, right


def equals(left: object, right: object) -> bool:
    """GitHub's loose ``==``: coerced, strings case-insensitive, NaN never equal, arrays
    and objects only equal to the same instance."""
    lk, lv, rk, rv = _coerce(left, right)
    if lk != rk:
        return False
    if lk in (NUMBER, STRING, BOOLEAN):
        return compare(lv, rv) == 0
    return lk == NULL or lv is rv


def compare(left: object, right: object) -> int | None:
    """-1, 0 or 1 after coercion; ``None`` when the values are not ordered (NaN involved,
    kinds still different, arrays or objects).  Strings compare case-insensitively and
    ``false < true`` (``AbstractGreaterThan``/``AbstractLessThan``)."""
    lk, lv, rk, rv = _coerce(left, right)
    if lk != rk:
        return None
    if isinstance(lv, str) and isinstance(rv, str):
        return _order(fold(lv), fold(rv))
    if lk in (NUMBER, BOOLEAN):
        return _order(to_number(lv), to_number(rv))  # booleans order as 0 and 1
    return None


def _order(a: Any, b: Any) -> int | None:
    if a < b:
        return -1
    if a > b:
        return 1
    return 0 if a == b else None  # NaN compares neither way


def key_string(key: object) -> str:
    """A mapping key as a string (YAML may give int or bool keys; GitHub keys are strings)."""
    return key if isinstance(key, str) else to_string(key)


def get_property(obj: Mapping[Any, Any], name: str) -> tuple[bool, object]:
    """Look ``name`` up in ``obj`` the way GitHub's dictionaries do: case-insensitively
    (``DictionaryExpressionData`` uses ``OrdinalIgnoreCase``); an exact match wins."""
    if name in obj:
        return True, obj[name]
    wanted = fold(name)
    for key, value in obj.items():
        if fold(key_string(key)) == wanted:
            return True, value
    return False, None


def _json_string(text: str) -> str:
    # Newtonsoft's JsonConvert.ToString: non-ASCII kept, control characters escaped, and
    # also U+0085/U+2028/U+2029.
    out = json.dumps(text, ensure_ascii=False)
    return (
        out.replace("\u0085", "\\u0085").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    )


def check_json_depth(text: str) -> None:
    """Raise ``ExpressionError`` when the JSON ``text`` nests arrays and objects more than
    :data:`MAX_JSON_DEPTH` deep (checked before parsing, so the parser cannot overflow)."""
    depth = 0
    for match in _JSON_NESTING.finditer(text):
        char = match.group()
        if char in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                raise ExpressionError(
                    f"JSON nested more than {MAX_JSON_DEPTH} levels deep "
                    f"(at character {match.start()}); flatten the data"
                )
        elif char in "]}":
            depth -= 1


def to_json(value: object, count: Callable[[str], None] | None = None) -> str:
    """``toJSON()``: pretty JSON with 2-space indentation and ``": "`` separators, numbers
    written like :func:`format_number` (``Functions/ToJson.cs``).

    ``count`` is called with every piece before it is appended, in the runner's pieces
    (``"["``, ``",\n  1"``, ``": "``-prefixed values...), so a memory budget can stop a
    large result early.  Raises ``ExpressionError`` for values nested more than
    :data:`MAX_JSON_DEPTH` deep."""
    pieces = []
    for piece in _json_pieces(value, 0, ""):
        if count is not None:
            count(piece)
        pieces.append(piece)
    return "".join(pieces)


def _json_pieces(value: object, level: int, prefix: str) -> Iterator[str]:
    # ``level``: how many arrays/objects contain ``value``; ``prefix``: what goes before it.
    if level >= MAX_JSON_DEPTH:
        raise ExpressionError(f"value nested more than {MAX_JSON_DEPTH} levels deep for JSON")
    k = kind(value)
    inner = "\n" + "  " * (level + 1)
    if k == ARRAY and len(items := list(value)) > 0:  # type: ignore[call-overload]
        yield prefix + "["
        for i, item in enumerate(items):
            yield from _json_pieces(item, level + 1, ("," if i else "") + inner)
        yield "\n" + "  " * level + "]"
    elif k == OBJECT and isinstance(value, Mapping) and value:
        yield prefix + "{"
        for i, (key, item) in enumerate(value.items()):
            yield ("," if i else "") + inner + _json_string(key_string(key))
            yield from _json_pieces(item, level + 1, ": ")
        yield "\n" + "  " * level + "}"
    elif k == ARRAY:
        yield prefix + "[]"
    elif k == OBJECT:
        yield prefix + "{}"  # empty, or an object the runner cannot traverse
    elif k == STRING:
        yield prefix + _json_string(value)  # type: ignore[arg-type]
    elif k == NULL:
        yield prefix + "null"
    else:
        yield prefix + to_string(value)
