"""Matrix expansion: GitHub's documented examples, ids, limits, and properties."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scriptrunner.workflows.matrix import (
    MatrixError,
    expand_matrix,
    format_value,
    instance_id,
    named_combinations,
    values_equal,
)
from scriptrunner.workflows.model import MatrixSpec


def matrix(
    include: list[dict[str, Any]] | None = None,
    exclude: list[dict[str, Any]] | None = None,
    **axes: list[Any],
) -> MatrixSpec:
    return MatrixSpec(
        axes={k: tuple(v) for k, v in axes.items()},
        include=tuple(include or ()),
        exclude=tuple(exclude or ()),
    )


def test_axes_expand_in_order_first_axis_slowest() -> None:
    # GitHub docs, "Using a matrix strategy".
    spec = matrix(version=[10, 12, 14], os=["ubuntu-latest", "windows-latest"])
    assert expand_matrix(spec) == [
        {"version": 10, "os": "ubuntu-latest"},
        {"version": 10, "os": "windows-latest"},
        {"version": 12, "os": "ubuntu-latest"},
        {"version": 12, "os": "windows-latest"},
        {"version": 14, "os": "ubuntu-latest"},
        {"version": 14, "os": "windows-latest"},
    ]


def test_include_extends_without_overwriting_originals() -> None:
    # GitHub docs, "Example: Expanding configurations" (fruit/animal).
    spec = matrix(
        fruit=["apple", "pear"],
        animal=["cat", "dog"],
        include=[
            {"color": "green"},
            {"color": "pink", "animal": "cat"},
            {"fruit": "apple", "shape": "circle"},
            {"fruit": "banana"},
            {"fruit": "banana", "animal": "cat"},
        ],
    )
    assert expand_matrix(spec) == [
        {"fruit": "apple", "animal": "cat", "color": "pink", "shape": "circle"},
        {"fruit": "apple", "animal": "dog", "color": "green", "shape": "circle"},
        {"fruit": "pear", "animal": "cat", "color": "pink"},
        {"fruit": "pear", "animal": "dog", "color": "green"},
        {"fruit": "banana"},
        {"fruit": "banana", "animal": "cat"},
    ]


def test_include_adds_a_key_to_one_combination() -> None:
    # GitHub docs: npm 6 only for windows-latest with node 16.
    spec = matrix(
        os=["windows-latest", "ubuntu-latest"],
        node=[14, 16],
        include=[{"os": "windows-latest", "node": 16, "npm": 6}],
    )
    assert expand_matrix(spec) == [
        {"os": "windows-latest", "node": 14},
        {"os": "windows-latest", "node": 16, "npm": 6},
        {"os": "ubuntu-latest", "node": 14},
        {"os": "ubuntu-latest", "node": 16},
    ]


def test_include_only_matrix() -> None:
    # GitHub docs: a matrix of just include entries.
    spec = matrix(
        include=[
            {"site": "production", "datacenter": "site-a"},
            {"site": "staging", "datacenter": "site-b"},
        ]
    )
    assert expand_matrix(spec) == [
        {"site": "production", "datacenter": "site-a"},
        {"site": "staging", "datacenter": "site-b"},
    ]


def test_exclude_removes_partial_matches() -> None:
    # GitHub docs, "Excluding matrix configurations": 12 - 1 - 2 = 9 jobs.
    spec = matrix(
        os=["macos-latest", "windows-latest"],
        version=[12, 14, 16],
        environment=["staging", "production"],
        exclude=[
            {"os": "macos-latest", "version": 12, "environment": "production"},
            {"os": "windows-latest", "version": 16},
        ],
    )
    combos = expand_matrix(spec)
    assert len(combos) == 9
    assert {"os": "macos-latest", "version": 12, "environment": "production"} not in combos
    assert not [c for c in combos if c["os"] == "windows-latest" and c["version"] == 16]


def test_exclude_runs_before_include_so_include_can_add_back() -> None:
    spec = matrix(day=["mon", "tue"], exclude=[{"day": "tue"}], include=[{"day": "tue", "x": 1}])
    assert expand_matrix(spec) == [{"day": "mon"}, {"day": "tue", "x": 1}]


def test_the_workflow_sketch_matrix() -> None:
    spec = matrix(
        day=["mon", "tue", "wed"],
        include=[{"day": "sun", "full": True}],
        exclude=[{"day": "tue"}],
    )
    names = [name for name, _ in named_combinations("extract", spec)]
    assert names == ["extract (day=mon)", "extract (day=wed)", "extract (day=sun, full=true)"]


def test_limits() -> None:
    with pytest.raises(MatrixError, match="expands to 6 combinations, more than max_matrix"):
        expand_matrix(matrix(a=[1, 2, 3], b=[1, 2]), limit=5)
    assert len(expand_matrix(matrix(a=[1, 2, 3], b=[1, 2]), limit=6)) == 6
    # Exclude counts: 3 x 3 = 9 raw, 5 after exclude, within a limit of 5.
    assert (
        len(expand_matrix(matrix(a=[1, 2, 3], b=[1, 2, 3], exclude=[{"a": 1}, {"b": 1}]), limit=5))
        == 4
    )
    with pytest.raises(MatrixError, match="axis 'a' has no values"):
        expand_matrix(matrix(a=[]))
    with pytest.raises(MatrixError, match="no combinations"):
        expand_matrix(matrix(a=[1], exclude=[{"a": 1}]))


def test_values_compare_as_json() -> None:
    spec = matrix(flag=[True, 1, "1"], exclude=[{"flag": 1}])
    assert expand_matrix(spec) == [{"flag": True}, {"flag": "1"}]
    assert values_equal(1, 1.0) and values_equal({"a": [1]}, {"a": [1.0]})
    assert not values_equal([True], [1]) and not values_equal(None, 0)


def test_duplicate_ids_are_rejected() -> None:
    with pytest.raises(MatrixError, match=r"produces 't \(a=1\)' twice"):
        named_combinations("t", matrix(a=[1, "1"]))


@pytest.mark.parametrize(
    ("value", "shown"),
    [("mon", "mon"), (3, "3"), (3.5, "3.5"), (True, "true"), (None, "null"),
     ([1, "a"], '[1,"a"]'), ({"k": "v"}, '{"k":"v"}')],
)  # fmt: skip
def test_format_value(value: Any, shown: str) -> None:
    assert format_value(value) == shown


def test_instance_id_orders_axes_before_included_keys() -> None:
    spec = matrix(os=["linux"], py=["3.12"])
    assert instance_id("t", {"extra": 1, "py": "3.12", "os": "linux"}, spec) == (
        "t (os=linux, py=3.12, extra=1)"
    )
    assert instance_id("t", {}, None) == "t"


# -- properties -------------------------------------------------------------------------

scalars = st.one_of(st.integers(-3, 3), st.sampled_from(["a", "b", "c"]), st.booleans())
axes_st = st.dictionaries(
    st.sampled_from(["x", "y", "z"]), st.lists(scalars, min_size=1, max_size=3, unique=True),
    min_size=1, max_size=3,
)  # fmt: skip


@st.composite
def matrices(draw: st.DrawFn) -> MatrixSpec:
    axes = draw(axes_st)
    keys = st.sampled_from([*axes, "extra", "more"])
    entry = st.dictionaries(keys, scalars, min_size=1, max_size=3)
    axis_entry = st.dictionaries(st.sampled_from(list(axes)), scalars, min_size=1, max_size=2)
    return matrix(
        include=draw(st.lists(entry, max_size=3)),
        exclude=draw(st.lists(axis_entry, max_size=2)),
        **{k: list(v) for k, v in axes.items()},
    )


@given(axes_st)
def test_plain_matrix_is_the_cartesian_product(axes: dict[str, list[Any]]) -> None:
    combos = expand_matrix(matrix(**axes), limit=10_000)
    assert [tuple(c.values()) for c in combos] == list(itertools.product(*axes.values()))


@given(matrices())
def test_include_and_exclude_invariants(spec: MatrixSpec) -> None:
    try:
        combos = expand_matrix(spec, limit=10_000)
    except MatrixError:
        return  # everything excluded and nothing included
    product = [dict(zip(spec.axes, v, strict=True)) for v in itertools.product(*spec.axes.values())]
    kept = [
        c
        for c in product
        if not any(all(values_equal(c[k], v) for k, v in e.items()) for e in spec.exclude)
    ]
    # Originals keep their axis values, in order, and no excluded combination survives.
    assert [{k: c[k] for k in spec.axes} for c in combos[: len(kept)]] == kept
    # Every combination after them is an include entry that fitted no original.
    appended = combos[len(kept) :]
    unmatched = [
        dict(e)
        for e in spec.include
        if not any(all(values_equal(c[k], v) for k, v in e.items() if k in spec.axes) for c in kept)
    ]
    assert appended == unmatched
    # The last include entry always shows in full somewhere.
    if spec.include:
        last = spec.include[-1]
        assert any(all(k in c and values_equal(c[k], v) for k, v in last.items()) for c in combos)
