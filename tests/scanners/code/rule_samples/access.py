# ruff: noqa
# Samples for rules/access.yaml.
import ftplib
import hmac
import smtplib

import ldap
import paramiko
import psycopg2
import pymysql
import requests
import sqlalchemy
from requests.auth import HTTPBasicAuth


def delete_shelf(request, shelf, user, token, expected):
    # level: WARNING
    # ruleid: sr-assert-access-control
    assert request.user.is_staff, "staff only"
    # ruleid: sr-assert-access-control
    assert user.has_perm("inventory.delete_shelf")
    # ruleid: sr-assert-access-control
    assert shelf.owner_id == user.id
    # ruleid: sr-assert-access-control
    assert hmac.compare_digest(token, expected), "bad token"
    # ruleid: sr-assert-access-control
    assert user.role == "manager"
    # ruleid: sr-assert-access-control
    assert "auditor" in user.roles
    # level: INFO
    # ok: sr-assert-access-control
    assert isinstance(shelf.id, int)
    # ok: sr-assert-access-control
    assert len(shelf.items) < 500, "shelf too full"
    # ok: sr-assert-access-control
    assert "role" in request.json, "role field missing"
    # ok: sr-assert-access-control
    assert user is not None
    # ok: sr-assert-access-control
    assert shelf.row_group == 0
    # ok: sr-assert-access-control
    assert request.auth_scheme.lower() == "digest"
    shelf.delete()


def test_only_staff_may_delete(user):
    # ok: sr-assert-access-control
    assert user.is_staff


def connect_everything(host: str, user: str, env: dict[str, str]) -> None:
    mail = smtplib.SMTP_SSL(host)
    # ruleid: sr-login-literal-password
    mail.login("reports", "Sp4rrow-Nest-81")
    # ok: sr-login-literal-password
    mail.login("reports", env["SMTP_PASSWORD"])
    ftp = ftplib.FTP_TLS(host)
    # ok: sr-login-literal-password
    ftp.login("anonymous", "guest@example.org")
    # ok: sr-login-literal-password
    ftp.login(user, "")
    # ruleid: sr-login-literal-password
    ftplib.FTP(host, "mirror", "m1rr0r-pass")
    conn = ldap.initialize("ldaps://ldap.example.org")
    # ruleid: sr-login-literal-password
    conn.simple_bind_s("cn=reader,dc=example,dc=org", "re4der!")
    # ok: sr-login-literal-password
    conn.simple_bind_s("cn=reader,dc=example,dc=org", "${LDAP_PASSWORD}")
    # ruleid: sr-login-literal-password
    basic = HTTPBasicAuth("svc", "hunter2-but-longer")
    requests.get("https://api.example.org", auth=basic, timeout=5)
    # ruleid: sr-login-literal-password
    requests.get("https://api.example.org", auth=("svc", "hunter2-but-longer"), timeout=5)
    # ok: sr-login-literal-password
    requests.get("https://api.example.org", auth=("svc", env["API_PASSWORD"]), timeout=5)
    # ruleid: sr-login-literal-password
    pymysql.connect(host, "inventory", "In-v3ntory")
    ssh = paramiko.SSHClient()
    # ruleid: sr-login-literal-password
    ssh.connect(host, 22, "deploy", "d3ploy-Key")
    # ok: sr-login-literal-password
    ssh.connect(host, 22, "deploy", key_filename="/etc/keys/deploy")


def databases(env: dict[str, str]) -> None:
    # ruleid: sr-credentials-in-url
    sqlalchemy.create_engine("postgresql://inventory:St0ck-Take@db.example.org/inventory")
    # ok: sr-credentials-in-url
    sqlalchemy.create_engine("postgresql://inventory@db.example.org/inventory")
    # ok: sr-credentials-in-url
    sqlalchemy.create_engine("postgresql://{user}:{password}@{host}/inventory".format(**env))
    # ruleid: sr-credentials-in-url
    psycopg2.connect("host=db.example.org dbname=inventory user=app password=St0ck-Take")
    # ok: sr-credentials-in-url
    psycopg2.connect("host=db.example.org dbname=inventory user=app", password=env["PGPASSWORD"])
    # ruleid: sr-credentials-in-url
    BROKER_URL = "amqp://worker:Rabb1t-Hole@mq.example.org:5672//"
    # ok: sr-credentials-in-url
    DOCS_URL = "https://docs.example.org:8443/guide"
    # ok: sr-credentials-in-url
    """A docstring may show the form, e.g. "postgresql://user:secret@host/db"."""
