"""Background job worker: a Redis list as the queue, plus the instrument bridge socket."""
import json
import logging
import os
import pickle
import socket
import subprocess
import tempfile
import time

import jwt
import redis
import yaml

from labtrack import db, security, settings
from labtrack.instruments import importer
from labtrack.reports import delivery

log = logging.getLogger("labtrack.jobs")

QUEUE = "labtrack:jobs"
PID_FILE = "/tmp/labtrack-worker.pid"
_redis = redis.Redis.from_url(settings.REDIS_URL)


def enqueue(name, payload, auth_token=None):
    _redis.rpush(QUEUE, json.dumps({"job": name, "payload": payload, "auth": auth_token, "attempt": 0}))


def _next_job(block_seconds=5):
    item = _redis.blpop(QUEUE, timeout=block_seconds)
    return json.loads(item[1]) if item else None


def _job_claims(job):
    token = job.get("auth")
    if not token:
        return {}
    return jwt.decode(token, settings.JWT_SECRET, algorithms=["HS256"], options={"verify_signature": False})


# --- handlers ------------------------------------------------------------------

def run_import(payload):
    importer.import_run(payload["path"], payload["instrument"])


def run_conversion(payload):
    """Convert a vendor file with the converter chosen on the upload form."""
    converter = payload.get("converter", "cat")
    out = payload["path"] + ".csv"
    os.system(converter + " " + payload["path"] + " > " + out)
    return out


def run_manifest(payload):
    manifest = yaml.unsafe_load(payload["manifest"])
    with db.get_connection() as conn:
        for item in manifest.get("samples", []):
            db.update_status(conn, int(item["id"]), "in-transit", payload.get("partner", "partner"))


def run_reindex(payload):
    subprocess.run(["labtrack-reindex", "--since-days", str(int(payload["since_days"])), "--quiet"], check=True, timeout=3600)


def run_delivery(payload):
    delivery.upload_report(payload["host"], payload["pdf"])


def load_worker_config():
    with open(settings.WORKER_CONFIG, encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


def spool_report(data: bytes):
    with tempfile.NamedTemporaryFile(prefix="lt-report-", suffix=".pdf", delete=False) as tmp:
        tmp.write(data)
        return tmp.name


HANDLERS = {
    "import_run": run_import,
    "convert": run_conversion,
    "manifest": run_manifest,
    "reindex": run_reindex,
    "deliver": run_delivery,
}


def dispatch(job):
    claims = _job_claims(job)
    log.info("running %s for %s", job["job"], claims.get("sub", "system"))
    log.debug("job %s auth header: Bearer %s", job["job"], job.get("auth"))
    HANDLERS[job["job"]](job["payload"])


def write_pidfile():
    with open(PID_FILE, "w") as fh:
        fh.write(str(os.getpid()))


def work_forever():
    write_pidfile()
    config = load_worker_config()
    log.info("worker started with %d handlers, config keys %s", len(HANDLERS), sorted(config))
    while True:
        job = _next_job()
        if job is None:
            continue
        try:
            dispatch(job)
        except Exception:
            log.exception("job %s failed", job.get("job"))
            job["attempt"] = job.get("attempt", 0) + 1
            if job["attempt"] < 5:
                time.sleep(security.retry_delay(job["attempt"]))
                _redis.rpush(QUEUE, json.dumps(job))


# --- instrument bridge ---------------------------------------------------------

def _read_frame(conn):
    size = int.from_bytes(conn.recv(4), "big")
    buf = b""
    while len(buf) < size:
        chunk = conn.recv(size - len(buf))
        if not chunk:
            break
        buf += chunk
    return buf


def _decode_frame(frame):
    return pickle.loads(frame)


def serve_instrument_bridge(host, port=9750):
    """Accept result frames from the instrument bridge PCs on the lab network."""
    with socket.create_server((host, port)) as srv:
        while True:
            conn, addr = srv.accept()
            with conn:
                message = _decode_frame(_read_frame(conn))
                log.info("bridge frame from %s: %s results", addr[0], len(message.get("results", [])))
                enqueue("import_run", {"path": message["path"], "instrument": message["instrument"]})
