# ruff: noqa
"""Operations: backups, housekeeping, the report worker."""

import os
import shlex
import socket
import subprocess
import sys

from invoicer import settings


def backup(database: str, target: str) -> None:
    subprocess.run(f"sqlite3 {database} .dump | gzip > {target}", shell=True, check=True)


def backup_safely(database: str, target: str) -> None:
    dump = subprocess.run(["sqlite3", database, ".dump"], capture_output=True, check=True)
    subprocess.run(["gzip", "-c"], input=dump.stdout, stdout=open(target, "wb"), check=True)


def rotate_logs() -> None:
    subprocess.run("find /var/log/invoicer -name '*.log' -mtime +30 -delete", shell=True)


def compress(path: str) -> None:
    subprocess.run("gzip -9 " + shlex.quote(path), shell=True, check=True)


def purge_customer_files(customer: str) -> None:
    os.system("rm -rf " + os.path.join(settings.ARCHIVE_DIR, customer))


def clear_screen() -> None:
    os.system("clear")


def git_revision(branch: str) -> str:
    return subprocess.getoutput("git rev-parse " + branch)


def disk_usage() -> str:
    return subprocess.check_output(["du", "-sh", settings.ARCHIVE_DIR], text=True)


def run_hook(name: str) -> None:
    hook = sys.argv[2] if len(sys.argv) > 2 else name
    subprocess.call(hook, shell=True)


def run_plugin(source: str) -> None:
    exec(compile(source, "<plugin>", "exec"), {"settings": settings})


def metrics_listener(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("0.0.0.0", port))
    sock.listen()
    return sock


def local_listener(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((settings.LISTEN_HOST, port))
    sock.listen()
    return sock


def is_wildcard(address: str) -> bool:
    return address in ("0.0.0.0", "::")


def worker_count() -> int:
    count = os.cpu_count() or 1
    assert count > 0
    return count
