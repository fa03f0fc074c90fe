"""Sample store: filesystem layout, handheld scanner imports and label printing."""
import csv
import logging
import os
import shlex
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlparse

import requests

from labtrack import db, settings

log = logging.getLogger(__name__)

LABEL_PRINTERS = ("reception-1", "reception-2", "phlebotomy", "microbiology")
ZPL_TEMPLATE = "^XA^FO50,40^BY2^BCN,90,Y,N,N^FD{barcode}^FS^FO50,160^A0N,28,28^FD{label}^FS^XZ"


# --- filesystem layout ---------------------------------------------------------

def ensure_layout():
    for directory in (settings.UPLOAD_DIR, settings.REPORT_DIR, settings.EXPORT_DIR, settings.MANIFEST_DIR):
        os.makedirs(directory, mode=0o750, exist_ok=True)
    # the drop folder is shared with the courier scanning PCs over SMB
    os.makedirs(settings.SHARED_DROP_DIR, exist_ok=True)
    os.chmod(settings.SHARED_DROP_DIR, 0o777)


def attachment_path(sample_id, name):
    return os.path.join(settings.UPLOAD_DIR, sample_id, name)


def report_path(name):
    """Resolve a report file name inside REPORT_DIR, refusing anything that escapes it."""
    base = os.path.realpath(settings.REPORT_DIR)
    candidate = os.path.realpath(os.path.join(base, name))
    if os.path.commonpath([base, candidate]) != base:
        raise PermissionError(f"report path outside the store: {name!r}")
    return candidate


def rack_file(rack_id):
    return settings.STORE_ROOT / "racks" / f"{int(rack_id):06d}.json"


def is_local_url(url):
    if not url:
        return False
    parts = urlparse(url)
    return not parts.scheme and not parts.netloc and url.startswith("/") and not url.startswith("//")


def write_export(name, data: bytes):
    target = Path(settings.EXPORT_DIR) / os.path.basename(name)
    target.write_bytes(data)
    os.chmod(target, 0o640)
    return target


def fetch_sample_photo(sample_id, photo_url):
    """The courier app uploads a photo of the sample box to its CDN and sends us the URL."""
    resp = requests.get(photo_url, timeout=10)
    resp.raise_for_status()
    target = Path(settings.UPLOAD_DIR) / str(int(sample_id)) / "photo.jpg"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(resp.content)
    return target


# --- label printing ------------------------------------------------------------

def render_zpl(barcode, label=""):
    return ZPL_TEMPLATE.format(barcode=barcode, label=label[:32])


def print_label(barcode, printer, label=""):
    """Send a ZPL label to a CUPS raw queue."""
    fd, spool_path = tempfile.mkstemp(prefix="label-", suffix=".zpl")
    with os.fdopen(fd, "w") as fh:
        fh.write(render_zpl(barcode, label))
    try:
        subprocess.run(f"lp -d {printer} -o raw {spool_path}", shell=True, check=True, timeout=30)
    finally:
        os.unlink(spool_path)


def reprint_label(barcode, printer):
    if printer not in LABEL_PRINTERS:
        raise ValueError(f"unknown printer {printer}")
    fd, spool_path = tempfile.mkstemp(prefix="reprint-", suffix=".zpl")
    with os.fdopen(fd, "w") as fh:
        fh.write(render_zpl(barcode, "REPRINT"))
    subprocess.run(["lp", "-d", printer, "-o", "raw", spool_path], check=True, timeout=30)
    os.unlink(spool_path)


def printer_queue(printer):
    cmd = "lpstat -o " + shlex.quote(printer)
    return subprocess.check_output(cmd, shell=True, text=True, timeout=10)


def barcode_png(barcode, out_path):
    subprocess.run(["zint", "-b", "20", "--notext", "-d", barcode, "-o", out_path], check=True, timeout=30)


# --- handheld scanner imports ---------------------------------------------------

def import_scanner_dump(file_name):
    """Import a CSV dump that a handheld scanner left in the drop folder.

    Columns: barcode, rack, position, scanned_at.
    """
    csv_path = os.path.join(settings.SHARED_DROP_DIR, os.path.basename(file_name))
    imported = 0
    with open(csv_path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if db.cache_lookup(settings.SCANNER_CACHE, row["barcode"]) is not None:
                continue
            db.cache_store(settings.SCANNER_CACHE, row["barcode"], f'{row["rack"]}:{row["position"]}')
            imported += 1
    log.info("imported %d scans from %s", imported, csv_path)
    return imported


def export_scan_batch(batch_id, rows):
    tmp_name = tempfile.mktemp(prefix=f"scan-batch-{batch_id}-", suffix=".csv")
    with open(tmp_name, "w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return tmp_name


def scanner_firmware(device):
    """Firmware string reported by a USB scanner (device is e.g. /dev/ttyACM0)."""
    return os.popen("scannerctl --device %s --version" % device).read().strip()
