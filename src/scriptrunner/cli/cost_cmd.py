"""``scriptrunner cost ...``: estimates, price catalogs, cost reports and actuals."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from scriptrunner.cli.common import settings_from, warn, whole
from scriptrunner.display import shown
from scriptrunner.errors import PriceError

if TYPE_CHECKING:
    from scriptrunner.settings import Settings


def register(sub: Any) -> None:
    cost = sub.add_parser("cost", help="cloud cost estimates, price catalogs and cost reports")
    group = cost.add_subparsers(dest="cost_command", metavar="COMMAND")
    group.required = True

    e = group.add_parser("estimate", help="price a cost manifest or a workflow's resources")
    e.add_argument("file", metavar="FILE", help="cost manifest or workflow file (YAML/JSON)")
    e.add_argument("--by", default=None, help="component|provider|region|kind|resource|tag:KEY")
    e.add_argument("--format", choices=("table", "json", "csv"), default="table")
    e.add_argument("--summary", action="store_true", help="table: the breakdown only")
    _max_age(e)
    e.set_defaults(handler=handle_estimate)

    prices = group.add_parser("prices", help="show or refresh the price catalogs")
    p_group = prices.add_subparsers(dest="prices_command", metavar="COMMAND")
    p_group.required = True
    show = p_group.add_parser("show", help="list catalog prices with their as_of and source")
    show.add_argument("--provider", choices=("aws", "azure", "gcp"))
    show.add_argument("--region")
    show.add_argument("--key", help="only keys containing this text")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=handle_prices_show)
    up = p_group.add_parser("update", help="refresh a catalog from the provider's price API")
    up.add_argument("--provider", required=True, choices=("aws", "azure", "gcp"))
    up.add_argument("--region", help="only this region (default: every catalog region)")
    up.add_argument(
        "--endpoint", metavar="URL", help="price API base URL (default: the public one)"
    )
    up.add_argument("--api-key", help="GCP API key (default: $SCRIPTRUNNER_GCP_API_KEY)")
    up.set_defaults(handler=handle_prices_update)

    r = group.add_parser("report", help="attributed run costs from the history")
    r.add_argument("--since", help="7d, 12h, 2w or a date (default: all history)")
    r.add_argument("--by", default="script", help="script|day|status|kind|workflow|tag:KEY")
    r.add_argument("--json", action="store_true")
    r.set_defaults(handler=handle_report)

    a = group.add_parser("actuals", help="actual AWS spend from Cost Explorer")
    a.add_argument("--since", default="30d", help="start of the period (default 30d)")
    a.add_argument("--by", help="service|region|account|tag:KEY")
    a.add_argument("--granularity", choices=("DAILY", "MONTHLY"), default="MONTHLY")
    a.add_argument("--metric", default="UnblendedCost")
    a.add_argument("--endpoint", metavar="URL", help="Cost Explorer endpoint (a stand-in)")
    a.add_argument("--json", action="store_true")
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
    # Imports inside handlers: ``scriptrunner run`` imports this module and must stay fast.
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
        sys.stdout.write(render.to_json(est, b))
    elif args.format == "csv":
        sys.stdout.write(render.breakdown_csv(b) if args.by else render.lines_csv(est.lines))
    else:
        sys.stdout.write(render.to_table(est, b, lines=not args.summary))
    return 0


def handle_prices_show(args: argparse.Namespace) -> int:
    import json
    from decimal import Decimal

    from scriptrunner.costs.catalog import PROVIDERS, load_catalog, price_json
    from scriptrunner.costs.render import exact_text

    home = settings_from(args).home
    rows: list[dict[str, Any]] = []
    origins = {}
    for provider in [args.provider] if args.provider else PROVIDERS:
        catalog = load_catalog(provider, home)
        if args.region:
            catalog.check_region(args.region, "--region")
        origins[provider] = {"origin": catalog.origin, "version": catalog.version}
        for p in catalog.prices():
            if (args.region and p.region != args.region) or (args.key and args.key not in p.key):
                continue
            rows.append({"provider": provider, **price_json(p)})
    if args.json:
        sys.stdout.write(json.dumps({"catalogs": origins, "prices": rows}, indent=2) + "\n")
        return 0
    for provider, info in origins.items():
        print(shown(f"# {provider}: {info['origin']} (version {info['version']})"))
    if not rows:
        print("no matching prices")
        return 0
    width = max(len(r["key"]) for r in rows)
    for r in rows:
        usd = exact_text(Decimal(r["usd"]))
        tiers = " (tiered)" if "tiers" in r else ""
        # Catalogs may come from a provider's API: every line is shown (controls escaped).
        print(
            shown(
                f"{r['provider']:<5} {r['region']:<11} {r['key']:<{width}}  "
                f"${usd}/{r['unit']}{tiers}  as of {r['as_of']}  {r['source']}"
            )
        )
    return 0


def handle_prices_update(args: argparse.Namespace) -> int:
    from scriptrunner.costs.providers import make_feed, update_catalog

    settings = settings_from(args)
    home = settings.home
    feed = make_feed(args.provider, args.endpoint, args.api_key or settings.gcp_api_key)
    report = update_catalog(args.provider, home, feed, region=args.region)
    result = report.result
    for old, new in result.changed:
        print(shown(f"changed  {new.region} {new.key}: ${old.usd} -> ${new.usd} per {new.unit}"))
    for missed in result.missed:
        print(shown(f"kept     {missed.region} {missed.key}: {missed.reason}"))
    print(
        f"{report.provider}: {len(result.changed)} changed, {result.confirmed} confirmed, "
        f"{len(result.missed)} kept as they were; wrote {report.path}"
    )
    return 0


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
    if args.json:
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
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
        return 0
    if not report.runs:
        print("no runs with an attributed cost" + (f" since {args.since}" if args.since else ""))
        print("(attribute one with `scriptrunner run --cost-profile aws:m5.large ...`)")
        return 0
    # Groups are scripts, tags, workflow names from the history: shown (controls escaped).
    names = [shown(g.name) for g in report.groups]
    width = max(len(name) for name in names)
    print(f"{shown(report.by.upper()):<{width}}  {'RUNS':>5}  COST")
    for name, g in zip(names, report.groups, strict=True):
        print(f"{name:<{width}}  {g.runs:>5}  {fmt_usd(g.cost_usd)}")
    print(f"{'total':<{width}}  {report.runs:>5}  {fmt_usd(report.total)}")
    return 0


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
    if args.json:
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
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
        return 0
    if not rows:
        print(f"no Cost Explorer data from {start} to {end}")
        return 0
    for r in rows:
        mark = " (estimated)" if r.estimated else ""
        print(f"{r.start}..{r.end}  {shown(r.group):<30} {r.amount:,.2f} {shown(r.unit)}{mark}")
    return 0
