"""``scriptrunner cost ...``: estimates, price catalogs, cost reports and actuals."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from scriptrunner.cli import cost_prices, options
from scriptrunner.cli.common import settings_from, warn, whole
from scriptrunner.cli.report_out import write_output
from scriptrunner.display import shown
from scriptrunner.errors import PriceError

if TYPE_CHECKING:
    from scriptrunner.settings import Settings


def register(sub: Any) -> None:
    cost = sub.add_parser(
        "cost",
        help="cloud cost estimates, price catalogs and cost reports",
        description="Price cloud resources from the bundled (offline) price catalogs, refresh "
        "those catalogs, and report the costs attributed to runs (docs/costs.md).",
        epilog=options.examples(
            "scriptrunner cost estimate costs.yaml",
            "scriptrunner cost prices show --provider aws --region us-east-1",
            "scriptrunner cost report --since 7d --by script",
        ),
    )
    group = cost.add_subparsers(dest="cost_command", metavar="COMMAND")
    group.required = True

    e = group.add_parser(
        "estimate",
        help="price a cost manifest or a workflow's resources",
        description="Price the resources of a cost manifest (or of a workflow's `resources:`) "
        "with the local price catalogs; no network is used.",
        epilog=options.examples(
            "scriptrunner cost estimate costs.yaml",
            "scriptrunner cost estimate costs.yaml --by provider --summary",
            "scriptrunner cost estimate costs.yaml --format csv -o costs.csv",
        ),
    )
    e.add_argument("file", metavar="FILE", help="cost manifest or workflow file (YAML/JSON)")
    e.add_argument(
        "--by",
        default=None,
        metavar="KEY",
        help="group the breakdown by component, provider, region, kind, resource or tag:KEY "
        "(default component)",
    )
    options.add_report_format(e, ("table", "json", "csv"), default="table")
    e.add_argument("--summary", action="store_true", help="table: the breakdown only")
    _max_age(e)
    e.set_defaults(handler=handle_estimate)

    cost_prices.register(group)

    r = group.add_parser(
        "report",
        help="attributed run costs from the history",
        description="Costs attributed to runs (`run --cost-profile`) in the history store, "
        "grouped.",
        epilog=options.examples(
            "scriptrunner cost report",
            "scriptrunner cost report --since 7d --by day",
            "scriptrunner cost report --by tag:team --json",
        ),
    )
    r.add_argument("--since", metavar="WHEN", help="7d, 12h, 2w or a date (default: all history)")
    r.add_argument(
        "--by",
        default="script",
        metavar="KEY",
        help="group by script, day, status, kind, workflow or tag:KEY (default script)",
    )
    options.add_report_format(r, ("table", "json"), default="table")
    r.set_defaults(handler=handle_report)

    a = group.add_parser(
        "actuals",
        help="actual AWS spend from Cost Explorer",
        description="What AWS actually billed, from Cost Explorer (needs AWS credentials).",
        epilog=options.examples(
            "scriptrunner cost actuals --since 30d",
            "scriptrunner cost actuals --since 7d --granularity DAILY --by service",
        ),
    )
    a.add_argument(
        "--since", default="30d", metavar="WHEN", help="start of the period (default 30d)"
    )
    a.add_argument("--by", metavar="KEY", help="group by service, region, account or tag:KEY")
    a.add_argument(
        "--granularity",
        choices=("DAILY", "MONTHLY"),
        default="MONTHLY",
        metavar="PERIOD",
        help="one line per DAILY or MONTHLY period (default MONTHLY)",
    )
    a.add_argument(
        "--metric",
        default="UnblendedCost",
        metavar="METRIC",
        help="Cost Explorer metric, e.g. UnblendedCost, AmortizedCost, NetUnblendedCost "
        "(default UnblendedCost)",
    )
    a.add_argument("--endpoint", metavar="URL", help="Cost Explorer endpoint (a stand-in)")
    options.add_report_format(a, ("table", "json"), default="table")
    a.set_defaults(handler=handle_actuals)


def _max_age(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--max-catalog-age",
        type=whole("--max-catalog-age"),
        metavar="DAYS",
        help="warn about prices older than this (default $SCRIPTRUNNER_COST_MAX_AGE_DAYS or 180)",
    )


def max_age_days(value: int | None, settings: Settings) -> int:
    """The stale-catalog limit: ``--max-catalog-age``, else the ``cost_max_age_days`` setting."""
    if value is None:
        return settings.cost_max_age_days
    if value < 0:
        raise PriceError(f"--max-catalog-age {value}: expected 0 or more days")
    return value


def handle_estimate(args: argparse.Namespace) -> int:
    from scriptrunner.costs import Catalogs, breakdown, estimate, load_manifest, render
    from scriptrunner.costs.allocate import check_by

    by = check_by(args.by or "component")
    settings = settings_from(args)
    resources = load_manifest(args.file)
    limit = max_age_days(args.max_catalog_age, settings)
    try:
        est = estimate(resources, Catalogs(settings.home), max_age_days=limit)
    except PriceError as exc:  # name the file, as errors found while reading it do
        raise PriceError(f"{args.file}: {exc}") from exc
    for warning in est.warnings:
        warn(warning)
    b = breakdown(est.lines, by)
    if args.format == "json":
        text = render.to_json(est, b)
    elif args.format == "csv":
        text = render.breakdown_csv(b) if args.by else render.lines_csv(est.lines)
    else:
        text = render.to_table(est, b, lines=not args.summary)
    return write_output(args.output, text)


def handle_report(args: argparse.Namespace) -> int:
    import json

    from scriptrunner.costs.render import exact_text, fmt_usd
    from scriptrunner.costs.report import build_report, check_report_by, costed_runs, parse_since
    from scriptrunner.store import open_reader

    check_report_by(args.by)
    since = parse_since(args.since) if args.since else None
    reader = open_reader(settings_from(args))
    try:
        rows = costed_runs(reader, since)
    finally:
        reader.close()
    report = build_report(rows, args.by, since)
    if args.format == "json":
        doc = {
            "by": report.by,
            "since": report.since,
            "runs": report.runs,
            "total_usd": exact_text(report.total),
            "groups": [
                {"name": g.name, "runs": g.runs, "cost_usd": exact_text(g.cost_usd)}
                for g in report.groups
            ],
        }
        return write_output(args.output, json.dumps(doc, indent=2) + "\n")
    if not report.runs:
        print("no runs with an attributed cost" + (f" since {args.since}" if args.since else ""))
        print("(attribute one with `scriptrunner run --cost-profile aws:m5.large ...`)")
        return 0
    # Groups are scripts, tags, workflow names from the history: shown (controls escaped).
    names = [shown(g.name) for g in report.groups]
    header = shown(report.by.upper())
    width = max(len(name) for name in [*names, header, "total"])  # the columns line up
    lines = [f"{header:<{width}}  {'RUNS':>5}  COST"]
    for name, g in zip(names, report.groups, strict=True):
        lines.append(f"{name:<{width}}  {g.runs:>5}  {fmt_usd(g.cost_usd)}")
    lines.append(f"{'total':<{width}}  {report.runs:>5}  {fmt_usd(report.total)}")
    return write_output(args.output, "\n".join(lines) + "\n")


def handle_actuals(args: argparse.Namespace) -> int:
    import datetime as dt
    import json

    from scriptrunner.costs.explorer import CostExplorer
    from scriptrunner.costs.render import exact_text
    from scriptrunner.costs.report import parse_since

    start = dt.datetime.fromtimestamp(parse_since(args.since)).date()
    end = dt.date.today() + dt.timedelta(days=1)
    rows = CostExplorer(endpoint=args.endpoint).get_cost_and_usage(
        start, end, granularity=args.granularity, metric=args.metric, by=args.by
    )
    if args.format == "json":
        doc = [
            {
                "start": r.start.isoformat(),
                "end": r.end.isoformat(),
                "group": r.group,
                "amount": exact_text(r.amount),
                "unit": r.unit,
                "estimated": r.estimated,
            }
            for r in rows
        ]
        return write_output(args.output, json.dumps(doc, indent=2) + "\n")
    if not rows:
        print(f"no Cost Explorer data from {start} to {end}")
        return 0
    lines = []
    for r in rows:
        mark = " (estimated)" if r.estimated else ""
        lines.append(
            f"{r.start}..{r.end}  {shown(r.group):<30} {r.amount:,.2f} {shown(r.unit)}{mark}"
        )
    return write_output(args.output, "\n".join(lines) + "\n")
