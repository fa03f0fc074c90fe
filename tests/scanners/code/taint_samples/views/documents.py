# ruff: noqa
# fmt: off
"""Documents from clients: XML parsers, templates, queries and connections."""

import http.client
import xml.sax
from xml.sax.handler import feature_external_ges

import click
import jinja2
import pandas
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree
from starlette.requests import Request

resolving = etree.XMLParser(resolve_entities=True)
hardened = etree.XMLParser(resolve_entities=False, no_network=True)
sandbox = SandboxedEnvironment(autoescape=True)


async def import_order(request: Request):
    body = await request.body()
    etree.fromstring(body, resolving)  # expect: taint-xxe
    etree.fromstring(body, hardened)
    etree.fromstring(body)
    reader = xml.sax.make_parser()
    reader.setFeature(feature_external_ges, True)
    reader.parse(request.query_params["feed"])  # expect: taint-xxe
    plain = xml.sax.make_parser()
    plain.parse(request.query_params["feed"])


async def preview(request: Request):
    source = request.query_params["template"]
    jinja2.Environment().from_string(source)  # expect: taint-template-injection
    sandbox.from_string(source)
    jinja2.Environment().from_string("Hello {{ name }}").render(name=source)


async def report(request: Request, connection):
    region = request.path_params["region"]
    pandas.read_sql(f"SELECT * FROM sales WHERE region = '{region}'", connection)  # expect: taint-sql-injection
    pandas.read_sql("SELECT * FROM sales WHERE region = %(r)s", connection, params={"r": region})
    http.client.HTTPSConnection(request.headers["x-upstream"])  # expect: taint-ssrf
    http.client.HTTPSConnection("api.example.org").request("GET", "/" + region)


@click.command()
@click.argument("table")
def dump(table):
    import sqlite3

    sqlite3.connect("app.db").execute("SELECT * FROM " + table)  # expect: taint-sql-injection
    sqlite3.connect("app.db").execute("SELECT * FROM logs WHERE source = ?", (table,))
