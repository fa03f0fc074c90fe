"""Tests for the GitHub Actions expression language (scriptrunner.workflows.expressions).

Expected values come from the GitHub docs ("Evaluate expressions in workflows and actions")
and from the known-answer tests of actions/languageservices (expressions/testdata), which
mirror the behaviour of actions/runner.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scriptrunner.errors import ConfigError, ExpressionError
from scriptrunner.workflows.expressions import (
    TaskStatus,
    evaluate_condition,
    evaluate_expression,
    evaluate_node,
    find_expressions,
    parse_context_arg,
    parse_expression,
    referenced_contexts,
    render_template,
    uses_status_function,
    value_to_string,
)
from scriptrunner.workflows.expressions.nodes import ContextAccess, FunctionCall, Wildcard
from scriptrunner.workflows.expressions.operators import Evaluator

FRUITS = [
    {"name": "apple", "quantity": 1},
    {"name": "orange", "quantity": 2},
    {"name": "pear", "quantity": 1},
]
VEGETABLES = {
    "scallions": {"colors": ["green", "white", "red"], "ediblePortions": ["roots", "stalks"]},
    "beets": {"colors": ["purple", "red"], "ediblePortions": ["roots", "stems", "leaves"]},
}
CTX: dict[str, Any] = {
    "github": {
        "ref": "refs/heads/main",
        "event_name": "push",
        "event": {"issue": {"labels": [{"name": "bug"}, {"name": "help wanted"}]}},
    },
    "matrix": {"os": "linux", "n": 3, "flag": False},
    "foo": {
        "bar": "baz",
        "Mixed": 1,
        "b-ar": "dash",
        "true": "it's true",
        "null": "it's null",
        "format": "it's format",
        "1": "one",
        "arr": ["zero", "one", "two"],
    },
    "fruits": FRUITS,
    "vegetables": VEGETABLES,
    "nested": [[1, 2], [3], "str", {"k": "v"}],
    "emptyArray": [],
    "emptyObject": {},
    "text": "hello",
}


def ev(expr: str, contexts: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    return evaluate_expression(expr, CTX if contexts is None else contexts, **kwargs)


def error_of(expr: str, contexts: dict[str, Any] | None = None, **kwargs: Any) -> ExpressionError:
    with pytest.raises(ExpressionError) as info:
        ev(expr, contexts, **kwargs)
    return info.value


# -- literals ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("null", None),
        ("true", True),
        ("false", False),
        ("711", 711),
        ("-9.2", -9.2),
        ("0xff", 255),
        ("0xFF", 255),
        ("0xffffffff", -1),  # .NET Int32 hex parsing: a 32-bit pattern
        ("0o10", 8),
        ("-2.99e-2", -0.0299),
        ("1e3", 1000),
        ("1.2E+2", 120),
        (".5", 0.5),
        ("-.5", -0.5),
        ("5.", 5),
        ("+7", 7),
        ("Infinity", math.inf),
        ("-Infinity", -math.inf),
        ("'It''s open source!'", "It's open source!"),
        ("''", ""),
        ("''''", "'"),
        ("  'padded'  ", "padded"),
    ],
)
def test_literals(expr: str, expected: Any) -> None:
    result = ev(expr)
    assert result == expected
    assert type(result) is type(expected)


def test_nan_literal() -> None:
    assert math.isnan(ev("NaN"))


def test_whole_numbers_come_back_as_int_and_others_as_float() -> None:
    assert ev("3.0") == 3 and isinstance(ev("3.0"), int)
    assert isinstance(ev("1e300"), float)
    assert ev("-0") == 0


# -- operators and precedence ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("foo.bar", "baz"),
        ("!foo.bar", False),  # . binds tighter than !
        ("(!foo).bar", None),
        ("3 > matrix.n", False),
        ("foo['bar'] == 'baz'", True),
        ("!2 < 3", True),  # ! binds tighter than <: (!2) < 3 -> false < 3 -> 0 < 3
        ("!(2 < 3)", False),
        ("3 < 2 < 1", True),  # left to right: (3 < 2) < 1 -> false < 1
        ("3 < (2 < 1)", False),
        ("1 < 2 == true", True),  # comparison binds tighter than equality
        ("2 > 1 == 1 > 0", True),
        ("1 == 1 == 1", True),  # (1 == 1) == 1 -> true == 1
        ("true || false && false", True),  # && binds tighter than ||
        ("(true || false) && false", False),
        ("1 == 1 && 2 == 2", True),
        ("!!'x'", True),
        ("! true", False),
        ("github.event_name == 'push' || github.event_name == 'pull_request'", True),
        ("github.ref == 'refs/heads/main' && 'value_for_main' || 'other'", "value_for_main"),
        ("github.ref == 'refs/heads/dev' && 'value_for_main' || 'other'", "other"),
    ],
)
def test_operators_and_precedence(expr: str, expected: Any) -> None:
    assert ev(expr) == expected


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("true || true || true", True),
        ("false || false", False),
        ("0 || 0 || 2 || 3", 2),
        ("false || 0", 0),
        ("false || '' || 'a' || 'b'", "a"),
        ("false || ''", ""),
        ("null || true", True),
        ("false || null", None),
        ("'a' && 'b'", "b"),
        ("0 && 'x'", 0),
        ("null && 1", None),
        ("1 && 0 && 2", 0),
        ("'' && 1", ""),
        ("matrix && matrix.os", "linux"),
        ("emptyArray || 'x'", []),  # arrays are truthy, and the operand itself is returned
    ],
)
def test_logical_operators_return_operand_values(expr: str, expected: Any) -> None:
    assert ev(expr) == expected


def test_logical_operators_short_circuit() -> None:
    # The right side would fail (bad JSON, non-boolean case predicate) if it were evaluated.
    assert ev("false && fromJSON('')") is False
    assert ev("true || case(1, 2, 3)") is True
    assert ev("0 && fromJSON('{') || 'fallback'") == "fallback"
    assert ev("emptyArray || fromJSON('')") == []
    assert error_of("true && fromJSON('')").reason.startswith("fromJSON()")


def test_identity_of_returned_collections() -> None:
    contexts = {"a": [1], "b": {"k": 1}}
    assert ev("a || b", contexts) is contexts["a"]
    assert ev("false || b", contexts) is contexts["b"]


# -- coercion (docs: loose equality table) -------------------------------------------------------
@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("null == 0", True),
        ("null == false", True),
        ("null == ''", True),  # '' -> 0
        ("null == null", True),
        ("null == 'null'", False),
        ("true == 1", True),
        ("false == 0", True),
        ("true == 2", False),
        ("true == '1'", True),
        ("true == 'true'", False),  # 'true' is not a number: NaN
        ("'' == 0", True),
        ("' 123456.789 ' == 123456.789", True),
        ("' +123456.789 ' == 123456.789", True),
        ("' 0xff ' == 255", True),
        ("'0o10' == 8", True),
        ("' Infinity ' == Infinity", True),
        ("' -Infinity ' == -Infinity", True),
        ("'abc' == 0", False),
        ("'1e3' == 1000", True),
        ("'1_000' == 1000", False),  # Python float() syntax is not JSON/JavaScript syntax
        ("'0X10' == 16", False),  # only lower-case 0x, like the runner
        ("NaN == NaN", False),
        ("NaN != NaN", True),
        ("' NaN ' == NaN", False),
        ("Infinity == Infinity", True),
        ("-0 == 0", True),
        ("'ABC' == 'abc'", True),
        ("'abc' != 'ABD'", True),
        ("1 == 1.0", True),
        ("emptyArray == 0", False),
        ("emptyObject == null", False),
        ("emptyArray == emptyArray", True),  # same instance
        ("fromJSON('[]') == fromJSON('[]')", False),  # different instances
        ("emptyObject != emptyObject", False),
        ("emptyArray == emptyObject", False),
        ("emptyArray == ''", False),
        ("'10' > 9", True),  # number vs string: the string is converted
        ("'10' > '9'", False),  # both strings: compared as text
        ("'abc' < 1", False),  # NaN in a relational comparison is always false
        ("'abc' >= 1", False),
        ("NaN < 1", False),
        ("NaN >= NaN", False),
        ("NaN <= NaN", False),
        ("false < true", True),
        ("true > false", True),
        ("true >= true", True),
        ("true <= false", False),
        ("null < 1", True),
        ("null >= false", True),
        ("emptyArray < emptyArray", False),
        ("emptyArray <= emptyArray", True),  # <= is "equal or less"; same instance is equal
        ("emptyObject > emptyObject", False),
        ("emptyArray < 1", False),
        ("1 >= emptyObject", False),
        ("1.002 > 1.001", True),
        ("2 >= 2", True),
        ("2 <= 1", False),
    ],
)
def test_coercion_and_comparison(expr: str, expected: bool) -> None:
    assert ev(expr) is expected


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("'abcdefghijklmnopqrstuvwxyz' == 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'", True),
        ("'abcdefghijklmnopqrstuvwxyz' < 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'", False),
        ("'abcdefghijklmnopqrstuvwxyz' >= 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'", True),
        ("'A' < '['", True),  # letters compare as upper case
        ("'a' < '['", True),
        ("'a' < 'B'", True),
        ("'ς' == 'Σ'", True),
        ("'ς' == 'σ'", True),
        ("'ü' == 'Ü'", True),
        ("'ç' >= 'Ç'", True),
        ("'i' == 'İ'", False),
        ("'İ' > 'i'", True),
        ("'ı' == 'I'", False),
        ("'ı' > 'I'", True),
        ("'straße' == 'STRASSE'", False),  # ordinal: one character maps to one character
        ("'АБВГД' == 'абвгд'", True),
    ],
)
def test_string_comparison_is_ordinal_ignore_case(expr: str, expected: bool) -> None:
    assert ev(expr) is expected


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("!false", True),
        ("!0", True),
        ("!-0", True),
        ("!''", True),
        ("!null", True),
        ("!NaN", True),
        ("!true", False),
        ("!1", False),
        ("!-1", False),
        ("!'0'", False),  # a non-empty string is truthy
        ("!'false'", False),
        ("!emptyArray", False),
        ("!emptyObject", False),
        ("!Infinity", False),
    ],
)
def test_truthiness(expr: str, expected: bool) -> None:
    assert ev(expr) is expected


# -- property access, index, object filters ------------------------------------------------------
@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("foo.bar", "baz"),
        ("foo.BAR", "baz"),  # property names are case-insensitive
        ("foo.mixed", 1),
        ("FOO.bar", "baz"),  # so are context names
        ("foo.b-ar", "dash"),
        ("foo.true", "it's true"),
        ("foo.null", "it's null"),
        ("foo.format", "it's format"),
        ("foo.missing", None),
        ("foo.missing.deeper", None),
        ("text.length", None),  # primitives have no properties
        ("foo['bar']", "baz"),
        ("foo[1]", "one"),  # a number index on an object is converted to a string
        ("foo.arr[0]", "zero"),
        ("foo.arr[1.7]", "one"),  # floored
        ("foo.arr['2']", "two"),
        ("foo.arr[' 0x02 ']", "two"),
        ("foo.arr[null]", "zero"),
        ("foo.arr[false]", "zero"),
        ("foo.arr[true]", "one"),
        ("foo.arr[-1]", None),
        ("foo.arr[3]", None),
        ("foo.arr['x']", None),
        ("foo.arr[Infinity]", None),
        ("foo.arr[fromJSON('[]')]", None),
        ("foo[fromJSON('[]')]", None),
        ('fromJSON(\'{"one": "v"}\').one', "v"),
        ('(fromJSON(\'{"one": "v"}\')).one', "v"),
        ("(foo).bar", "baz"),
        ("fromJSON('[[1, 2]]')[0][1]", 2),
    ],
)
def test_property_and_index_access(expr: str, expected: Any) -> None:
    assert ev(expr) == expected


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("fruits.*.name", ["apple", "orange", "pear"]),
        ("fruits[*].quantity", [1, 2, 1]),
        ("fruits.*.missing", []),
        ("vegetables.*.ediblePortions", [["roots", "stalks"], ["roots", "stems", "leaves"]]),
        ("vegetables.*.colors[0]", ["green", "purple"]),  # the index applies to each item
        ("vegetables.*.colors.*", ["green", "white", "red", "purple", "red"]),
        ("foo.arr.*", ["zero", "one", "two"]),
        ("emptyObject.*", []),
        ("text.*", []),  # not a collection: an empty filter
        ("matrix.missing.*.x", []),
        ("nested.*[0]", [1, 3]),  # strings and objects have no integer index
        ("nested.*.k", ["v"]),
        ("nested.*.*", [1, 2, 3, "v"]),
        ("nested.*['k']", ["v"]),
        ("nested.*[fromJSON('[]')]", []),
    ],
)
def test_object_filters(expr: str, expected: list[Any]) -> None:
    result = ev(expr)
    assert result == expected
    assert type(result) is list


def test_context_values_are_returned_as_is() -> None:
    assert ev("foo.arr") is CTX["foo"]["arr"]


def test_property_lookup_prefers_exact_case_and_handles_non_string_keys() -> None:
    contexts = {"m": {"a": 1, "A": 2, 2: "int-key", True: "bool-key"}}
    assert ev("m.A", contexts) == 2
    assert ev("m.a", contexts) == 1
    assert ev("m['2']", contexts) == "int-key"
    assert ev("m['TRUE']", contexts) == "bool-key"


# -- functions -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("contains('Hello world', 'llo')", True),
        ("contains('Hello world', 'LLO')", True),
        ("contains('Hello world', '')", True),
        ("contains('abc', 'x')", False),
        ("contains(12345, 34)", True),  # values are cast to strings
        ("contains(true, 'ru')", True),
        ("contains(null, '')", True),
        ("contains(github.event.issue.labels.*.name, 'bug')", True),
        ("contains(github.event.issue.labels.*.name, 'BUG')", True),
        ('contains(fromJSON(\'["push", "pull_request"]\'), github.event_name)', True),
        ("contains(fromJSON('[1, 2]'), '2')", True),  # loose equality per element
        ("contains(fromJSON('[true]'), 1)", True),
        ("contains(fromJSON('[[1]]'), 1)", False),
        ("contains(emptyArray, fromJSON(''))", False),  # item not evaluated for an empty array
        ("contains(emptyObject, 'a')", False),
        ("contains('abc', emptyArray)", False),
        ("CONTAINS('abc', 'B')", True),  # function names are case-insensitive
        ("startsWith('Hello world', 'He')", True),
        ("startswith('Hello world', 'hE')", True),
        ("startsWith('Hello world', 'world')", False),
        ("startsWith(1234, 12)", True),
        ("startsWith(emptyArray, 'a')", False),
        ("startsWith('a', emptyArray)", False),
        ("endsWith('Hello world', 'ld')", True),
        ("ENDSWITH('Hello world', 'LD')", True),
        ("endsWith('Hello world', 'He')", False),
        ("endsWith(null, '')", True),
        ("endsWith(emptyObject, '')", False),
    ],
)
def test_string_functions(expr: str, expected: bool) -> None:
    assert ev(expr) is expected


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("format('Hello {0} {1} {2}', 'Mona', 'the', 'Octocat')", "Hello Mona the Octocat"),
        ("format('{{Hello {0} {1} {2}!}}', 'Mona', 'the', 'Octocat')", "{Hello Mona the Octocat!}"),
        ("format(null)", ""),
        ("format(null, 'some arg')", ""),
        ("format('')", ""),
        ("format('no placeholders')", "no placeholders"),
        ("format('123{0}456{0}789', 'abc')", "123abc456abc789"),
        ("format('123{0}456{1}789', 'abc', 'def')", "123abc456def789"),
        ("format('{0}{1}', 'abc', 'def')", "abcdef"),
        ("format('{{0}}', 'abc')", "{0}"),
        ("format('{{{{0}}}}', 'abc')", "{{0}}"),
        ("format('}}', 'abc')", "}"),
        ("format('{{', 'abc')", "{"),
        ("format('}}{{', 'abc')", "}{"),
        ("format('{{{0}}}', 'x')", "{x}"),
        ("format('{00}', 'x')", "x"),
        ("format('{1}', fromJSON(''), 'y')", "y"),  # unreferenced arguments are never evaluated
        ("format('{0}', matrix)", "Object"),  # the runner's string for collections
        ("format('{0}', emptyArray)", "Array"),
        ("format('{0}{0}', 'ab')", "abab"),
        ("FORMAT('{0}', 1)", "1"),
    ],
)
def test_format(expr: str, expected: str) -> None:
    assert ev(expr) == expected


@pytest.mark.parametrize(
    ("expr", "reason"),
    [
        ("format('{0')", "invalid format string"),
        ("format('{0', '')", "invalid format string"),
        ("format('{0}}', '')", "invalid format string"),
        ("format('{0}}}}', '')", "invalid format string"),
        ("format('0}')", "invalid format string"),
        ("format('{{0}', '')", "invalid format string"),
        ("format('{{{{0}', '')", "invalid format string"),
        ("format('}0{', '')", "invalid format string"),
        ("format('}{0}', '')", "invalid format string"),
        ("format('{0}{', '')", "invalid format string"),
        ("format('{a}', '')", "invalid format string"),
        ("format('{}', '')", "invalid format string"),
        ("format('{256}', '')", "invalid format string"),  # the index must fit in a byte
        ("format('{0:x', 1)", "invalid format string"),
        ("format('{0:a}}', 1)", "invalid format string"),
        ("format('{0a}', 1)", "invalid format string"),
        ("format('{0}')", "references {0} but only 0 argument(s) given"),
        ("format('{0}{1}', 'abc')", "references {1} but only 1 argument(s) given"),
        ("format('{0:x}', 1)", "format specifiers ('x') are not supported"),
        ("format('{0:a}}b}', 1)", "format specifiers ('a}b') are not supported"),
    ],
)
def test_format_errors(expr: str, reason: str) -> None:
    error = error_of(expr)
    assert reason in error.reason
    assert error.position == 0


def test_format_with_empty_specifier_is_a_plain_placeholder() -> None:
    assert ev("format('{0:}', 5)") == "5"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("null", ""),
        ("true", "true"),
        ("false", "false"),
        ("1", "1"),
        (".5", "0.5"),
        ("-.5", "-0.5"),
        ("-2.0", "-2"),
        ("0", "0"),
        ("0.0", "0"),
        ("-0", "0"),
        ("-0.0", "0"),
        ("123456.789", "123456.789"),
        ("+123456.789", "123456.789"),
        ("0.84551240822557006", "0.84551240822557"),  # 15 significant digits
        ("1.9", "1.9"),
        ("0xff", "255"),
        ("0o10", "8"),
        ("1.2e2", "120"),
        ("1.2E-2", "0.012"),
        ("1e15", "1E+15"),
        ("123456789012345678", "1.23456789012346E+17"),
        ("100000000000000", "100000000000000"),
        ("0.0001", "0.0001"),
        ("0.00001", "1E-05"),
        ("Infinity", "Infinity"),
        ("-Infinity", "-Infinity"),
        ("NaN", "NaN"),
        ("'string value'", "string value"),
    ],
)
def test_number_and_value_to_string(value: str, expected: str) -> None:
    assert ev(f"format('{{0}}', {value})") == expected


@pytest.mark.parametrize(
    ("expr", "contexts", "expected"),
    [
        ("join(github.event.issue.labels.*.name, ', ')", None, "bug, help wanted"),
        ("join(null)", None, ""),
        ("join(true)", None, "true"),
        ("join(123.456)", None, "123.456"),
        ("join('abc')", None, "abc"),
        ("join(a)", {"a": []}, ""),
        ("join(a)", {"a": {}}, ""),
        ("join(a)", {"a": {"key1": "value1"}}, ""),
        (
            "join(a)",
            {"a": [None, True, 123.456, "abc", [], ["def"], {}, {"k": "v"}]},
            ",true,123.456,abc,Array,Array,Object,Object",
        ),
        ("join(a, null)", {"a": ["1", "2", "3"]}, "123"),
        ("join(a, true)", {"a": ["1", "2"]}, "1true2"),
        ("join(a, 0.5)", {"a": ["1", "2"]}, "10.52"),
        ("join(a, ' | ')", {"a": ["1", "2"]}, "1 | 2"),
        ("join(a, b)", {"a": ["1", "2"], "b": []}, "1,2"),
        ("join(a, fromJSON(''))", {"a": ["only"]}, "only"),  # separator unused, not evaluated
        ("JOIN(fromJSON('[1, 2.5]'))", None, "1,2.5"),
    ],
)
def test_join(expr: str, contexts: dict[str, Any] | None, expected: str) -> None:
    assert ev(expr, contexts) == expected


@pytest.mark.parametrize(
    ("expr", "contexts", "expected"),
    [
        ("toJSON(null)", None, "null"),
        ("toJSON(true)", None, "true"),
        ("toJSON(-0)", None, "0"),
        ("toJSON(1234.5)", None, "1234.5"),
        ("toJSON('')", None, '""'),
        ("toJSON('abc''def')", None, '"abc\'def"'),
        ("toJSON('a\"b\\c')", None, '"a\\"b\\\\c"'),
        ("toJSON(a)", {"a": "tab\tnew\nline\u2028é"}, '"tab\\tnew\\nline\\u2028é"'),
        ("toJSON(a)", {"a": []}, "[]"),
        ("toJSON(a)", {"a": {}}, "{}"),
        ("toJSON(a)", {"a": [1, 2, 3]}, "[\n  1,\n  2,\n  3\n]"),
        (
            "toJSON(a)",
            {"a": [[1, 2.5], ["x"], [True, False, None, [], {}]]},
            '[\n  [\n    1,\n    2.5\n  ],\n  [\n    "x"\n  ],\n  [\n    true,\n    false,\n    null,\n    [],\n    {}\n  ]\n]',
        ),
        (
            "toJSON(a)",
            {"a": {"one": "v1", "nested": {"n": 1, "e": {}}, "list": [1]}},
            '{\n  "one": "v1",\n  "nested": {\n    "n": 1,\n    "e": {}\n  },\n  "list": [\n    1\n  ]\n}',
        ),
        ("toJSON(a)", {"a": {1: True}}, '{\n  "1": true\n}'),
        ("toJSON(a)", {"a": [{1, 2}]}, "[\n  {}\n]"),  # an object it cannot traverse
        ("toJSON(fruits.*.quantity)", None, "[\n  1,\n  2,\n  1\n]"),
        ("tojson(10000000000000000)", None, "1E+16"),
    ],
)
def test_tojson(expr: str, contexts: dict[str, Any] | None, expected: str) -> None:
    assert ev(expr, contexts) == expected


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("fromJSON('null')", None),
        ("fromJSON('true')", True),
        ("fromJSON('-0')", 0),
        ("fromJSON('123456789')", 123456789),
        ("fromJSON('-1234.5')", -1234.5),
        ("fromJSON('\"abc''def\"')", "abc'def"),
        ("fromJSON('[1, 2, 3]')", [1, 2, 3]),
        ('fromJSON(\'{"a": {"b": [true, null]}}\')', {"a": {"b": [True, None]}}),
        ("fromJSON(5)", 5),
        ("fromJSON(true)", True),
        ("fromJSON(' [1] ')", [1]),
        ("fromJSON('3') > 2", True),
        ('FROMJSON(\'{"include": [{"p": "foo"}]}\').include[0].p', "foo"),
    ],
)
def test_fromjson(expr: str, expected: Any) -> None:
    assert ev(expr) == expected


@pytest.mark.parametrize("arg", ["''", "'   '", "'{'", "'[1,]'", "emptyArray", "'nope'"])
def test_fromjson_errors(arg: str) -> None:
    assert "fromJSON() could not parse" in error_of(f"fromJSON({arg})").reason


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("case(true, 'first', 'default')", "first"),
        ("case(false, 'first', 'default')", "default"),
        ("case(false, 'first', true, 'second', 'default')", "second"),
        ("case(false, 'first', false, 'second', 'default')", "default"),
        ("case(1 == 1, 'equal', 'not equal')", "equal"),
        ("case(github.ref == 'refs/heads/main', 'production', 'development')", "production"),
        ("case(true, 123, 456)", 123),
        ("case(true, false, true)", False),
        ("case(true, '', 'default')", ""),
        ("case(true, fromJSON('[1,2,3]'), 'default')", [1, 2, 3]),
        ("case(false, 'a', false, 'b', true, 'c', false, 'd', 'default')", "c"),
        ("case(true, 'x', fromJSON(''), 'never', 'y')", "x"),  # later arguments not evaluated
        ("CASE(false, fromJSON(''), 'default')", "default"),  # unchosen values not evaluated
    ],
)
def test_case(expr: str, expected: Any) -> None:
    assert ev(expr) == expected


@pytest.mark.parametrize(
    "predicate", ["'not a boolean'", "1", "null", "fromJSON('[]')", "fromJSON('{}')", "'true'"]
)
def test_case_predicate_must_be_boolean(predicate: str) -> None:
    error = error_of(f"case({predicate}, 'first', 'default')")
    assert error.reason == "case() predicate must evaluate to a boolean value"
    assert error.position == 5


@pytest.mark.parametrize(
    ("expr", "reason"),
    [
        ("case(true, 'first', false, 'second')", "case() needs an odd number of arguments"),
        ("case(true, 1)", "too few arguments for case() (expects 3 to 255, got 2)"),
        ("join()", "too few arguments for join() (expects 1 to 2, got 0)"),
        ("join(1, 2, 3)", "too many arguments for join() (expects 1 to 2, got 3)"),
        ("contains('a')", "too few arguments for contains() (expects 2, got 1)"),
        ("startsWith('a', 'b', 'c')", "too many arguments for startsWith()"),
        ("endsWith()", "too few arguments for endsWith()"),
        ("toJSON()", "too few arguments for toJSON()"),
        ("fromJSON(1, 2)", "too many arguments for fromJSON()"),
        ("format()", "too few arguments for format()"),
        ("success(1)", "too many arguments for success() (expects 0, got 1)"),
        ("hashFiles()", "too few arguments for hashFiles()"),
        ("foo(1)", "unknown function 'foo'"),
        ("toYAML(a)", "unknown function 'toYAML'"),
    ],
)
def test_function_argument_checks_happen_at_parse_time(expr: str, reason: str) -> None:
    with pytest.raises(ExpressionError) as info:
        parse_expression(expr)
    assert reason in info.value.reason
    assert info.value.position == 0


def test_format_accepts_up_to_255_arguments() -> None:
    args = ", ".join(["'x'"] * 254)
    assert ev(f"format('{{253}}', {args})") == "x"
    with pytest.raises(ExpressionError, match="too many arguments for format"):
        parse_expression(f"format('', {args}, 'y', 'z')")


def test_hashfiles_parses_but_is_not_supported() -> None:
    parse_expression("hashFiles('**/package-lock.json', '**/Gemfile.lock')")
    error = error_of("'key-' && hashFiles('**/*.py')")
    assert error.reason == "hashFiles() is not supported by scriptrunner"
    assert error.position == 10


# -- status functions and conditions -------------------------------------------------------------
OK = TaskStatus()
FAILED = TaskStatus(success=False, failure=True)
CANCELLED = TaskStatus(success=False, cancelled=True)


@pytest.mark.parametrize(
    ("expr", "status", "expected"),
    [
        ("success()", OK, True),
        ("success()", FAILED, False),
        ("failure()", FAILED, True),
        ("failure()", OK, False),
        ("cancelled()", CANCELLED, True),
        ("cancelled()", OK, False),
        ("always()", CANCELLED, True),
        ("Always()", FAILED, True),
        ("SUCCESS() && 'yes'", OK, "yes"),
    ],
)
def test_status_functions(expr: str, status: TaskStatus, expected: Any) -> None:
    assert ev(expr, status=status) == expected


def test_task_status_is_frozen_with_defaults() -> None:
    assert (OK.success, OK.failure, OK.cancelled) == (True, False, False)
    with pytest.raises(dataclasses.FrozenInstanceError):
        OK.success = False  # type: ignore[misc]


@pytest.mark.parametrize(
    "expr", ["success()", "true || always()", "format('{0}', failure())", "!cancelled()"]
)
def test_status_functions_need_a_status(expr: str) -> None:
    error = error_of(expr)
    assert "is only available in if: conditions" in error.reason


@pytest.mark.parametrize(
    ("condition", "status", "expected"),
    [
        ("true", OK, True),
        ("true", FAILED, False),  # implicit success() &&
        ("matrix.os == 'linux'", CANCELLED, False),
        ("matrix.os == 'linux'", OK, True),
        ("failure()", FAILED, True),
        ("failure()", OK, False),
        ("failure() && matrix.os == 'linux'", FAILED, True),
        ("always()", CANCELLED, True),
        ("!cancelled()", FAILED, True),  # a status function anywhere disables the implicit one
        ("!cancelled()", CANCELLED, False),
        ("success() || failure()", FAILED, True),
        ("${{ failure() }}", FAILED, True),
        ("  ${{ matrix.flag }}  ", OK, False),
        ("${{ true }}", FAILED, False),
        ("", OK, True),  # empty means success()
        ("   ", FAILED, False),
        ("'abc'", OK, True),  # truthiness
        ("0", OK, False),
        ("matrix", OK, True),
        ("matrix.missing", OK, False),
        ("${{ matrix.flag }} == true", OK, True),  # a template: a non-empty string, always true
        ("${{ false }}", OK, False),
        ("x ${{ matrix.flag }}", FAILED, False),  # the template still gets success() &&
        ("x ${{ failure() }}", FAILED, True),
    ],
)
def test_evaluate_condition(condition: str, status: TaskStatus, expected: bool) -> None:
    assert evaluate_condition(condition, CTX, status=status) is expected


@pytest.mark.parametrize(
    ("value", "status", "expected"),
    [(True, OK, True), (False, OK, False), (True, FAILED, False), (None, OK, True)],
)
def test_evaluate_condition_accepts_yaml_scalars(
    value: bool | None, status: TaskStatus, expected: bool
) -> None:
    assert evaluate_condition(value, CTX, status=status) is expected


def test_evaluate_condition_checks_contexts_even_when_short_circuited() -> None:
    # GitHub validates names while parsing, before success() is known.
    with pytest.raises(ExpressionError, match="unknown context 'nope'"):
        evaluate_condition("nope.x == 1", CTX, status=FAILED)
    with pytest.raises(ExpressionError, match="unknown context 'nope'"):
        evaluate_condition("x ${{ nope }}", CTX, status=FAILED)


@pytest.mark.parametrize("condition", ["${{ }}", "${{ a ==  }}", "${{ a", "a ==", "x ${{ }}"])
def test_evaluate_condition_errors(condition: str) -> None:
    with pytest.raises(ExpressionError):
        evaluate_condition(condition, {"a": 1}, status=OK)


def test_uses_status_function_and_referenced_contexts() -> None:
    assert uses_status_function(parse_expression("!cancelled()"))
    assert uses_status_function(parse_expression("a || format('{0}', Failure())"))
    assert not uses_status_function(parse_expression("contains(needs.build.result, 'success')"))
    node = parse_expression(
        "needs.build.outputs.x == matrix.os && contains(GitHub.ref, env['HOME'])"
    )
    assert referenced_contexts(node) == {"needs", "matrix", "github", "env"}
    assert referenced_contexts(parse_expression("fromJSON('{}').a")) == set()


# -- contexts ------------------------------------------------------------------------------------
def test_unknown_context_lists_the_available_ones() -> None:
    error = error_of("matrix.os == foo.bar && nope.x", {"matrix": {}, "foo": {}, "env": {}})
    assert error.reason == "unknown context 'nope' (available: env, foo, matrix)"
    assert error.position == 24
    assert str(error) == (
        "expression error at column 24: unknown context 'nope' (available: env, foo, matrix)"
        ' in "matrix.os == foo.bar && nope.x"'
    )


def test_unknown_context_is_an_error_even_in_a_skipped_branch() -> None:
    assert "unknown context 'nope'" in error_of("false && nope", {}).reason
    assert "(available: none)" in error_of("nope", {}).reason


def test_evaluate_node_with_a_prepared_tree() -> None:
    node = parse_expression("${{ matrix.n > 2 }}")
    assert evaluate_node(node, {"matrix": {"n": 3}}) is True
    assert evaluate_node(node, {"matrix": {"n": 1}}) is False
    with pytest.raises(ExpressionError, match="unknown context 'matrix'"):
        evaluate_node(node, {})


def test_evaluator_guards_for_hand_built_trees() -> None:
    # The public functions check names first; the evaluator still refuses bad trees itself.
    evaluator = Evaluator("x", {}, None)
    with pytest.raises(ExpressionError, match="unknown context 'x'"):
        evaluator.evaluate(ContextAccess("x", 0))
    with pytest.raises(ExpressionError, match="only allowed as an index"):
        evaluator.evaluate(Wildcard(0))
    with pytest.raises(ExpressionError, match="only available in if: conditions"):
        evaluator.evaluate(FunctionCall("always", (), 0))


# -- syntax errors -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("expr", "position", "reason"),
    [
        ("a == )", 5, "unexpected token ')'"),
        ("a ==", 2, "unexpected end of expression after '=='"),
        ("(a", 1, "unexpected end of expression after 'a'"),
        ("a)", 1, "unexpected token ')'"),
        ("a b", 2, "unexpected token 'b'"),
        ("1 2", 2, "unexpected token '2'"),
        ("'abc'[0]", 5, "unexpected token '['"),
        ("null.foo", 4, "unexpected token '.'"),
        ("true[0]", 4, "unexpected token '['"),
        ("1.foo", 0, "unexpected token '1.foo'"),
        ("a.1", 2, "unexpected token '1'"),
        ("foo[1].2", 7, "unexpected token '2'"),
        ("a = b", 2, "unexpected token '='"),
        ("a & b", 2, "unexpected token '&'"),
        ("a | b", 2, "unexpected token '|'"),
        ("a =b", 2, "unexpected token '=b'"),
        ('"x" == a', 0, "unexpected token '\"x\"'"),
        ("a == 'abc", 5, 'unexpected token "\'abc"'),
        ("a.b*", 2, "unexpected token 'b*'"),
        ("a.%", 2, "unexpected token '%'"),
        ("a.b(1)", 3, "unexpected token '('"),
        ("join(,)", 5, "unexpected token ','"),
        ("join(a,)", 7, "unexpected token ')'"),
        ("join(a b)", 7, "unexpected token 'b'"),
        ("()", 1, "unexpected token ')'"),
        ("a[]", 2, "unexpected token ']'"),
        ("a[*", 2, "unexpected end of expression after '*'"),
        ("a[* == 1]", 4, "unexpected token '=='"),
        ("*", 0, "unexpected token '*'"),
        ("!", 0, "unexpected end of expression after '!'"),
        ("a ! b", 2, "unexpected token '!'"),
        ("- 1", 0, "unexpected token '-'"),
        ("1 - 1", 2, "unexpected token '-'"),
        ("1-1", 0, "unexpected token '1-1'"),
        ("1.2.3", 0, "unexpected token '1.2.3'"),
        ("0x", 0, "unexpected token '0x'"),
        ("0x100000000", 0, "unexpected token '0x100000000'"),
        ("a, b", 1, "unexpected token ','"),
        ("é", 0, "unexpected token 'é'"),
        ("$foo", 0, "unexpected token '$foo'"),
        ("a[1](2)", 4, "unexpected token '('"),
        ("a.", 1, "unexpected end of expression after '.'"),
        ("a..b", 2, "unexpected token '.'"),
    ],
)
def test_syntax_errors_have_positions(expr: str, position: int, reason: str) -> None:
    with pytest.raises(ExpressionError) as info:
        parse_expression(expr)
    assert info.value.reason == reason
    assert info.value.position == position
    assert info.value.expression == expr


def test_error_message_format() -> None:
    with pytest.raises(ExpressionError) as info:
        parse_expression("a == )")
    assert str(info.value) == "expression error at column 5: unexpected token ')' in \"a == )\""
    assert str(ExpressionError("boom")) == "expression error: boom"
    assert str(ExpressionError("boom", expression="x")) == 'expression error: boom in "x"'


@pytest.mark.parametrize("expr", ["", "   ", "\n"])
def test_empty_expression_is_null(expr: str) -> None:
    # GitHub: the parser gives no tree for the empty expression, which evaluates to null.
    assert ev(expr) is None
    assert evaluate_node(parse_expression(expr), {}) is None


@pytest.mark.parametrize("expr", ["${{ }}", "${{}}", "x ${{  }} y"])
def test_empty_template_expression_is_an_error(expr: str) -> None:
    # ...but an empty ${{ }} in a template is "An expression was expected" (TemplateReader).
    with pytest.raises(ExpressionError, match="an expression was expected inside"):
        find_expressions(expr)
    with pytest.raises(ExpressionError, match="an expression was expected inside"):
        render_template(expr, CTX)


def test_wrapper_must_cover_the_whole_text() -> None:
    with pytest.raises(ExpressionError, match="use render_template"):
        parse_expression("${{ a }} == ${{ b }}")
    with pytest.raises(ExpressionError, match="use render_template"):
        parse_expression("${{ a }} tail")
    # '${{' inside a string literal of a bare expression is just text.
    assert ev("format('${{{{ {0} }}}}', 1)") == "${{ 1 }}"


def test_depth_and_length_limits() -> None:
    assert ev("a" + ".b" * 49, {"a": {}}) is None  # 50 levels: the maximum
    for expr in (
        "a" + ".b" * 50,
        "!" * 50 + "true",
        "(" * 150 + "1" + ")" * 150,
        "a" + "[0]" * 200,
    ):
        with pytest.raises(ExpressionError, match="exceeded max expression depth 50"):
            parse_expression(expr)
    assert ev("(" * 60 + "1" + ")" * 60) == 1  # parentheses alone add no depth
    assert ev(" || ".join(["false"] * 500) + " || 'x'") == "x"  # flattened: depth 2
    parse_expression("a" * 21000)
    with pytest.raises(ExpressionError, match="exceeded max expression length 21000"):
        parse_expression("a" * 21001)


MEMORY_LIMIT = "The maximum allowed memory size was exceeded"
# One string of 10,000 UTF-16 units: 20,026 bytes by the runner's measure (26 + 2 per unit).
BIG: dict[str, Any] = {"big": {"s": "x" * 10_000, "list": ["y" * 10_000] * 60}}


def copies(n: int, arg: str = "big.s") -> str:
    return "format('" + "{0}" * n + "', " + arg + ")"


def test_a_function_stops_at_githubs_memory_limit() -> None:
    assert len(ev(copies(52), BIG)) == 520_000  # 52 x 20,026 bytes: within 1 MiB
    error = error_of(copies(53), BIG)  # 53 x 20,026 = 1,061,378 bytes
    assert error.reason.startswith(MEMORY_LIMIT) and error.position == 0
    assert len(ev("join(big.list, '')", {"big": {"list": ["y" * 10_000] * 52}})) == 520_000
    for expr in ("join(big.list, '')", "toJSON(big.list)", "format('-{0}', toJSON(big))"):
        assert error_of(expr, BIG).reason.startswith(MEMORY_LIMIT), expr


def test_memory_counts_the_values_held_at_once() -> None:
    # Nested: the inner string is released when the outer one replaces it.
    assert len(ev(f"format('{{0}}', {copies(40)})", BIG)) == 400_000
    # Side by side: both 800 KB strings are held until the comparison.
    for expr in (
        f"startsWith({copies(40)}, {copies(40)})",
        f"{copies(40)} == {copies(40)}",
        f"case(true, {copies(40)}, 'x') == {copies(40)}",
    ):
        error = error_of(expr, BIG)
        assert error.reason.startswith(MEMORY_LIMIT), expr
        assert error.position == expr.rindex("format("), expr
    # Each evaluation has its own budget.
    assert ev(f"startsWith({copies(20)}, {copies(20)})", BIG) is True
    assert ev(f"startsWith({copies(20)}, {copies(20)})", BIG) is True


def test_syntax_tree_nodes_are_frozen() -> None:
    node = parse_expression("a.b")
    with pytest.raises(dataclasses.FrozenInstanceError):
        node.pos = 3  # type: ignore[misc]
    assert node == parse_expression("${{ a.b }}")


# -- templates -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain text", []),
        ("${{ a }}", [(0, " a ")]),
        ("x ${{a}} y ${{ b }}", [(2, "a"), (11, " b ")]),
        ("${{ '}}' }}", [(0, " '}}' ")]),
        ("${{ 'it''s }}' }} tail }}", [(0, " 'it''s }}' ")]),
        ("${{ a }}}", [(0, " a ")]),
        ("$ {{ a }}", []),
    ],
)
def test_find_expressions(text: str, expected: list[tuple[int, str]]) -> None:
    assert find_expressions(text) == expected


@pytest.mark.parametrize("text", ["${{ a", "ok ${{ a }} ${{ 'b }}'", "${{ '}}"])
def test_find_expressions_unclosed(text: str) -> None:
    with pytest.raises(ExpressionError, match="not closed") as info:
        find_expressions(text)
    assert info.value.position == text.rindex("${{")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("no expressions", "no expressions"),
        ("echo ${{ matrix.os }}!", "echo linux!"),
        (
            "${{ null }}|${{ true }}|${{ false }}|${{ 3 }}|${{ 0.5 }}|${{ 1e20 }}",
            "|true|false|3|0.5|1E+20",
        ),
        ("${{ matrix.n }}${{ matrix.n }}", "33"),
        ("[${{ fruits.*.quantity }}]", "[[\n  1,\n  2,\n  1\n]]"),
        ("${{ emptyObject }}", "{}"),
        ("${{ '${{' }}", "${{"),
        ("a ${{ 'x' }} b ${{ format('{0}', 'y') }} c", "a x b y c"),
    ],
)
def test_render_template(text: str, expected: str) -> None:
    assert render_template(text, CTX) == expected


def test_render_template_status_and_errors() -> None:
    assert render_template("ok=${{ success() }}", CTX, status=FAILED) == "ok=false"
    # Every expression is parsed before any is evaluated: the syntax error wins.
    with pytest.raises(ExpressionError, match="unexpected end of expression"):
        render_template("${{ fromJSON('') }} ${{ matrix == }}", CTX)
    with pytest.raises(ExpressionError, match="an expression was expected"):
        render_template("x ${{ }}", CTX)
    with pytest.raises(ExpressionError, match="unknown context 'nope'"):
        render_template("x ${{ nope }}", CTX)


def test_value_to_string() -> None:
    assert value_to_string(None) == ""
    assert value_to_string(True) == "true"
    assert value_to_string(2.0) == "2"
    assert value_to_string(-0.0) == "0"
    assert value_to_string(10**400) == "Infinity"
    assert value_to_string("s") == "s"
    assert value_to_string({"a": [1]}) == '{\n  "a": [\n    1\n  ]\n}'


# -- parse_context_arg ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('matrix={"os":"linux"}', ("matrix", {"os": "linux"})),
        ("env={}", ("env", {})),
        (" inputs = [1, 2] ", ("inputs", [1, 2])),
        ("x=null", ("x", None)),
        ('my-ctx="a=b"', ("my-ctx", "a=b")),
    ],
)
def test_parse_context_arg(text: str, expected: tuple[str, Any]) -> None:
    assert parse_context_arg(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("matrix", "missing '='"),
        ("=1", "bad context name ''"),
        ("1abc=1", "bad context name '1abc'"),
        ("matrix={os: linux}", "bad JSON for context 'matrix'"),
        ("matrix=", "bad JSON"),
        ("n=NaN", "NaN is not valid JSON"),
    ],
)
def test_parse_context_arg_errors(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match="expected NAME=JSON") as info:
        parse_context_arg(text)
    assert message in str(info.value)


# -- properties ----------------------------------------------------------------------------------
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.text(max_size=8)
    | st.floats(allow_nan=False)
)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_number_literal_round_trip(number: float) -> None:
    assert ev(repr(number), {}) == number


@given(st.floats(min_value=-1e308, max_value=1e308))  # near the max, 15 digits round up to inf
def test_number_to_string_keeps_15_significant_digits(number: float) -> None:
    text = ev("format('{0}', n)", {"n": number})
    assert "." not in text or not text.split("E")[0].endswith("0")  # no trailing zeros
    assert math.isclose(float(text), number, rel_tol=1e-14, abs_tol=0)


@given(st.text())
def test_string_literal_round_trip(text: str) -> None:
    assert ev("'" + text.replace("'", "''") + "'", {}) == text


@given(json_scalars, json_scalars)
def test_or_and_select_by_truthiness(a: Any, b: Any) -> None:
    a_is_truthy = ev("!!a", {"a": a})
    result_or = ev("a || b", {"a": a, "b": b})
    result_and = ev("a && b", {"a": a, "b": b})
    expected_or = a if a_is_truthy else b
    expected_and = b if a_is_truthy else a
    assert _same(result_or, expected_or)
    assert _same(result_and, expected_and)


def _same(result: Any, expected: Any) -> bool:
    if isinstance(expected, float):  # whole doubles come back as ints
        return bool(result == expected) and not isinstance(result, bool)
    return bool(result == expected) and type(result) is type(expected)


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=20))
def test_ascii_equality_ignores_case(text: str) -> None:
    assert ev("a == b", {"a": text, "b": text.upper()}) is True
    assert ev("a != b", {"a": text.lower(), "b": text.upper()}) is False


@given(json_scalars, json_scalars)
def test_comparison_operators_are_consistent(a: Any, b: Any) -> None:
    contexts = {"a": a, "b": b}
    lt, eq, gt = ev("a < b", contexts), ev("a == b", contexts), ev("a > b", contexts)
    assert ev("a <= b", contexts) is (lt or eq)
    assert ev("a >= b", contexts) is (gt or eq)
    assert ev("a != b", contexts) is (not eq)
    assert [lt, eq, gt].count(True) <= 1
    assert ev("b == a", contexts) is eq
