"""Every case of GitHub's own expression test data, run through scriptrunner's evaluator.

The data is ``expressions/testdata`` of actions/languageservices, vendored unchanged in
``data/github-expressions/`` (see its README for the commit and its LICENSE).  Each case is
an expression, optional contexts, and either a result (kind and value) or an error (kind and
message).  The cases are compared the way that repository's own runner of them
(``expressions/src/xlang.test.ts``) compares them:

* a result: the same kind (``Null``, ``Boolean``, ``Number``, ``String``, ``Array``,
  ``Object``) and the same value as ``JSON.stringify`` writes it (so ``-0`` equals ``0``, a
  non-finite number inside an array is ``null``, object keys are compared in order);
* an error: raised at the same stage -- ``lexing`` and ``parsing`` errors by
  :func:`parse_expression` given the context names (our lexer, like the runner's, leaves
  illegal characters to the parser), ``evaluation`` errors while evaluating -- at the same
  position where GitHub's message gives one, naming the same symbol where it quotes one, and
  of the same class: :data:`ERROR_CLASSES` maps each of GitHub's messages to the words of
  ours that report the same error.  Our wording is our own (it says what to do), except for
  the memory limit, whose wording is GitHub's.  Our positions are 0-based columns of the
  expression as our message shows it, without leading whitespace; GitHub's are 1-based
  columns of the text as given.

Cases marked ``"skip": ["typescript"]`` are run too: they pin the behaviour of
``actions/runner``, which the TypeScript port does not implement (the memory limit, positions
in multi-line expressions).  No case is skipped or expected to fail.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from scriptrunner.errors import ExpressionError
from scriptrunner.workflows.expressions import evaluate_node, parse_expression
from scriptrunner.workflows.expressions.values import kind

DATA = Path(__file__).parent / "data" / "github-expressions"
#: The number of cases in the vendored files (counted independently of the loader below).
EXPECTED_CASES = 1020

#: GitHub's error message (its start) -> words our message for the same error contains.
ERROR_CLASSES = {
    "Unexpected symbol": "unexpected token",
    "Unexpected end of expression": "unexpected end of expression",
    "Unrecognized named-value": "unknown context",
    "Unrecognized function": "unknown function",
    "Too few parameters supplied": "too few arguments",
    "Too many parameters supplied": "too many arguments",
    "Even number of parameters supplied": "needs an odd number of arguments",
    "Exceeded max expression depth 50": "exceeded max expression depth 50",
    "case predicate must evaluate to a boolean value": "predicate must evaluate to a boolean",
    "The following format string is invalid": "invalid format string",
    "The following format string references more arguments than were supplied": "but only",
    "The maximum allowed memory size was exceeded": "The maximum allowed memory size was exceeded",
}
_POSITION = re.compile(r"Located at position (\d+)(.?)")
_SYMBOL = re.compile(r"^Unexpected symbol: '(.*?)'\. Located", re.DOTALL)
_KINDS = {"null": "Null", "boolean": "Boolean", "number": "Number", "string": "String"}
_KINDS |= {"array": "Array", "object": "Object"}


@dataclass(frozen=True, slots=True)
class Case:
    """One case of the data set; ``result`` and ``error`` are (kind, value) pairs."""

    id: str
    expr: str
    contexts: dict[str, Any]
    result: tuple[str, Any] | None
    error: tuple[str, str] | None


def load_cases() -> list[Case]:
    cases = []
    for path in sorted(DATA.glob("*.json")):
        groups = json.loads(path.read_text(encoding="utf-8"))
        for name, group in groups.items():
            for index, raw in enumerate(group):
                result, error = raw.get("result"), raw.get("err")
                assert (result is None) != (error is None), f"{path.name}:{name}[{index}]"
                cases.append(
                    Case(
                        id=f"{path.stem}:{name}[{index}]",
                        expr=raw["expr"],
                        contexts=raw.get("contexts") or {},
                        result=None if result is None else (result["kind"], result["value"]),
                        error=None if error is None else (error["kind"], error["value"]),
                    )
                )
    return cases


def count_cases_in_files() -> int:
    """Count every JSON object with an ``expr`` key, wherever it is in the files."""
    found = 0

    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal found
        found += any(key == "expr" for key, _ in pairs)
        return dict(pairs)

    for path in DATA.glob("*.json"):
        json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=hook)
    return found


CASES = load_cases()


def test_every_case_of_the_data_set_is_run() -> None:
    assert len(CASES) == count_cases_in_files() == EXPECTED_CASES
    assert len({case.id for case in CASES}) == len(CASES)  # one test id per case
    assert len(list(DATA.glob("*.json"))) == 28
    assert (DATA / "LICENSE").read_text().startswith("MIT License")


def stringify(value: Any) -> Any:
    """``value`` as ``JSON.stringify`` would write it, as a comparable Python value."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        number = float(value)
        return None if not math.isfinite(number) else number + 0.0  # -0.0 + 0.0 is 0.0
    if isinstance(value, list | tuple):
        return [stringify(item) for item in value]
    return [(str(key), stringify(item)) for key, item in value.items()]


def run(case: Case) -> tuple[str, Any]:
    """("result", value) or (stage, error): stage "syntax" or "evaluation"."""
    try:
        node = parse_expression(case.expr, case.contexts)
    except ExpressionError as exc:
        return "syntax", exc
    try:
        return "result", evaluate_node(node, case.contexts, expression=case.expr)
    except ExpressionError as exc:
        return "evaluation", exc


def check_error(case: Case, stage: str, outcome: Any) -> None:
    assert case.error is not None
    error_kind, message = case.error
    expected_stage = "evaluation" if error_kind == "evaluation" else "syntax"
    assert stage == expected_stage, f"expected a {expected_stage} error, got {stage}: {outcome!r}"
    assert isinstance(outcome, ExpressionError)
    classes = [ours for theirs, ours in ERROR_CLASSES.items() if message.startswith(theirs)]
    assert classes, f"GitHub's message {message!r} has no entry in ERROR_CLASSES"
    assert classes[0] in outcome.reason, f"{outcome.reason!r} is not {message!r}"
    if (position := _POSITION.search(message)) is not None:
        assert outcome.position is not None, outcome
        ours = str(outcome.position + len(case.expr) - len(case.expr.lstrip()) + 1)
        if position.group(2):
            assert ours == position.group(1), outcome
        else:  # the message stops after the digits: it may be a prefix ("position 1" of 10)
            assert ours.startswith(position.group(1)), outcome
    if (symbol := _SYMBOL.search(message)) is not None:
        assert symbol.group(1) in outcome.reason, outcome


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_github_expression_case(case: Case) -> None:
    stage, outcome = run(case)
    if case.error is not None:
        check_error(case, stage, outcome)
        return
    assert case.result is not None
    assert stage == "result", f"expected {case.result}, got a {stage} error: {outcome}"
    expected_kind, expected_value = case.result
    assert _KINDS[kind(outcome)] == expected_kind, outcome
    assert stringify(outcome) == stringify(expected_value)
