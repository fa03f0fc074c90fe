# ruff: noqa
# fmt: off
"""An operator command line: argparse sub-commands dispatched through set_defaults."""

import argparse
import shutil


def cmd_purge(args):
    shutil.rmtree("/srv/exports/" + args.name)  # expect: taint-path-traversal


def cmd_version(args):
    print("1.0")


def main(argv=None):
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    purge = sub.add_parser("purge")
    purge.add_argument("name")
    purge.set_defaults(func=cmd_purge)
    sub.add_parser("version").set_defaults(func=cmd_version)
    args = parser.parse_args(argv)
    return args.func(args)
