# ruff: noqa
# Samples for rules/web.yaml.
import ftplib
import os
import smtplib
import socket
import xml.sax

import jinja2
import paramiko
import requests
import uvicorn
from flask import Flask
from lxml import etree
from markupsafe import Markup, escape

app = Flask(__name__)


def serve() -> None:
    # ruleid: sr-debug-server
    app.run(debug=True)
    # ok: sr-debug-server
    app.run(debug=os.environ.get("FLASK_DEBUG") == "1")
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
    # ruleid: sr-markup-format
    banner = Markup(f"<b>Hello {name}</b>")
    # ok: sr-markup-format
    ok_banner = Markup("<b>Hello {}</b>").format(name)
    # ok: sr-markup-format
    plain = Markup("<hr>")
    return str(env) + str(safe) + str(text) + banner + ok_banner + plain + escape(name)


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


def parse(doc: bytes) -> None:
    # ruleid: sr-lxml-xxe
    tree = etree.fromstring(doc)
    hardened = etree.XMLParser(resolve_entities=False, no_network=True)
    # ok: sr-lxml-xxe
    tree2 = etree.fromstring(doc, hardened)
    parser = xml.sax.make_parser()
    # ruleid: sr-sax-external-entities
    parser.setFeature(xml.sax.handler.feature_external_ges, True)
    # ok: sr-sax-external-entities
    parser.setFeature(xml.sax.handler.feature_external_ges, False)
    print(tree, tree2)


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
