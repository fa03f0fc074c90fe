"""The shared vocabulary (``cli/options.py``): formats, thresholds, renamed options."""

from __future__ import annotations

import argparse

import pytest

from scriptrunner.cli import options
from scriptrunner.findings.model import SEVERITY_ALIASES, Severity


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="x", formatter_class=options.Formatter)
    options.add_report_format(p, ("table", "json"), default="table")
    options.add_fail_on(p, default="warning")
    p.add_argument("--installed", action="store_true")
    options.add_renamed(p, "--env", "--installed", dest="installed", action="store_true")
    p.add_argument("--since-commit", metavar="REV")
    options.add_renamed(p, "--since", "--since-commit", dest="since_commit", metavar="REV")
    return p


def test_json_is_an_alias_of_format_json() -> None:
    assert _parser().parse_args(["--json"]).format == "json"
    assert _parser().parse_args([]).format == "table"


@pytest.mark.parametrize(
    ("word", "level"),
    [("low", "info"), ("MEDIUM", "warning"), ("error", "high"), ("Critical", "critical")],
)
def test_fail_on_accepts_other_tools_words(word: str, level: str) -> None:
    assert _parser().parse_args(["--fail-on", word]).fail_on == level
    assert Severity.parse(word).name.lower() == level


def test_fail_on_rejects_unknown_levels_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        _parser().parse_args(["--fail-on", "severe"])
    assert exc.value.code == 2
    assert "'severe' is not a severity; give one of info, warning" in capsys.readouterr().err


def test_the_cli_and_the_findings_model_agree_on_aliases() -> None:
    assert options.LEVEL_ALIASES == SEVERITY_ALIASES
    assert options.LEVELS == tuple(s.name.lower() for s in Severity)


def test_renamed_options_still_work_hidden_and_say_their_new_name(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = _parser().parse_args(["--env", "--since", "abc"])
    assert args.installed is True
    assert args.since_commit == "abc"
    err = capsys.readouterr().err
    assert "--env is now --installed" in err
    assert "--since is now --since-commit" in err
    text = _parser().format_help()
    assert "--env" not in text
    assert "--since " not in text and "--since-commit" in text
    assert _parser().parse_args([]).since_commit is None


def test_examples_end_the_help() -> None:
    p = argparse.ArgumentParser(
        prog="x",
        formatter_class=options.Formatter,
        epilog=options.examples("scriptrunner a", "scriptrunner b"),
    )
    assert p.format_help().rstrip().endswith("examples:\n  scriptrunner a\n  scriptrunner b")
