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


def convert():
    source, name = sys.argv[1], sys.argv[2]
    with open(source) as fh:  # the file its user names: what the program is for
        data = fh.read()
    with open(os.path.join("/srv/out", name), "w") as out:  # expect: taint-path-traversal
        out.write(data)
    requests.get(sys.argv[3], timeout=5)  # the URL its user gives: the same
    subprocess.run(["convert", *sys.argv[1:]], check=True)
    subprocess.run([sys.executable] + sys.argv[1:], check=True)


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
