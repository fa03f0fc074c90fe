# ruff: noqa
# Samples for rules/injection.yaml: "# ruleid: ID" marks a line ID must report,
# "# ok: ID" a near-miss it must not.
import asyncio
import os
import shlex
import sqlite3
import subprocess
import sys

import jinja2
import paramiko
import sqlalchemy
from flask import render_template_string, request

TABLE = "users"


def shell(name: str, conn: sqlite3.Connection) -> None:
    # ruleid: sr-subprocess-shell
    subprocess.run(f"tar czf {name}.tgz data/", shell=True, check=True)
    # ok: sr-subprocess-shell
    subprocess.run(["tar", "czf", f"{name}.tgz", "data/"], check=True)
    # level: INFO
    # ok: sr-subprocess-shell
    subprocess.run("ls -l /var/log | wc -l", shell=True, check=True)
    # ok: sr-subprocess-shell
    subprocess.run("gzip " + shlex.quote(name), shell=True, check=True)
    # ruleid: sr-subprocess-shell
    subprocess.Popen("gzip " + name, shell=True)
    # ruleid: sr-subprocess-getoutput
    subprocess.getoutput("du -sh " + name)
    # ok: sr-subprocess-getoutput
    subprocess.getoutput("uptime")
    # ruleid: sr-os-system
    os.system("rm -rf /tmp/cache/" + name)
    # ok: sr-os-system
    os.system("sync")
    # ruleid: sr-os-system
    os.popen(f"ping -c1 {name}")
    quoted = "du -sh " + shlex.quote(name)
    # ok: sr-subprocess-shell
    subprocess.check_output(quoted, shell=True)
    built = "du -sh " + name
    # ruleid: sr-subprocess-shell
    subprocess.check_output(built, shell=True)


def remote(host: str, unit: str) -> None:
    client = paramiko.SSHClient()
    client.load_system_host_keys()
    client.connect(host)
    # level: HIGH
    # ruleid: sr-ssh-exec-format
    client.exec_command(f"systemctl restart {unit}")
    # ok: sr-ssh-exec-format
    client.exec_command("systemctl restart " + shlex.quote(unit))
    # level: INFO
    # ok: sr-ssh-exec-format
    client.exec_command("uptime")


def templates(title: str, body: str) -> str:
    env = jinja2.Environment(autoescape=True)
    # ruleid: sr-template-format
    page = jinja2.Template("<h2>" + title + "</h2>{{ body }}", autoescape=True).render(body=body)
    # ruleid: sr-template-format
    page += env.from_string(f"<h2>{title}</h2>").render()
    # ruleid: sr-template-format
    page += render_template_string("<p>%s</p>" % body)
    # ok: sr-template-format
    page += env.from_string("<h2>{{ title }}</h2>").render(title=title)
    # ok: sr-template-format
    page += render_template_string("<p>{{ body }}</p>", body=body)
    return page


async def ashell(host: str) -> None:
    # ruleid: sr-os-system
    await asyncio.create_subprocess_shell(f"ping -c 1 {host}")
    # ok: sr-os-system
    await asyncio.create_subprocess_exec("ping", "-c", "1", host)


def handler() -> None:
    host = request.args.get("host", "")
    # ruleid: sr-shell-request-taint
    os.system("nslookup " + host)
    cmd = sys.argv[1]
    # ruleid: sr-shell-request-taint
    subprocess.call(cmd, shell=True)
    # ok: sr-shell-request-taint
    subprocess.call(["nslookup", host])


def evaluate(expr: str, code: str) -> object:
    # ruleid: sr-eval
    value = eval(expr)
    # ruleid: sr-eval
    exec(code, {})
    # ok: sr-eval
    exec("import math", {})
    import ast

    # ok: sr-eval
    return ast.literal_eval(expr) or value


def sql(conn: sqlite3.Connection, user: str, table: str) -> None:
    cur = conn.cursor()
    # ruleid: sr-sql-format
    cur.execute(f"SELECT * FROM users WHERE name = '{user}'")
    # ok: sr-sql-format
    cur.execute("SELECT * FROM users WHERE name = ?", (user,))
    # ok: sr-sql-format
    cur.execute(f"SELECT * FROM {TABLE} WHERE name = ?", (user,))
    # ruleid: sr-sql-format
    cur.execute("DELETE FROM users WHERE name = '%s'" % user)
    # ruleid: sr-sql-format
    conn.execute("UPDATE users SET seen = 1 WHERE name = '{}'".format(user))
    query = "SELECT id FROM " + table + " WHERE active = 1"
    # ruleid: sr-sql-format
    cur.execute(query)
    safe = "SELECT id FROM users WHERE name = ?"
    # ok: sr-sql-format
    cur.execute(safe, (user,))
    # ok: sr-sql-format
    cur.execute(safe + " ORDER BY name", (user,))
    # ruleid: sr-sqlalchemy-text-format
    sqlalchemy.text(f"SELECT * FROM t WHERE name = '{user}'")
    # ok: sr-sqlalchemy-text-format
    sqlalchemy.text("SELECT * FROM t WHERE name = :name")
