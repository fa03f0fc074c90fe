"""Loading workflow files: the happy path, and every error with its file and line."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from scriptrunner.core.retry import RetryPolicy
from scriptrunner.errors import WorkflowError
from scriptrunner.workflows.loader import load_workflow, parse_workflow, workflow_from_dict
from scriptrunner.workflows.model import MatrixSpec, WorkflowSpec, default_max_parallel

SKETCH = """\
name: nightly-etl
env: {STAGE: prod}
max_parallel: 4
defaults: {timeout: 600, retries: {max: 2, backoff: exponential, delay: 1, max_delay: 30, jitter: true, on: [1, 75]}}
tasks:
  extract:
    run: python extract.py --day ${{ matrix.day }}
    matrix: {day: [mon, tue, wed], include: [{day: sun, full: true}], exclude: [{day: tue}]}
  transform:
    needs: [extract]
    script: transform.py
    args: ["--rows", "${{ needs.extract.outputs.rows }}"]
    if: ${{ success() && needs.extract.outputs.rows != '0' }}
    env: {MODE: fast}
    cwd: subdir
    timeout: 30
    continue_on_error: false
    tags: {team: data}
  report:
    needs: [transform]
    run_always: true
    script: report.py
  alert:
    needs: [transform]
    if: failure()
    run: echo alert
  cleanup:
    needs: report
    skip_if: ${{ env.STAGE == 'dev' }}
    run: echo clean
"""


def load(text: str, source: str = "wf.yaml") -> WorkflowSpec:
    return parse_workflow(textwrap.dedent(text), source=source, base_dir=Path("/base"))


def error_of(text: str, source: str = "wf.yaml") -> str:
    with pytest.raises(WorkflowError) as info:
        load(text, source)
    return str(info.value)


def test_sketch_loads_with_every_field() -> None:
    spec = load(SKETCH, "nightly.yaml")
    assert spec.name == "nightly-etl"
    assert spec.env == {"STAGE": "prod"}
    assert spec.max_parallel == 4
    assert list(spec.tasks) == ["extract", "transform", "report", "alert", "cleanup"]
    extract, transform = spec.tasks["extract"], spec.tasks["transform"]
    assert extract.run == "python extract.py --day ${{ matrix.day }}"
    assert extract.matrix == MatrixSpec(
        axes={"day": ("mon", "tue", "wed")},
        include=({"day": "sun", "full": True},),
        exclude=({"day": "tue"},),
    )
    assert extract.line == 6 and transform.line == 9
    assert transform.script == "transform.py" and transform.run is None
    assert transform.args == ("--rows", "${{ needs.extract.outputs.rows }}")
    assert transform.condition == "success() && needs.extract.outputs.rows != '0'"
    assert (transform.env, transform.cwd, transform.timeout) == ({"MODE": "fast"}, "subdir", 30.0)
    assert transform.tags == {"team": "data"} and transform.continue_on_error is False
    assert extract.timeout == 600.0  # from defaults
    assert extract.retry == RetryPolicy(
        retries=2,
        backoff="exponential",
        delay=1,
        max_delay=30,
        jitter=1.0,
        retry_on=frozenset({1, 75}),
    )


def test_sugar_becomes_conditions() -> None:
    tasks = load(SKETCH).tasks
    assert tasks["report"].condition == "always()"
    assert tasks["alert"].condition == "failure()"
    assert tasks["cleanup"].condition == "success() && !(env.STAGE == 'dev')"
    assert tasks["cleanup"].needs == ("report",)  # a single name is a list of one
    assert tasks["extract"].condition is None


def test_skip_if_combines_with_if() -> None:
    spec = load("""
        tasks:
          a: {run: "true"}
          b: {run: "true", needs: a, if: failure(), skip_if: "${{ env.X == '1' }}"}
    """)
    assert spec.tasks["b"].condition == "(failure()) && !(env.X == '1')"


def test_task_retries_override_defaults_key_by_key() -> None:
    spec = load("""
        defaults: {retries: {max: 1, backoff: linear, delay: 2, jitter: 0.5}}
        tasks:
          a: {run: "true", retries: 5}
          b: {run: "true", retries: {delay: 7, jitter: false, on: 75}}
          c: {run: "true"}
    """)
    assert spec.tasks["a"].retry == RetryPolicy(retries=5, backoff="linear", delay=2, jitter=0.5)
    assert spec.tasks["b"].retry == RetryPolicy(
        retries=1, backoff="linear", delay=7, jitter=0.0, retry_on=frozenset({75})
    )
    assert spec.tasks["c"].retry == RetryPolicy(retries=1, backoff="linear", delay=2, jitter=0.5)


def test_null_timeout_switches_the_default_off() -> None:
    spec = load("""
        defaults: {timeout: 10}
        tasks:
          a: {run: "true", timeout: null}
    """)
    assert spec.tasks["a"].timeout is None


def test_yaml_12_booleans_and_dates_stay_text() -> None:
    spec = load("""
        env: {DAY: 2024-01-31, ANSWER: no, PORT: 8080, DEBUG: true}
        tasks:
          a:
            run: echo ${{ matrix.flag }}
            matrix: {flag: [on, off, yes]}
            retries: {on: [75]}
    """)
    assert spec.env == {"DAY": "2024-01-31", "ANSWER": "no", "PORT": "8080", "DEBUG": "true"}
    matrix = spec.tasks["a"].matrix
    assert matrix is not None and matrix.axes == {"flag": ("on", "off", "yes")}
    assert spec.tasks["a"].retry.retry_on == frozenset({75})


def test_merge_keys_may_be_overridden_without_a_duplicate_error() -> None:
    spec = load("""
        tasks:
          a: &base {run: echo a, timeout: 5}
          b:
            <<: *base
            run: echo b
    """)
    assert (spec.tasks["b"].run, spec.tasks["b"].timeout) == ("echo b", 5.0)


def test_defaults_when_keys_are_absent() -> None:
    spec = load("tasks: {only: {script: s.py}}", source="<string>")
    assert spec.name == "workflow"
    assert spec.max_parallel == default_max_parallel()
    assert spec.max_matrix == 256
    assert spec.tasks["only"].retry == RetryPolicy()


def test_load_workflow_uses_the_files_directory_and_name(tmp_path: Path) -> None:
    path = tmp_path / "nightly.yaml"
    path.write_text("tasks: {a: {script: a.py}}\n", encoding="utf-8")
    spec = load_workflow(path)
    assert (spec.name, spec.path, spec.base_dir) == ("nightly", path, tmp_path.resolve())


def test_json_files_load_with_line_numbers(tmp_path: Path) -> None:
    document = {"tasks": {"a": {"run": "true"}, "b": {"run": "true", "timeout": "abc"}}}
    path = tmp_path / "wf.json"
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    with pytest.raises(WorkflowError) as info:
        load_workflow(path)
    assert str(info.value) == f"{path}:8: tasks.b.timeout: expected a number > 0, got 'abc'"


def test_json_syntax_errors_use_json_messages() -> None:
    message = error_of('{\n  "tasks": {\n    "a": {"run": "x"}\n    "b": {}\n}', source="wf.json")
    assert message == "wf.json:4:5: invalid JSON: Expecting ',' delimiter"


def test_json_duplicate_keys_are_errors() -> None:
    message = error_of('{"tasks": {\n  "a": {"run": "x"},\n  "a": {"run": "y"}}}', source="wf.json")
    assert message == 'wf.json:3: duplicate task name "a" (first defined on line 2)'


def test_missing_file_is_a_workflow_error(tmp_path: Path) -> None:
    with pytest.raises(WorkflowError, match="nope.yaml: cannot read workflow file"):
        load_workflow(tmp_path / "nope.yaml")


def test_workflow_from_dict_checks_the_same_way() -> None:
    spec = workflow_from_dict(
        {"name": "code", "tasks": {"a": {"run": "true"}}}, base_dir=Path("/x")
    )
    assert spec.name == "code" and spec.base_dir == Path("/x") and spec.tasks["a"].line == 0
    with pytest.raises(WorkflowError) as info:
        workflow_from_dict({"tasks": {"a": {"run": "true", "needs": ["b"]}}})
    assert str(info.value) == '<dict>: task "a" needs "b", which does not exist'


# Each case: a document and the exact message, line number included.
ERRORS = {
    "unknown need, with a suggestion": (
        """
        tasks:
          test: {run: pytest}
          build:
            run: make
            needs: [tset]
        """,
        'wf.yaml:6: task "build" needs "tset", which does not exist (did you mean "test"?)',
    ),
    "yaml syntax": (
        """
        tasks:
          a:
            run: echo
           bad: [
        """,
        "wf.yaml:5:4: invalid YAML: expected <block end>, but found '<block mapping start>' "
        "(while parsing a block mapping on line 3)",
    ),
    "not a number": (
        """
        tasks:
          extract:
            run: echo
            timeout: abc
        """,
        "wf.yaml:5: tasks.extract.timeout: expected a number > 0, got 'abc'",
    ),
    "zero timeout": (
        "tasks: {a: {run: x, timeout: 0}}",
        "wf.yaml:1: tasks.a.timeout: expected a number > 0, got 0",
    ),
    "duplicate task": (
        """
        tasks:
          a:
            run: x
          a:
            run: y
        """,
        'wf.yaml:5: duplicate task name "a" (first defined on line 3)',
    ),
    "duplicate key in a task": (
        """
        tasks:
          a:
            run: x
            run: y
        """,
        "wf.yaml:5: tasks.a: duplicate key 'run' (first defined on line 4)",
    ),
    "cycle": (
        """
        tasks:
          a: {run: x, needs: c}
          b: {run: x, needs: a}
          c: {run: x, needs: b}
        """,
        "wf.yaml:3: cycle: a -> c -> b -> a",
    ),
    "self cycle": (
        """
        tasks:
          a: {run: x}
          b: {run: x, needs: [a, b]}
        """,
        "wf.yaml:4: cycle: b -> b",
    ),
    "unknown task key": (
        """
        tasks:
          a:
            run: x
            tmeout: 5
        """,
        "wf.yaml:5: tasks.a: unknown key 'tmeout' (did you mean 'timeout'?)",
    ),
    "unknown top-level key": (
        "task: {a: {run: x}}",
        "wf.yaml:1: unknown key 'task' (did you mean 'tasks'?)",
    ),
    "unknown key without a close match": (
        "tasks: {a: {run: x, retries: {zzz: 1}}}",
        "wf.yaml:1: tasks.a.retries: unknown key 'zzz' "
        "(valid keys: backoff, delay, jitter, max, max_delay, on)",
    ),
    "both run and script": (
        """
        tasks:
          a:
            run: x
            script: y.py
        """,
        'wf.yaml:3: task "a" has both run and script; keep one',
    ),
    "neither run nor script": (
        """
        tasks:
          a:
            timeout: 3
        """,
        'wf.yaml:3: task "a" needs run or script',
    ),
    "matrix explosion": (
        f"""
        tasks:
          a:
            run: x
            matrix: {{x: {list(range(17))}, y: {list(range(17))}}}
        """,
        "wf.yaml:5: tasks.a.matrix: matrix expands to 289 combinations, more than max_matrix "
        "(256); add exclude entries or raise max_matrix",
    ),
    "matrix explosion with max_matrix": (
        """
        max_matrix: 5
        tasks:
          a: {run: x, matrix: {x: [1, 2, 3], y: [1, 2]}}
        """,
        "wf.yaml:4: tasks.a.matrix: matrix expands to 6 combinations, more than max_matrix "
        "(5); add exclude entries or raise max_matrix",
    ),
    "huge matrix refused before expanding": (
        f"tasks: {{a: {{run: x, matrix: {{x: {list(range(100))}, y: {list(range(100))}, "
        f"z: {list(range(100))}}}}}}}",
        "wf.yaml:1: tasks.a.matrix: matrix has 1000000 combinations before exclude, more than "
        "max_matrix (256); remove axis values or raise max_matrix",
    ),
    "empty matrix axis": (
        """
        tasks:
          a:
            run: x
            matrix:
              day: []
        """,
        "wf.yaml:6: tasks.a.matrix.day: matrix axis is empty; give at least one value",
    ),
    "matrix without axes or include": (
        "tasks: {a: {run: x, matrix: {exclude: []}}}",
        "wf.yaml:1: tasks.a.matrix: a matrix needs at least one axis or an include list",
    ),
    "everything excluded": (
        "tasks: {a: {run: x, matrix: {d: [1], exclude: [{d: 1}]}}}",
        "wf.yaml:1: tasks.a.matrix: matrix produces no combinations: every combination is excluded",
    ),
    "exclude key is not an axis": (
        """
        tasks:
          a:
            run: x
            matrix:
              day: [mon]
              exclude:
                - {dya: mon}
        """,
        "wf.yaml:8: tasks.a.matrix.exclude[0].dya: exclude key 'dya' is not a matrix axis "
        "(did you mean 'day'?)",
    ),
    "same combination twice": (
        "tasks: {a: {run: x, matrix: {include: [{d: 1}, {d: 1}]}}}",
        "wf.yaml:1: tasks.a.matrix: matrix produces 'a (d=1)' twice; remove the duplicate "
        "include entry",
    ),
    "bad task name": (
        "tasks: {'bad name': {run: x}}",
        "wf.yaml:1: tasks.bad name: expected a task name matching [A-Za-z_][A-Za-z0-9_-]*, "
        "got 'bad name'",
    ),
    "empty file": ("", "wf.yaml: workflow is empty; expected a mapping with a 'tasks' key"),
    "a list, not a mapping": (
        "- a\n- b\n",
        "wf.yaml:1: expected a mapping with a 'tasks' key, got a list",
    ),
    "no tasks key": ("name: x", "wf.yaml:1: missing required key 'tasks'"),
    "no tasks": ("tasks: {}", "wf.yaml:1: tasks: a workflow needs at least one task"),
    "args with run": (
        "tasks: {a: {run: x, args: [y]}}",
        "wf.yaml:1: tasks.a.args: args is only for script tasks; put arguments in run",
    ),
    "run_always with if": (
        """
        tasks:
          a: {run: x}
          b:
            run: x
            needs: a
            if: failure()
            run_always: true
        """,
        "wf.yaml:8: tasks.b.run_always: run_always: true means if: always(); remove one of them",
    ),
    "bad backoff": (
        "tasks: {a: {run: x, retries: {backoff: exponentail}}}",
        "wf.yaml:1: tasks.a.retries.backoff: expected one of fixed, linear, exponential, "
        "got 'exponentail' (did you mean 'exponential'?)",
    ),
    "jitter out of range": (
        "defaults:\n  retries:\n    jitter: 1.5\ntasks: {a: {run: x}}",
        "wf.yaml:3: defaults.retries.jitter: expected true, false or a number from 0 to 1, got 1.5",
    ),
    "exit code zero": (
        "tasks: {a: {run: x, retries: {on: [1, 0]}}}",
        "wf.yaml:1: tasks.a.retries.on[1]: expected a non-zero exit code, got 0",
    ),
    "negative max_parallel": (
        "max_parallel: 0\ntasks: {a: {run: x}}",
        "wf.yaml:1: max_parallel: expected an integer >= 1, got 0",
    ),
    "bad env name": (
        "env: {'MY-VAR': 1}\ntasks: {a: {run: x}}",
        "wf.yaml:1: env.MY-VAR: expected a variable name matching [A-Za-z_][A-Za-z0-9_]*, "
        "got 'MY-VAR'",
    ),
    "env value is a list": (
        "tasks:\n  a:\n    run: x\n    env:\n      A: [1]",
        "wf.yaml:5: tasks.a.env.A: expected a string, number or boolean, got a list",
    ),
    "args item is a mapping": (
        "tasks:\n  a:\n    script: a.py\n    args:\n      - ok\n      - {k: v}",
        "wf.yaml:6: tasks.a.args[1]: expected a string, number or boolean, got a mapping",
    ),
    "unbalanced quote in run": (
        """tasks: {a: {run: "echo 'oops"}}""",
        "wf.yaml:1: tasks.a.run: cannot split the command line: No closing quotation",
    ),
    "recursive alias": (
        "tasks:\n  a:\n    run: x\n    matrix: {x: &a [1, *a]}",
        "wf.yaml:4: an alias refers to its own parent",
    ),
    "anchor bomb": (
        "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        + "".join(
            f"{n}: &{n} [{', '.join(['*' + p] * 10)}]\n"
            for p, n in zip("abcdef", "bcdefg", strict=True)
        )
        + "tasks: {a: {run: x}}",
        "wf.yaml: document too large (anchors expand too far)",
    ),
    "two documents": (
        "tasks: {a: {run: x}}\n---\ntasks: {b: {run: y}}",
        "wf.yaml:2:1: invalid YAML: but found another document "
        "(expected a single document in the stream on line 1)",
    ),
    "expression in script": (
        "tasks: {a: {script: '${{ matrix.x }}.py', matrix: {x: [1]}}}",
        "wf.yaml:1: tasks.a.script: a script path cannot use ${{ }}; put it in args",
    ),
}


@pytest.mark.parametrize(("text", "message"), list(ERRORS.values()), ids=list(ERRORS))
def test_errors_name_the_file_line_and_field(text: str, message: str) -> None:
    assert error_of(text) == message


EXPRESSION_ERRORS = {
    "syntax": (
        "tasks:\n  a:\n    run: x\n    if: success( &&",
        "wf.yaml:4: tasks.a.if: invalid expression 'success( &&': unexpected token '&&' at column 9",
    ),
    "unknown context": (
        "tasks:\n  a:\n    run: echo ${{ github.sha }}",
        "wf.yaml:3: tasks.a.run: unknown context \"github\" in 'github.sha'; "
        "use one of env, matrix, needs, secrets, task, workflow",
    ),
    "unknown context, close to a known one": (
        "tasks:\n  a:\n    script: a.py\n    args: ['${{ evn.X }}']",
        'wf.yaml:4: tasks.a.args[0]: unknown context "evn" in \'evn.X\' (did you mean "env"?); '
        "use one of env, matrix, needs, secrets, task, workflow",
    ),
    "needs a task it does not need": (
        """
        tasks:
          extract: {run: x}
          other: {run: x}
          alert:
            needs: [other]
            if: needs.extract.result == 'failure'
            run: x
        """,
        'wf.yaml:7: tasks.alert.if: needs.extract is not available: task "alert" does not '
        'need "extract"; add it to needs',
    ),
    "needs by index": (
        "tasks:\n  a: {run: x}\n  b:\n    run: x\n    env: {R: \"${{ needs['c'].result }}\"}",
        'wf.yaml:5: tasks.b.env.R: needs.c is not available: task "b" does not need "c"; '
        "add it to needs",
    ),
    "matrix key missing": (
        "tasks:\n  a:\n    run: echo ${{ matrix.dya }}\n    matrix: {day: [mon]}",
        'wf.yaml:3: tasks.a.run: matrix.dya is not defined: the matrix of task "a" has no key '
        '"dya" (did you mean "day"?)',
    ),
    "matrix without a matrix": (
        "tasks:\n  a:\n    run: x\n    cwd: ${{ matrix.dir }}",
        'wf.yaml:4: tasks.a.cwd: matrix.dir is not defined: task "a" has no matrix',
    ),
    "needs in workflow env": (
        "env:\n  A: ${{ needs.a.outputs.x }}\ntasks: {a: {run: x}}",
        "wf.yaml:2: env.A: needs.a: only a task's own fields can use needs",
    ),
    "status function outside a condition": (
        "tasks:\n  a:\n    run: echo ${{ failure() }}",
        "wf.yaml:3: tasks.a.run: 'failure()': success(), failure(), cancelled() and always() "
        "only work in if/skip_if",
    ),
    "unclosed expression": (
        "tasks:\n  a:\n    run: echo ${{ env.X",
        "wf.yaml:3: tasks.a.run: the expression is not closed: '${{' without a matching '}}'",
    ),
    "condition mixing text and expression": (
        "tasks:\n  a:\n    run: x\n    if: ${{ env.A }} == 'b'",
        "wf.yaml:4: tasks.a.if: write the condition bare or wrap all of it in one ${{ }}, "
        "not a mix: '${{ env.A }} == 'b''",
    ),
    "bad skip_if": (
        "tasks:\n  a:\n    run: x\n    skip_if: ${{ env.A == }}",
        "wf.yaml:4: tasks.a.skip_if: invalid expression 'env.A ==': unexpected end of "
        "expression after '==' at column 6",
    ),
}


@pytest.mark.parametrize(
    ("text", "message"), list(EXPRESSION_ERRORS.values()), ids=list(EXPRESSION_ERRORS)
)
def test_expressions_are_checked_at_load_time(text: str, message: str) -> None:
    assert error_of(text) == message


def test_expressions_in_strings_and_wildcards_are_not_references() -> None:
    spec = load("""
        tasks:
          a: {run: x}
          b:
            needs: a
            run: echo "${{ 'needs.zzz' }}" ${{ join(needs.*.result, ',') }}
            if: contains(needs.a.outputs.list, 'matrix.nothing')
    """)
    assert spec.tasks["b"].condition == "contains(needs.a.outputs.list, 'matrix.nothing')"


def test_matrix_keys_added_by_include_can_be_referenced() -> None:
    spec = load("""
        tasks:
          a:
            run: echo ${{ matrix.day }} ${{ matrix.full }}
            matrix: {day: [mon], include: [{day: sun, full: true}]}
    """)
    assert spec.tasks["a"].matrix is not None


def test_json_that_yaml_cannot_read_still_loads_without_lines() -> None:
    # YAML forbids tabs where JSON allows them; the JSON data is used, messages lose lines.
    assert load('{\n\t"tasks": {"a": {"run": "x"}}\n}', source="wf.json").tasks["a"].run == "x"
    bad = '{\n\t"tasks": {"a": {"run": "x", "timeout": -1}}\n}'
    assert error_of(bad, source="wf.json") == (
        "wf.json: tasks.a.timeout: expected a number > 0, got -1"
    )
    duplicated = '{\n\t"tasks": {"a": {"run": "x"}, "a": {"run": "y"}}\n}'
    assert error_of(duplicated, source="wf.json") == "wf.json: duplicate key 'a'"


def test_resources_blocks_are_accepted_for_cost_estimates(tmp_path: Path) -> None:
    from scriptrunner.workflows.loader import parse_workflow

    spec = parse_workflow(
        "name: priced\n"
        "resources: [{provider: aws, kind: ec2, instance_type: m5.large, hours: 1}]\n"
        "tasks:\n"
        "  a:\n"
        "    run: 'true'\n"
        "    resources: {db: {provider: aws, kind: s3}}\n",
        base_dir=tmp_path,
    )
    assert list(spec.tasks) == ["a"]
