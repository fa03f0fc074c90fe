"""``scriptrunner cost prices show|update``: the price catalogs (registered by ``cost_cmd``)."""

from __future__ import annotations

import argparse
from typing import Any

from scriptrunner.cli import options
from scriptrunner.cli.common import settings_from
from scriptrunner.cli.report_out import write_output
from scriptrunner.costs.catalog import PROVIDERS
from scriptrunner.display import shown


def register(group: Any) -> None:
    """Add ``prices`` and its sub-commands to the ``cost`` sub-parsers ``group``."""
    prices = group.add_parser(
        "prices",
        help="show or refresh the price catalogs",
        description="The price catalogs `cost estimate` uses: bundled with scriptrunner, or "
        "refreshed from the providers' price APIs into $SCRIPTRUNNER_HOME.",
        epilog=options.examples(
            "scriptrunner cost prices show --provider aws",
            "scriptrunner cost prices show --key m5.large --json",
            "scriptrunner cost prices update --provider aws --region us-east-1",
        ),
    )
    p_group = prices.add_subparsers(dest="prices_command", metavar="COMMAND")
    p_group.required = True
    show = p_group.add_parser(
        "show",
        help="list catalog prices with their as_of and source",
        description="List the prices of the catalogs in use, each with its date (as_of) "
        "and its source.",
        epilog=options.examples(
            "scriptrunner cost prices show --provider aws --region us-east-1",
            "scriptrunner cost prices show --key m5 --format json -o prices.json",
        ),
    )
    show.add_argument(
        "--provider", choices=PROVIDERS, metavar="PROVIDER", help=f"only {', '.join(PROVIDERS)}"
    )
    show.add_argument("--region", metavar="REGION", help="only this region (e.g. us-east-1)")
    show.add_argument("--key", metavar="TEXT", help="only keys containing this text")
    options.add_report_format(show, ("text", "json"), default="text")
    show.set_defaults(handler=handle_prices_show)
    up = p_group.add_parser(
        "update",
        help="refresh a catalog from the provider's price API",
        description="Fetch current prices from the provider's public price API and update "
        "the local catalog (changed prices are listed; prices the API lacks are kept).",
        epilog=options.examples(
            "scriptrunner cost prices update --provider aws --region us-east-1",
            "scriptrunner cost prices update --provider gcp --api-key KEY",
        ),
    )
    up.add_argument(
        "--provider",
        required=True,
        choices=PROVIDERS,
        metavar="PROVIDER",
        help=f"the catalog to refresh: {', '.join(PROVIDERS)}",
    )
    up.add_argument(
        "--region", metavar="REGION", help="only this region (default: every catalog region)"
    )
    up.add_argument(
        "--endpoint", metavar="URL", help="price API base URL (default: the public one)"
    )
    up.add_argument(
        "--api-key", metavar="KEY", help="GCP API key (default: $SCRIPTRUNNER_GCP_API_KEY)"
    )
    up.set_defaults(handler=handle_prices_update)


def handle_prices_show(args: argparse.Namespace) -> int:
    import json
    from decimal import Decimal

    from scriptrunner.costs.catalog import load_catalog, price_json
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
    if args.format == "json":
        doc = {"catalogs": origins, "prices": rows}
        return write_output(args.output, json.dumps(doc, indent=2) + "\n")
    lines = [
        shown(f"# {provider}: {info['origin']} (version {info['version']})")
        for provider, info in origins.items()
    ]
    if not rows:
        lines.append("no matching prices")
    width = max((len(r["key"]) for r in rows), default=0)
    for r in rows:
        usd = exact_text(Decimal(r["usd"]))
        tiers = " (tiered)" if "tiers" in r else ""
        # Catalogs may come from a provider's API: every line is shown (controls escaped).
        lines.append(
            shown(
                f"{r['provider']:<5} {r['region']:<11} {r['key']:<{width}}  "
                f"${usd}/{r['unit']}{tiers}  as of {r['as_of']}  {r['source']}"
            )
        )
    return write_output(args.output, "\n".join(lines) + "\n")


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
