# ruff: noqa
# fmt: off
"""Flask views: request data reaching sinks, and near misses that must stay silent."""

import os
import shlex
from urllib.parse import quote
import sqlite3
import subprocess

import requests
import yaml
from flask import Flask, redirect, render_template_string, request, send_file
from markupsafe import Markup, escape
from werkzeug.utils import secure_filename

app = Flask(__name__)
UPLOADS = "/srv/uploads"
REPORTS = {"daily", "weekly"}


@app.route("/ping")
def ping():
    host = request.args.get("host", "")
    subprocess.run("ping -c 1 " + host, shell=True)  # expect: taint-shell-injection
    subprocess.run(["ping", "-c", "1", host], check=False)
    subprocess.run("ping -c 1 " + shlex.quote(host), shell=True)
    subprocess.run("ping -c 1 localhost", shell=True)
    return "ok"


@app.route("/users")
def users():
    db = sqlite3.connect("app.db")
    name = request.args["name"]
    db.execute(f"SELECT * FROM users WHERE name = '{name}'")  # expect: taint-sql-injection
    db.execute("SELECT * FROM users WHERE name = ?", (name,))
    limit = int(request.args.get("limit", "10"))
    db.execute(f"SELECT * FROM users LIMIT {limit}")
    return "ok"


@app.route("/proxy")
def proxy():
    target = request.values["url"]
    requests.get(target, timeout=5)  # expect: taint-ssrf
    requests.get(f"https://api.example.org/items/{target}", timeout=5)
    requests.get(f"https://api.example.org/items/{quote(target)}", timeout=5)
    requests.get(f"https://{quote(target)}/items", timeout=5)  # expect: taint-ssrf
    requests.get("https://api.example.org/items", params={"q": target}, timeout=5)
    return "ok"


@app.route("/files/<path:name>")
def download(name):
    send_file(os.path.join(UPLOADS, secure_filename(name)))
    send_file(os.path.join(UPLOADS, os.path.basename(name)))
    return send_file(os.path.join(UPLOADS, name))  # expect: taint-path-traversal


@app.route("/raw")
def raw():
    return open(request.args["path"]).read()  # expect: taint-path-traversal


@app.post("/upload")
def upload():
    sent = request.files["document"]
    sent.save(os.path.join(UPLOADS, secure_filename(sent.filename)))
    sent.save(os.path.join(UPLOADS, sent.filename))  # expect: taint-path-traversal
    return "stored"


@app.route("/reports/<int:year>")
def yearly(year):
    return send_file(os.path.join("/srv/reports", f"{year}.pdf"))


@app.route("/report")
def report():
    kind = request.args.get("kind")
    if kind not in REPORTS:
        return "no such report", 404
    return send_file(os.path.join("/srv/reports", kind + ".pdf"))


@app.route("/inside")
def inside():
    wanted = os.path.realpath(os.path.join(UPLOADS, request.args["f"]))
    if not wanted.startswith(UPLOADS + os.sep):
        return "no", 403
    return send_file(wanted)


@app.route("/greet")
def greet():
    who = request.args.get("who", "")
    render_template_string("<p>Hello " + who + "</p>")  # expect: taint-template-injection
    render_template_string("<p>Hello {{ who }}</p>", who=who)
    Markup(f"<b>{who}</b>")  # expect: taint-xss
    Markup("<b>{}</b>").format(who)
    return f"<p>{escape(who)}</p>"


@app.route("/echo/<word>")
def echo(word):
    return "<h1>" + word + "</h1>"  # expect: taint-xss


@app.route("/go")
def go():
    target = request.args.get("next", "/")
    if request.args.get("local"):
        return redirect("/home/" + target)
    return redirect(target)  # expect: taint-open-redirect


@app.route("/calc", methods=["POST"])
def calc():
    expr = request.form["expr"]
    data = request.get_data()
    yaml.load(data, Loader=yaml.Loader)  # expect: taint-deserialization
    yaml.load(data, Loader=yaml.SafeLoader)
    yaml.safe_load(data)
    return str(eval(expr))  # expect: taint-code-injection
