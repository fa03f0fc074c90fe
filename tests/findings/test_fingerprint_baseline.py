"""Fingerprints survive moves and comments; baselines store only fingerprints."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from findings_sample import sample_result
from hypothesis import given
from hypothesis import strategies as st

from scriptrunner.errors import ConfigError
from scriptrunner.findings import apply_baseline, load_baseline, write_baseline
from scriptrunner.findings.fingerprint import assign, fingerprint, normalise_line
from scriptrunner.findings.model import Finding, Location, Severity


def finding(line: int, rule: str = "shell-injection", path: str = "a.py") -> Finding:
    return Finding(("bandit",), rule, "t", "m", Severity.HIGH, Location(path, line))


def test_fingerprint_survives_moving_reindenting_and_commenting() -> None:
    base = fingerprint("r", "a.py", 'os.system("rm " + name)')
    assert fingerprint("r", "a.py", '        os.system("rm " + name)  # cleanup') == base
    assert fingerprint("r", "a.py", 'os.system("rm " + other)') != base
    assert fingerprint("other", "a.py", 'os.system("rm " + name)') != base
    assert fingerprint("r", "b.py", 'os.system("rm " + name)') != base


@pytest.mark.parametrize(
    ("line", "normalised"),
    [
        ('x = "# not a comment"  # a comment', 'x="#notacomment"'),
        ("y = 'it\\'s # still' # gone", "y='it\\'s#still'"),
        ("  call( a ,b )", "call(a,b)"),
    ],
)
def test_normalise_drops_comments_outside_strings_and_whitespace(
    line: str, normalised: str
) -> None:
    assert normalise_line(line) == normalised


@given(
    st.integers(min_value=0, max_value=50), st.lists(st.sampled_from(["a()", "b()"]), min_size=1)
)
def test_assign_is_independent_of_lines_inserted_above(shift: int, calls: list[str]) -> None:
    def fps(offset: int) -> list[str]:
        source = [""] * offset + calls
        found = [finding(offset + i + 1) for i in range(len(calls))]
        return [f.fingerprint for f in assign(found, lambda _p, n: source[n - 1])]

    moved = fps(shift)
    assert moved == fps(0)
    assert len(set(moved)) == len(moved)  # equal lines are told apart by occurrence


def test_baseline_round_trip_keeps_no_source_text(tmp_path: Path) -> None:
    result = sample_result()
    path = tmp_path / "baseline.json"
    assert write_baseline(path, result.findings) == 3
    text = path.read_text()
    assert "shell=True" not in text and "usedforsecurity" not in text
    known = load_baseline(path)
    assert known == {f.fingerprint for f in result.findings}
    applied = apply_baseline(result, known, str(path))
    assert applied.findings == ()
    assert len(applied.suppressed) == 4
    assert {f.suppression.kind for f in applied.suppressed if f.suppression} == {
        "external",
        "inSource",
    }


def test_new_findings_are_not_hidden_by_a_baseline(tmp_path: Path) -> None:
    result = sample_result()
    path = tmp_path / "baseline.json"
    write_baseline(path, result.findings[:1])
    applied = apply_baseline(result, load_baseline(path), str(path))
    assert [f.rule_id for f in applied.findings] == ["weak-hash", "bandit.B404"]
    changed = dataclasses.replace(result.findings[0], fingerprint="e" * 64)
    again = apply_baseline(
        dataclasses.replace(result, findings=(changed,)), load_baseline(path), "b"
    )
    assert again.findings == (changed,)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "does not exist"),
        ("{not json", "cannot be read"),
        (json.dumps([1, 2]), "not a scriptrunner baseline"),
        (json.dumps({"version": 9, "findings": []}), "not a scriptrunner baseline"),
        (json.dumps({"version": 1, "findings": [{"rule_id": "x"}]}), "needs a fingerprint"),
    ],
)
def test_bad_baselines_are_config_errors(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "baseline.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ConfigError, match=message):
        load_baseline(path)


def test_unwritable_baseline_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot write baseline"):
        write_baseline(tmp_path / "missing-dir" / "b.json", sample_result().findings)
