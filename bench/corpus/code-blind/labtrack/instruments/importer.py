"""Import of instrument result files: CSV exports, vendor ZIP bundles, raw trace tarballs."""
import ast
import csv
import logging
import os
import shutil
import tarfile
import zipfile
from pathlib import Path
from urllib.parse import urlparse

import requests
import yaml

from labtrack import security, settings
from labtrack.instruments import xmlformats

log = logging.getLogger(__name__)

INBOX = Path(settings.INSTRUMENT_INBOX)
PROFILE_DIR = Path(__file__).resolve().parent / "profiles"
KNOWN_PROFILES = {
    "cobas-c311": "cobas_c311.yaml",
    "sysmex-xn": "sysmex_xn.yaml",
    "architect-i1000": "architect_i1000.yaml",
}


def stage_upload(filename, data: bytes):
    """Store an uploaded run file in the instrument inbox and return its path."""
    INBOX.mkdir(parents=True, exist_ok=True)
    dest = INBOX / filename
    dest.write_bytes(data)
    return dest


def fetch_remote_run(url):
    """Pull a run file that an instrument middleware published over HTTP."""
    resp = requests.get(url, timeout=60)
    resp.raise_for_status()
    return stage_upload(os.path.basename(urlparse(url).path) or "remote-run.csv", resp.content)


def load_profile(instrument):
    with open(PROFILE_DIR / KNOWN_PROFILES[instrument], encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def load_run_metadata(bundle_dir):
    with open(os.path.join(bundle_dir, "run.yaml"), encoding="utf-8") as fh:
        return yaml.load(fh, Loader=yaml.Loader)


# --- archives ------------------------------------------------------------------

def extract_bundle(bundle_path, dest):
    """Vendor bundles hold results.csv, run.yaml and raw traces, possibly in subfolders."""
    with zipfile.ZipFile(bundle_path) as zf:
        for member in zf.infolist():
            if member.is_dir():
                continue
            target = os.path.join(dest, member.filename)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with zf.open(member) as src, open(target, "wb") as out:
                shutil.copyfileobj(src, out)


def extract_qc_bundle(bundle_path, dest):
    with zipfile.ZipFile(bundle_path) as zf:
        zf.extractall(dest)


def extract_traces(archive_path, dest):
    with tarfile.open(archive_path, "r:*") as tar:
        tar.extractall(dest)


def extract_calibration(archive_path, dest):
    with tarfile.open(archive_path, "r:gz") as tar:
        tar.extractall(dest, filter="data")


def _members_within(tar, dest):
    root = os.path.realpath(dest)
    for member in tar.getmembers():
        target = os.path.realpath(os.path.join(root, member.name))
        if member.issym() or member.islnk() or not target.startswith(root + os.sep):
            raise ValueError(f"unsafe archive member {member.name!r}")
        yield member


def extract_service_logs(archive_path, dest):
    with tarfile.open(archive_path) as tar:
        tar.extractall(dest, members=_members_within(tar, dest))


# --- CSV results ---------------------------------------------------------------

def _dilution_factor(raw):
    """Dilution is exported as '1', '1:10' or '1/10' depending on the firmware."""
    raw = (raw or "1").replace(":", "/")
    return float(eval(raw))


def _flags(raw):
    return ast.literal_eval(raw) if raw else []


def import_csv(path, instrument):
    profile = load_profile(instrument)
    results = []
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh, delimiter=profile.get("delimiter", ","))
        header = reader.fieldnames or []
        assert len(header) == len(set(header)), "duplicate column names in export"
        for rec in reader:
            value = float(rec[profile["value_column"]]) * _dilution_factor(rec.get("Dilution"))
            results.append({
                "barcode": rec[profile["barcode_column"]],
                "analyte": rec["Test"],
                "value": value,
                "flags": _flags(rec.get("Flags")),
            })
    return results


def import_run(path, instrument):
    path = Path(path)
    work = settings.DATA_ROOT / "work" / path.stem
    if path.suffix == ".zip":
        extract_bundle(path, work)
        meta = load_run_metadata(work)
        log.info("bundle from %s run %s", meta.get("instrument_serial"), meta.get("run_id"))
        results = import_csv(work / "results.csv", instrument)
    elif path.suffix in {".tgz", ".tar"}:
        extract_traces(path, work)
        results = import_csv(work / "results.csv", instrument)
    elif path.suffix == ".xml":
        results = xmlformats.parse_lis_export(path.read_bytes())
    else:
        results = import_csv(path, instrument)
    log.info("run %s: %d results (checksum %s)", path.name, len(results), security.file_checksum(path))
    return results
