"""What ``scriptrunner run`` prints after a run: the summary line or JSON, cost, errors.

Everything printed goes through the run's masker: a secret typed on the command line or
fetched from a vault never reaches the terminal through these lines.

When the store was unreachable at the run's end (its history is delayed: the session
warned, naming the journal), ``--json`` prints the story built from the run's result
instead of the store: the same keys, with no events (their ids are the store's).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from scriptrunner.cli.formats import summary_line

if TYPE_CHECKING:
    from scriptrunner.app import RunOutcome
    from scriptrunner.gates.pre_run import PreRunOutcome
    from scriptrunner.results import RunResult
    from scriptrunner.settings import Settings


def gate_printer(args: argparse.Namespace) -> Callable[[PreRunOutcome], None]:
    """Shows the gate's decision before anything runs: what blocks, or that it passed."""

    def show(gate: PreRunOutcome) -> None:
        if gate.blocked:
            from scriptrunner.findings import render_table

            table = render_table(gate.shown(), color=sys.stderr.isatty())
            print(table, end="", file=sys.stderr)
        elif not args.quiet:
            findings, level = len(gate.decision.result.findings), gate.policy.block_on.name
            print(
                f"scriptrunner: {','.join(gate.policy.kinds)} scan passed "
                f"({findings} finding(s) below {level.lower()})"
                + (f" — scanned: {gate.scanned}" if gate.scanned else ""),
                file=sys.stderr,
            )

    return show


def print_outcome(args: argparse.Namespace, outcome: RunOutcome, settings: Settings) -> None:
    result, attribution = outcome.result, outcome.attribution
    if args.json:
        # The run's story as the store has it: what `show --json` prints (app.story).
        from scriptrunner.app.story import run_story, story_from_store

        if outcome.history_delayed is None:
            story = story_from_store(settings, result.run_id)
        else:
            story = run_story(_Unstored(result), result.run_id)
        if outcome.masker is not None:  # stored masked already; masked again, to be sure
            story = outcome.masker.mask_obj(story)
        sys.stdout.write(json.dumps(story, indent=2) + "\n")
    elif not args.quiet:
        m = result.metrics
        line = summary_line(
            status=result.status,
            exit_code=result.exit_code,
            duration=result.duration,
            cpu=m.cpu_seconds,
            peak_rss=m.peak_rss_bytes,
            attempts=len(result.attempts),
            run_id=result.run_id,
        )
        print(line, file=sys.stderr)
    if attribution is not None and not args.quiet:
        from scriptrunner.costs.render import fmt_usd

        for warning in attribution.estimate.warnings:
            print(f"scriptrunner: warning: {warning}", file=sys.stderr)
        print(
            f"scriptrunner: cost {fmt_usd(attribution.usd)} as {args.cost_profile}", file=sys.stderr
        )
    if outcome.cost_error is not None or result.error:
        from scriptrunner.display import shown  # error text quotes user input

        if outcome.cost_error is not None:
            message = shown(outcome.mask(str(outcome.cost_error)), lines=True)
            print(f"scriptrunner: error: cost not recorded: {message}", file=sys.stderr)
        if result.error:
            print(
                f"scriptrunner: error: {shown(outcome.mask(result.error), lines=True)}",
                file=sys.stderr,
            )


class _Unstored:
    """A run's story source built from its result (``app.story.RunSource``), for a run
    whose end the store could not take yet."""

    def __init__(self, result: RunResult) -> None:
        self.result = result

    def get_run(self, run_id: str) -> dict[str, Any]:
        from scriptrunner.store import rows

        result = self.result
        row = rows.run_start_row(
            run_id=run_id,
            kind="run",
            script=result.script,
            command=result.command,
            cwd=result.cwd,
            tags=result.tags,
            started_at=result.started_at,
        )
        row.update(rows.run_finish_values(result))
        row["attempt_rows"] = [rows.attempt_row(run_id, a) for a in result.attempts]
        row["events"] = []
        return row

    def scans_of(self, run_id: str) -> list[dict[str, Any]]:
        return []

    def trace_ids_of(self, run_id: str) -> list[str]:
        return []
