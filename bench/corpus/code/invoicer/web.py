# ruff: noqa
"""HTTP front end (Flask)."""

import ast
import os
import subprocess

from flask import Flask, abort, jsonify, render_template_string, request
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from invoicer import db, settings

app = Flask(__name__)
app.secret_key = settings.SECRET_KEY

pages = Environment(loader=FileSystemLoader("invoicer/templates/html"), autoescape=False)
mails = Environment(
    loader=FileSystemLoader("invoicer/templates/mail"), autoescape=select_autoescape()
)


@app.route("/invoices/<int:invoice_id>")
def show_invoice(invoice_id: int):
    conn = db.connect()
    row = db.invoice_by_id(conn, invoice_id)
    if row is None:
        abort(404)
    return pages.get_template("invoice.html").render(invoice=dict(row))


@app.route("/customers/<name>/invoices")
def customer_invoices(name: str):
    rows = db.invoices_for_customer(db.connect(), name)
    return jsonify([dict(r) for r in rows])


@app.route("/greeting")
def greeting():
    who = request.args.get("name", "guest")
    banner = Markup(f"<h1>Welcome back, {who}</h1>")
    footer = Markup("<hr><small>Invoicer</small>")
    safe_name = Markup("<h2>{}</h2>").format(who)
    return banner + safe_name + footer + escape(who)


@app.route("/calc")
def calc():
    expression = request.args.get("expr", "0")
    return jsonify(result=eval(expression))


@app.route("/calc/literal")
def calc_literal():
    value = ast.literal_eval(request.args.get("value", "0"))
    return jsonify(value=value)


@app.route("/tools/ping")
def ping():
    host = request.args.get("host", "localhost")
    output = subprocess.check_output("ping -c 1 " + host, shell=True)
    return output


@app.route("/tools/traceroute")
def traceroute():
    host = request.args.get("host", "localhost")
    output = subprocess.run(["traceroute", "-m", "5", host], capture_output=True, timeout=30)
    return output.stdout


@app.route("/preview", methods=["POST"])
def preview():
    return render_template_string("<p>{{ body }}</p>", body=request.form.get("body", ""))


def main() -> None:
    debug = os.environ.get("FLASK_DEBUG") == "1"
    app.run(host=settings.LISTEN_HOST, port=8080, debug=debug)


def dev_server() -> None:
    app.run(host="0.0.0.0", port=5000, debug=True)
