# ruff: noqa
# fmt: off
"""A script: command-line arguments, standard input, sockets, the environment and files."""

import argparse
import os
import pickle
import socket
import subprocess
import sys

import requests


def backup():
    parser = argparse.ArgumentParser()
    parser.add_argument("target")
    args = parser.parse_args()
    os.system("tar czf backup.tgz " + args.target)  # expect: taint-shell-injection
    subprocess.run(["tar", "czf", "backup.tgz", args.target], check=True)


def serve(port):
    with socket.create_server(("127.0.0.1", port)) as server:
        conn, _ = server.accept()
        frame = conn.recv(65536)
        return pickle.loads(frame)  # expect: taint-deserialization


def from_environment():
    requests.get(os.environ["STATUS_URL"], timeout=5)
    open(os.getenv("LOG_FILE", "app.log"))
    os.system(os.environ["BUILD_COMMAND"])  # expect: taint-shell-injection


code = input("> ")
exec(code)  # expect: taint-code-injection
os.system("ls " + sys.argv[1])  # expect: taint-shell-injection
os.system("ls " + str(len(sys.argv)))
