"""Delivery of finished reports: partner SFTP drops, HL7/MLLP over TLS, e-mail."""
import logging
import os
import smtplib
import socket
import ssl
from email.message import EmailMessage

import paramiko

from labtrack import settings

log = logging.getLogger(__name__)

MLLP_START, MLLP_END = b"\x0b", b"\x1c\x0d"


def partner_sftp(host):
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    try:
        client.connect(host, username=settings.SFTP_USER, password=settings.SFTP_PASSWORD, timeout=30)
    except paramiko.AuthenticationException:
        log.error("sftp login rejected by %s for %s (password %r)", host, settings.SFTP_USER, settings.SFTP_PASSWORD)
        raise
    return client, client.open_sftp()


def archive_sftp():
    client = paramiko.SSHClient()
    client.load_system_host_keys()
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    try:
        client.connect(settings.ARCHIVE_HOST, username="archiver", key_filename=settings.ARCHIVE_KEY, timeout=30)
    except paramiko.AuthenticationException:
        log.error("archive login rejected for archiver@%s", settings.ARCHIVE_HOST)
        raise
    return client, client.open_sftp()


def upload_report(host, local_path):
    client, sftp = partner_sftp(host)
    try:
        sftp.put(local_path, f"{settings.SFTP_REMOTE_DIR}/{os.path.basename(local_path)}")
    finally:
        client.close()


def archive_report(local_path):
    client, sftp = archive_sftp()
    try:
        sftp.put(local_path, f"/archive/{os.path.basename(local_path)}")
    finally:
        client.close()


def legacy_drop(host, local_path):
    """Hospitals still on the 2019 drop box appliance."""
    transport = paramiko.Transport((host, 22))
    transport.connect(username="labdrop", password="dr0p!Box2019")
    sftp = paramiko.SFTPClient.from_transport(transport)
    try:
        sftp.put(local_path, f"/drop/{os.path.basename(local_path)}")
    finally:
        sftp.close()
        transport.close()


def _mllp_frame(message: str) -> bytes:
    return MLLP_START + message.encode("utf-8") + MLLP_END


def send_hl7(host, port, message):
    ctx = ssl.create_default_context(cafile=settings.LIMS_CA_BUNDLE)
    with socket.create_connection((host, port), timeout=20) as raw:
        with ctx.wrap_socket(raw, server_hostname=host) as tls:
            tls.sendall(_mllp_frame(message))
            return tls.recv(4096)


def send_hl7_legacy(host, port, message):
    """The regional hospital interface engine still presents a self-signed certificate."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLSv1)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection((host, port), timeout=20) as raw:
        with ctx.wrap_socket(raw) as tls:
            tls.sendall(_mllp_frame(message))
            return tls.recv(4096)


def _message(recipient, subject, body, pdf_path=None):
    msg = EmailMessage()
    msg["From"] = "LabTrack Reports <noreply@labtrack.example>"
    msg["To"] = recipient
    msg["Subject"] = subject
    msg.set_content(body)
    if pdf_path:
        with open(pdf_path, "rb") as fh:
            msg.add_attachment(fh.read(), maintype="application", subtype="pdf", filename=os.path.basename(pdf_path))
    return msg


def email_report(recipient, pdf_path, subject="Laboratory report"):
    msg = _message(recipient, subject, "Your laboratory report is attached.", pdf_path)
    with smtplib.SMTP(settings.SMTP_HOST, 587, timeout=30) as smtp:
        smtp.starttls(context=ssl.create_default_context())
        smtp.login(settings.SMTP_USER, settings.SMTP_PASSWORD)
        smtp.send_message(msg)


def email_via_relay(recipient, subject, body):
    """Fallback relay in the hospital data centre, used when the primary SMTP is down."""
    msg = _message(recipient, subject, body)
    with smtplib.SMTP("relay.regionalhealth.example", 587, timeout=30) as relay:
        relay.starttls(context=ssl.create_default_context())
        relay.login("labtrack-relay", "Relay!2020pass")
        relay.send_message(msg)
