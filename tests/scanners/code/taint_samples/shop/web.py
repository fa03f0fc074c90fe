# ruff: noqa
# fmt: off
"""Views calling helpers in other modules, through every form of import."""

import sqlite3

from flask import Flask, request, send_file

import shop.net as net
from shop import fetch_url
from . import store
from .net import Client, Worker, build_command, run, run_argv, thumbnail_path

app = Flask(__name__)


@app.route("/fetch")
def fetch():
    fetch_url(request.args["url"])
    net.fetch_checked(request.args["url"])
    fetch_url("https://example.org/health")
    return "ok"


@app.route("/convert")
def convert():
    run(build_command(request.args["file"]))
    run_argv(["convert", request.args["file"], "out.png"])
    return "ok"


@app.route("/users")
def users():
    conn = sqlite3.connect("shop.db")
    store.find_user(conn, request.args["name"])
    store.find_user_safely(conn, request.args["name"])
    store.sorted_users(conn, request.args["sort"])
    return "ok"


@app.route("/thumb")
def thumb():
    return send_file(thumbnail_path(request.args["name"]))


@app.route("/partner")
def partner():
    Client(request.args["base"]).get("/status")
    Client("https://api.example.org").get(request.args["path"])
    Worker().handle(request.get_json())
    return "ok"
