# ruff: noqa
# Samples for rules/web.yaml.
import ftplib
import http.client
import os
import smtplib
import socket
import urllib.request
import xml.dom.pulldom
import xml.etree.ElementTree as ElementTree
import xml.sax
from xml.sax.handler import feature_external_pes

import defusedxml.ElementTree
import httpx

import jinja2
import paramiko
import requests
import uvicorn
from fastapi.responses import HTMLResponse
from flask import Flask
from jinja2 import Environment, FileSystemLoader, Template, select_autoescape
from lxml import etree
from markupsafe import Markup, escape

app = Flask(__name__)


def serve() -> None:
    # ruleid: sr-debug-server
    app.run(debug=True)
    # ok: sr-debug-server
    app.run(debug=os.environ.get("FLASK_DEBUG") == "1")
    # ruleid: sr-debug-server
    app.config.update(DEBUG=True, TESTING=False)
    # ok: sr-debug-server
    app.config.update(DEBUG=os.environ.get("FLASK_DEBUG") == "1")
    # ruleid: sr-bind-all-interfaces
    uvicorn.run(app, host="0.0.0.0", port=8000)
    # ok: sr-bind-all-interfaces
    uvicorn.run(app, host="127.0.0.1", port=8000)
    sock = socket.socket()
    # ruleid: sr-bind-all-interfaces
    sock.bind(("0.0.0.0", 9000))
    # ok: sr-bind-all-interfaces
    sock.bind(("127.0.0.1", 9000))


def allowed(host: str) -> bool:
    # ok: sr-bind-all-interfaces
    return host != "0.0.0.0"


def templates(name: str) -> str:
    # ruleid: sr-jinja-autoescape-off
    env = jinja2.Environment(loader=jinja2.FileSystemLoader("templates"), autoescape=False)
    # ok: sr-jinja-autoescape-off
    safe = jinja2.Environment(
        loader=jinja2.FileSystemLoader("templates"), autoescape=jinja2.select_autoescape()
    )
    # ok: sr-jinja-autoescape-off
    text = jinja2.Environment(loader=jinja2.DictLoader({"sql": "SELECT 1"}))
    # ok: sr-jinja-autoescape-default
    text2 = jinja2.Environment(loader=jinja2.DictLoader({"sql": "SELECT 1"}))
    # ruleid: sr-markup-format
    banner = Markup(f"<b>Hello {name}</b>")
    # ok: sr-markup-format
    ok_banner = Markup("<b>Hello {}</b>").format(name)
    # ok: sr-markup-format
    plain = Markup("<hr>")
    return str(env) + str(safe) + str(text) + str(text2) + banner + ok_banner + plain + escape(name)


# The less common forms: an options dict, select_autoescape that escapes nothing, an
# environment told later, a Template of HTML source, plain-text templates.
OPTIONS = {"trim_blocks": True, "autoescape": False}
# ruleid: sr-jinja-autoescape-off
pages = Environment(loader=FileSystemLoader("views"), **OPTIONS)
# ruleid: sr-jinja-autoescape-off
feeds = Environment(
    loader=FileSystemLoader("views"), autoescape=select_autoescape(enabled_extensions=())
)
# level: HIGH
# ruleid: sr-jinja-html-autoescape-default
letters = Environment(loader=FileSystemLoader("views/letters"))
# level: WARNING
# ruleid: sr-jinja-autoescape-default
snippets = Environment()
# level: INFO
# ok: sr-jinja-autoescape-off
receipts = Environment(loader=FileSystemLoader("views/receipts"), autoescape=False)
# ok: sr-jinja-autoescape-default
queries = Environment(loader=FileSystemLoader("sql"))
# ok: sr-jinja-html-autoescape-default
portal = Environment(loader=FileSystemLoader("views"), autoescape=select_autoescape(["html"]))
later = Environment(loader=FileSystemLoader("views"))
later.autoescape = True


def render_all(item: dict[str, str], source: str) -> str:
    out = letters.get_template("reminder.html").render(item=item)
    out += receipts.get_template("receipt.txt").render(item=item)
    out += queries.get_template("stock_report.sql").render(item=item)
    out += snippets.from_string(source).render(item=item)
    # ruleid: sr-jinja-html-autoescape-default
    out += Template("<li>{{ item.name }}</li>").render(item=item)
    # ok: sr-jinja-html-autoescape-default
    out += Template("{{ item.name }} x {{ item.count }}").render(item=item)
    # ruleid: sr-markup-format
    out += str(HTMLResponse(f"<p>No item called {item['name']}</p>").body)
    # ok: sr-markup-format
    out += str(HTMLResponse("<p>Nothing found</p>").body)
    return out


def fetch(url: str) -> None:
    # ruleid: sr-requests-no-timeout
    requests.get(url)
    # ok: sr-requests-no-timeout
    requests.get(url, timeout=10)
    # ruleid: sr-requests-no-timeout
    requests.post(url, json={"a": 1})
    with requests.Session() as session:
        # ruleid: sr-requests-no-timeout
        session.get(url)
        # ok: sr-requests-no-timeout
        session.get(url, timeout=(3, 30))
    # ruleid: sr-requests-no-timeout
    requests.request("GET", url)
    # ruleid: sr-requests-no-timeout
    requests.get(url, timeout=None)
    # ruleid: sr-requests-no-timeout
    urllib.request.urlopen(url)
    # ok: sr-requests-no-timeout
    urllib.request.urlopen(url, timeout=15)
    # ruleid: sr-requests-no-timeout
    http.client.HTTPSConnection("api.example.org")
    # ok: sr-requests-no-timeout
    http.client.HTTPSConnection("api.example.org", timeout=10)
    # ok: sr-requests-no-timeout
    httpx.get(url)


class Supplier:
    def __init__(self) -> None:
        self.http = requests.Session()

    def stock(self, sku: str) -> bytes:
        # ruleid: sr-requests-no-timeout
        return self.http.get(f"https://supplier.example.org/stock/{sku}").content

    def price(self, sku: str) -> bytes:
        # ok: sr-requests-no-timeout
        return self.http.get(f"https://supplier.example.org/price/{sku}", timeout=5).content


def parse(doc: bytes) -> None:
    # level: WARNING
    # ruleid: sr-lxml-default-parser
    tree = etree.fromstring(doc)
    hardened = etree.XMLParser(resolve_entities=False, no_network=True)
    # ok: sr-lxml-xxe
    tree2 = etree.fromstring(doc, hardened)
    # ok: sr-lxml-default-parser
    tree3 = etree.fromstring(doc, hardened)
    # ruleid: sr-lxml-xxe
    resolving = etree.XMLParser(resolve_entities=True)
    # ruleid: sr-lxml-xxe
    fetching = etree.XMLParser(no_network=False, resolve_entities=False)
    # ruleid: sr-lxml-default-parser
    with_dtd = etree.XMLParser(load_dtd=True)
    # ok: sr-lxml-default-parser
    dtd_only = etree.XMLParser(load_dtd=True, resolve_entities=False)
    parser = xml.sax.make_parser()
    # ruleid: sr-sax-external-entities
    parser.setFeature(xml.sax.handler.feature_external_ges, True)
    # ok: sr-sax-external-entities
    parser.setFeature(xml.sax.handler.feature_external_ges, False)
    # ruleid: sr-sax-external-entities
    parser.setFeature(feature_external_pes, 1)
    events = xml.dom.pulldom.parseString(doc.decode(), parser=parser)
    # level: INFO
    # ok: sr-lxml-default-parser
    stdlib = ElementTree.fromstring(doc)
    # ok: sr-lxml-default-parser
    defused = defusedxml.ElementTree.fromstring(doc)
    print(tree, tree2, tree3, resolving, fetching, with_dtd, dtd_only, events, stdlib, defused)


# ruleid: sr-hardcoded-password
DB_PASSWORD = "s3cr3t-Pa55word!"
# ok: sr-hardcoded-password
DB_PASSWORD_ENV = os.environ.get("DB_PASSWORD", "")
# ok: sr-hardcoded-password
PASSWORD_FIELD = "password"


def connect(password: str = "") -> None:
    client = paramiko.SSHClient()
    # ruleid: sr-hardcoded-password
    client.connect("db.internal", username="app", password="hunter22-prod")
    # ok: sr-hardcoded-password
    client.connect("db.internal", username="app", password=password)
    # ruleid: sr-ssh-unknown-host
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    # ok: sr-ssh-unknown-host
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    # ruleid: sr-cleartext-protocol
    ftp = ftplib.FTP("ftp.example.org")
    # ok: sr-cleartext-protocol
    ftps = ftplib.FTP_TLS("ftp.example.org")
    mail = smtplib.SMTP("mail.example.org", 587)
    mail.starttls()
    # ok: sr-cleartext-protocol
    mail.login("app", password)
    print(ftp, ftps)
