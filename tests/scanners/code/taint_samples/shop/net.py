# ruff: noqa
# fmt: off
"""Network and process helpers: the sinks are here, the sources in the callers."""

import os
import subprocess
from urllib.parse import urlparse

import requests

PARTNERS = {"partner.example.org", "api.example.org"}


def fetch_url(url):
    return requests.get(url, timeout=10)  # expect: taint-ssrf


def fetch_checked(url):
    if urlparse(url).hostname not in PARTNERS:
        raise ValueError("unknown partner")
    return requests.get(url, timeout=10)


def build_command(name):
    return "convert " + name.strip() + " out.png"


def run(command):
    return subprocess.run(command, shell=True, check=False)  # expect: taint-shell-injection


def run_argv(argv):
    return subprocess.run(argv, check=False)


def thumbnail_path(name):
    return os.path.join("/srv/thumbs", os.path.basename(name))


class Client:
    def __init__(self, base):
        self.base = base
        self.session = requests.Session()

    def get(self, path):
        return self.session.get(self.base + path, timeout=10)  # expect: taint-ssrf


class Worker:
    def handle(self, job):
        self._convert(job["file"])

    def _convert(self, name):
        os.system("convert " + name)  # expect: taint-shell-injection
