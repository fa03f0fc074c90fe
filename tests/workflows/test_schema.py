"""The published JSON Schema: identical copies, valid examples, agreement with the loader."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from scriptrunner.errors import WorkflowError
from scriptrunner.workflows.loader import load_workflow, workflow_from_dict
from scriptrunner.workflows.schema import schema_text, workflow_schema
from scriptrunner.workflows.yaml_source import load_yaml

ROOT = Path(__file__).resolve().parents[2]
PACKAGED = ROOT / "src" / "scriptrunner" / "workflows" / "workflow.schema.json"
PUBLISHED = ROOT / "docs" / "workflow.schema.json"
EXAMPLES = sorted((ROOT / "examples" / "workflows").glob("*.yaml")) + sorted(
    (ROOT / "examples" / "workflows").glob("*.json")
)
VALIDATOR = jsonschema.Draft202012Validator(workflow_schema())


def schema_accepts(document: Any) -> bool:
    return bool(VALIDATOR.is_valid(document))


def loader_accepts(document: Any) -> bool:
    try:
        workflow_from_dict(document, base_dir=ROOT)
    except WorkflowError:
        return False
    return True


def test_published_copy_is_identical() -> None:
    assert PUBLISHED.read_bytes() == PACKAGED.read_bytes()
    assert schema_text() == PACKAGED.read_text(encoding="utf-8")


def test_schema_is_valid_draft_2020_12() -> None:
    jsonschema.Draft202012Validator.check_schema(workflow_schema())
    assert workflow_schema()["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_examples_validate_and_load(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    data = json.loads(text) if path.suffix == ".json" else load_yaml(text, str(path))[0]
    VALIDATOR.validate(data)
    assert load_workflow(path).tasks


def _doc_workflows() -> list[str]:
    markdown = (ROOT / "docs" / "workflows.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", markdown, flags=re.DOTALL)
    return [block for block in blocks if re.search(r"^tasks:", block, flags=re.MULTILINE)]


@pytest.mark.parametrize("text", _doc_workflows())
def test_documentation_examples_validate_and_load(text: str) -> None:
    data, _ = load_yaml(text, "docs/workflows.md")
    VALIDATOR.validate(data)
    assert loader_accepts(data)


def test_documented_matrix_expansion() -> None:
    from scriptrunner.workflows.dag import expand

    matrix_doc = next(text for text in _doc_workflows() if "nox" in text)
    plan = expand(workflow_from_dict(load_yaml(matrix_doc, "doc")[0]))
    assert [i.id for i in plan.instances] == [
        "test (python=3.11, suite=unit)",
        "test (python=3.12, suite=unit, coverage=true)",
        "test (python=3.12, suite=integration, coverage=true)",
        "test (python=3.13, suite=unit)",
    ]


def task(**fields: Any) -> dict[str, Any]:
    """A one-task workflow; ``run: x`` is added unless ``run`` or ``script`` is given."""
    body = fields if "run" in fields or "script" in fields else {"run": "x", **fields}
    return {"tasks": {"a": body}}


VALID = {
    "minimal": task(),
    "script with args": task(script="a.py", args=["--n", 3, True]),
    "everything": {
        "$schema": "../docs/workflow.schema.json",
        "name": "full",
        "env": {"STAGE": "prod", "PORT": 8080, "DEBUG": False},
        "max_parallel": 2,
        "max_matrix": 10,
        "defaults": {
            "timeout": 60,
            "retries": {
                "max": 2,
                "backoff": "linear",
                "delay": 0.5,
                "max_delay": 5,
                "jitter": True,
                "on": [1, 75],
            },
            "continue_on_error": True,
            "cwd": "work",
        },
        "tasks": {
            "a": {"run": "echo ${{ matrix.x }}", "matrix": {"x": [1, 2], "exclude": [{"x": 2}]}},
            "b": {
                "script": "b.py",
                "needs": "a",
                "if": "failure()",
                "timeout": None,
                "tags": {"n": 1},
            },
            "c": {"run": "x", "needs": ["a", "b"], "run_always": True, "retries": 3},
            "d": {
                "run": "x",
                "needs": ["c"],
                "skip_if": "env.STAGE == 'dev'",
                "run_always": False,
                "if": "always()",
            },
        },
    },
    "include-only matrix": task(matrix={"include": [{"site": "a"}, {"site": "b"}]}),
    "boolean if": task(**{"if": True}),
    "jitter as a fraction": task(retries={"jitter": 0.25, "on": 75}),
    "security default and overrides": {
        "security": {"scan": "code", "block_on": "critical"},
        "tasks": {
            "a": {"script": "a.py", "security": {"scan": []}},
            "b": {"script": "b.py", "security": False},
            "c": {"script": "c.py", "security": {"block_on": "info"}},
            "d": {"run": "x"},
        },
    },
}

INVALID = {
    "no tasks key": {"name": "x"},
    "no tasks": {"tasks": {}},
    "unknown top-level key": {"tasks": {"a": {"run": "x"}}, "task": {}},
    "unknown task key": task(tmeout=3),
    "run and script": task(run="x", script="y.py"),
    "neither run nor script": {"tasks": {"a": {"timeout": 3}}},
    "args with run": task(run="x", args=["y"]),
    "zero timeout": task(timeout=0),
    "text timeout": task(timeout="abc"),
    "negative retries": task(retries=-1),
    "unknown backoff": task(retries={"backoff": "random"}),
    "jitter above 1": task(retries={"jitter": 1.5}),
    "exit code 0": task(retries={"on": 0}),
    "exit code 0 in a list": task(retries={"on": [1, 0]}),
    "exit code 999": task(retries={"on": [1, 999]}),
    "exit code -1": task(retries={"on": -1}),
    "unknown retries key": task(retries={"tries": 1}),
    "max_parallel 0": {"max_parallel": 0, **task()},
    "max_matrix 0": {"max_matrix": 0, **task()},
    "max_matrix above its limit": {"max_matrix": 10_001, **task()},
    "max_parallel huge": {"max_parallel": 10**11, **task()},
    "timeout over 30 days": task(timeout=1e308),
    "retry delay over 30 days": task(retries={"delay": 1e308}),
    "max_delay over 30 days": task(retries={"max_delay": 2592001}),
    "retries 1e9": task(retries=10**9),
    "retries.max 1e9 as a float": task(retries={"max": 1e9}),
    "bad task name": {"tasks": {"a b": {"run": "x"}}},
    "bad need name": task(needs="a b"),
    "empty axis": task(matrix={"x": []}),
    "axis not a list": task(matrix={"x": "abc"}),
    "matrix with only exclude": task(matrix={"exclude": [{"x": 1}]}),
    "empty include and no axes": task(matrix={"include": []}),
    "empty include entry": task(matrix={"x": [1], "include": [{}]}),
    "bad matrix key": task(matrix={"x y": [1]}),
    "run_always with if": task(run_always=True, **{"if": "failure()"}),
    "bad env name": {"env": {"A-B": "x"}, **task()},
    "env value is a list": task(env={"A": [1]}),
    "tags value is a mapping": task(tags={"a": {"b": 1}}),
    "empty name": {"name": "", **task()},
    "blank run": task(run="   "),
    "continue_on_error as text": task(continue_on_error="yes"),
    "unknown defaults key": {"defaults": {"env": {}}, **task()},
    "empty if": task(**{"if": ""}),
    "numeric if": task(**{"if": 5}),
    "args item is a mapping": task(script="a.py", args=[{"k": "v"}]),
    "not a mapping": ["tasks"],
    "security on a run task": task(security={"scan": "code"}),
    "unknown scan kind": task(script="a.py", security={"scan": ["licence"]}),
    "unknown block_on": task(script="a.py", security={"scan": "code", "block_on": "severe"}),
    "security true": task(script="a.py", security=True),
    "security default without scan": {"security": {"block_on": "high"}, **task()},
}


@pytest.mark.parametrize("document", list(VALID.values()), ids=list(VALID))
def test_schema_and_loader_both_accept(document: Any) -> None:
    assert schema_accepts(document)
    assert loader_accepts(document)


@pytest.mark.parametrize("document", list(INVALID.values()), ids=list(INVALID))
def test_schema_and_loader_both_reject(document: Any) -> None:
    assert not schema_accepts(document)
    assert not loader_accepts(document)


# What a JSON Schema cannot express: references between tasks, expressions, matrix size.
LOADER_ONLY = {
    "unknown need": task(needs="b"),
    "cycle": {"tasks": {"a": {"run": "x", "needs": "b"}, "b": {"run": "x", "needs": "a"}}},
    "bad expression": task(run="echo ${{ env. }}"),
    "needs not listed": task(run="echo ${{ needs.b.result }}"),
    "secret not declared": task(run="echo ${{ secrets.TOKEN }}"),
    "reserved env name": task(env={"SCRIPTRUNNER_EXPR_1": "x"}),
    "exclude key not an axis": task(matrix={"x": [1], "exclude": [{"y": 1}]}),
    "matrix too large": {"max_matrix": 2, **task(matrix={"x": [1, 2, 3]})},
    "task security without scan or default": task(script="a.py", security={"block_on": "high"}),
}


@pytest.mark.parametrize("document", list(LOADER_ONLY.values()), ids=list(LOADER_ONLY))
def test_loader_catches_what_the_schema_cannot(document: Any) -> None:
    assert schema_accepts(document)
    assert not loader_accepts(document)
