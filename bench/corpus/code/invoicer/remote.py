# ruff: noqa
"""Talking to other systems: the bank API, the PDF renderer, SFTP drops, the mail relay."""

import ftplib
import smtplib
import ssl
import urllib.request

import paramiko
import requests

from invoicer import settings

BANK_API = "https://bank.example.com/api"


def fetch_rates() -> dict:
    return requests.get(f"{BANK_API}/rates").json()


def fetch_rates_safely() -> dict:
    return requests.get(f"{BANK_API}/rates", timeout=(3, 10)).json()


def submit_payment(payload: dict) -> dict:
    response = requests.post(f"{BANK_API}/payments", json=payload, verify=False, timeout=10)
    return response.json()


def submit_payment_private_ca(payload: dict) -> dict:
    response = requests.post(
        f"{BANK_API}/payments", json=payload, verify="/etc/invoicer/bank-ca.pem", timeout=10
    )
    return response.json()


def render_pdf(html: str) -> bytes:
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {settings.PDF_RENDERER_API_KEY}"
        return session.post("https://pdf.example.com/render", data=html).content


def legacy_context() -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def modern_context() -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    return ctx


def old_bank_context() -> ssl.SSLContext:
    return ssl.SSLContext(ssl.PROTOCOL_TLSv1)


def download_holidays() -> bytes:
    with urllib.request.urlopen("https://date.example.com/holidays.json", timeout=10) as r:
        return r.read()


def upload_statement(path: str, host: str, user: str) -> None:
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    client.connect(host, username=user, key_filename="/etc/invoicer/id_ed25519")
    client.open_sftp().put(path, "/drop/statement.csv")


def upload_statement_checked(path: str, host: str, user: str) -> None:
    client = paramiko.SSHClient()
    client.load_system_host_keys()
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    client.connect(host, username=user, key_filename="/etc/invoicer/id_ed25519")
    client.open_sftp().put(path, "/drop/statement.csv")


def upload_legacy(path: str) -> None:
    ftp = ftplib.FTP("ftp.partner.example.com")
    ftp.login("invoicer", settings.SMTP_PASSWORD)
    with open(path, "rb") as fh:
        ftp.storbinary("STOR statement.csv", fh)


def upload_legacy_tls(path: str) -> None:
    ftps = ftplib.FTP_TLS("ftp.partner.example.com")
    ftps.login("invoicer", settings.SMTP_PASSWORD)
    ftps.prot_p()
    with open(path, "rb") as fh:
        ftps.storbinary("STOR statement.csv", fh)


def send_mail(to: str, body: str) -> None:
    relay = smtplib.SMTP("mail.example.com", 587)
    relay.starttls(context=ssl.create_default_context())
    relay.login("invoicer", settings.SMTP_PASSWORD)
    relay.sendmail("billing@example.com", [to], body)


def connect_reporting_db():
    import psycopg

    return psycopg.connect(host="reports.internal", user="invoicer", password="Winter2024!prod")
