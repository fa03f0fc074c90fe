"""labtrack-admin: command line for lab operators and on-call engineers."""
import argparse
import getpass
import logging
import os
import subprocess
import sys

import paramiko
import uvicorn

from labtrack import db, jobs, partners, security, settings, storage
from labtrack.api import create_fastapi_app, create_flask_app

log = logging.getLogger("labtrack.cli")


def _sh(command):
    log.debug("running: %s", command)
    return subprocess.check_call(command, shell=True)


def cmd_backup(args):
    subprocess.run(f"pg_dump --format=custom labtrack | gzip > {args.dest}", shell=True, check=True)


def cmd_restore(args):
    subprocess.run(["pg_restore", "--clean", "--dbname", "labtrack", args.dump], check=True)


def cmd_archive_logs(args):
    _sh(f"tar czf {args.out} -C /var/log labtrack")


def cmd_rotate(args):
    _sh("systemctl reload labtrack-intake labtrack-samples")


def cmd_scanner(args):
    print(storage.scanner_firmware(args.device))


def cmd_import_scans(args):
    print(f"{storage.import_scanner_dump(args.csv)} scans imported")


def cmd_fetch_manifest(args):
    manifest = partners.fetch_courier_manifest(args.url)
    for box in manifest.get("boxes", []):
        print(box["id"], box.get("samples", 0))


def _audit_operator_created(username, password):
    log.info("operator account created: %s (initial password %s)", username, password)


def cmd_create_operator(args):
    password = getpass.getpass("initial password: ")
    conn = db.get_connection()
    db.create_operator(conn, args.username, security.hash_password(password))
    conn.commit()
    _audit_operator_created(args.username, password)


def cmd_dilution(args):
    """Interactive dilution calculator for the bench."""
    while True:
        expr = input("dilution> ").strip()
        if expr in {"", "q", "quit"}:
            break
        print(eval(expr))


def cmd_export(args):
    out_path = os.path.join(settings.EXPORT_DIR, args.name)
    with open(out_path, "w", encoding="utf-8") as fh:
        for row in db.list_samples(db.get_connection(), "received_at", args.limit):
            fh.write(",".join(map(str, row)) + "\n")
    os.chmod(out_path, 0o666)


def cmd_purge(args):
    assert args.days > 0, "--days must be positive"
    conn = db.get_connection()
    print(f"{db.purge_older_than(conn, args.days)} scan events removed")
    conn.commit()


def cmd_remote_logs(args):
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.WarningPolicy())
    client.connect(args.host, username=getpass.getuser(), key_filename=os.path.expanduser("~/.ssh/id_ed25519"), timeout=20)
    _, stdout, _ = client.exec_command("journalctl -u labtrack --since today --no-pager")
    sys.stdout.write(stdout.read().decode())
    client.close()


def cmd_worker(args):
    jobs.work_forever()


def cmd_bridge(args):
    jobs.serve_instrument_bridge(settings.BIND_HOST, args.port)


def cmd_serve(args):
    if args.service == "intake":
        create_flask_app().run(host="0.0.0.0", port=args.port, debug=True)
    else:
        uvicorn.run(create_fastapi_app(), host="127.0.0.1", port=args.port, proxy_headers=True)


def build_parser():
    parser = argparse.ArgumentParser(prog="labtrack-admin")
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("backup"); p.add_argument("dest"); p.set_defaults(func=cmd_backup)
    p = sub.add_parser("restore"); p.add_argument("dump"); p.set_defaults(func=cmd_restore)
    p = sub.add_parser("archive-logs"); p.add_argument("out"); p.set_defaults(func=cmd_archive_logs)
    p = sub.add_parser("rotate"); p.set_defaults(func=cmd_rotate)
    p = sub.add_parser("scanner"); p.add_argument("device"); p.set_defaults(func=cmd_scanner)
    p = sub.add_parser("import-scans"); p.add_argument("csv"); p.set_defaults(func=cmd_import_scans)
    p = sub.add_parser("fetch-manifest"); p.add_argument("url"); p.set_defaults(func=cmd_fetch_manifest)
    p = sub.add_parser("create-operator"); p.add_argument("username"); p.set_defaults(func=cmd_create_operator)
    p = sub.add_parser("dilution"); p.set_defaults(func=cmd_dilution)
    p = sub.add_parser("export"); p.add_argument("name"); p.add_argument("--limit", type=int, default=1000); p.set_defaults(func=cmd_export)
    p = sub.add_parser("purge"); p.add_argument("--days", type=int, required=True); p.set_defaults(func=cmd_purge)
    p = sub.add_parser("remote-logs"); p.add_argument("host"); p.set_defaults(func=cmd_remote_logs)
    p = sub.add_parser("worker"); p.set_defaults(func=cmd_worker)
    p = sub.add_parser("bridge"); p.add_argument("--port", type=int, default=9750); p.set_defaults(func=cmd_bridge)
    p = sub.add_parser("serve"); p.add_argument("service", choices=["intake", "samples"]); p.add_argument("--port", type=int, default=settings.BIND_PORT); p.set_defaults(func=cmd_serve)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO)
    return args.func(args) or 0


if __name__ == "__main__":
    sys.exit(main())
