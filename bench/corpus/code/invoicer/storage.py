# ruff: noqa
"""Files: caches, configuration, imports and exports, archives."""

import json
import marshal
import os
import pickle
import shutil
import tarfile
import tempfile
import zipfile
from pathlib import Path

import yaml

CACHE_DIR = Path(os.environ.get("INVOICER_CACHE", "~/.cache/invoicer")).expanduser()


def load_cached_report(blob: bytes) -> dict:
    return pickle.loads(blob)


def save_cached_report(report: dict) -> bytes:
    return pickle.dumps(report, protocol=pickle.HIGHEST_PROTOCOL)


def load_rules(path: str) -> dict:
    with open(path, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=yaml.FullLoader)


def load_config(path: str) -> dict:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def load_template_meta(text: str) -> dict:
    return yaml.load(text, Loader=yaml.SafeLoader)


def load_precompiled(blob: bytes):
    return marshal.loads(blob)


def load_export(path: str) -> dict:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def export_csv(rows: list[str]) -> str:
    path = tempfile.mktemp(suffix=".csv")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("\n".join(rows))
    return path


def export_csv_safely(rows: list[str]) -> str:
    fd, path = tempfile.mkstemp(suffix=".csv")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write("\n".join(rows))
    return path


def write_debug_dump(data: str) -> None:
    with open("/tmp/invoicer-debug.json", "w", encoding="utf-8") as fh:
        fh.write(data)


def scratch_dir() -> str:
    return tempfile.mkdtemp(prefix="invoicer-")


def restore_backup(archive: str, dest: str) -> None:
    with tarfile.open(archive, "r:gz") as tar:
        tar.extractall(dest)


def import_attachments(archive: str, dest: str) -> None:
    with tarfile.open(archive) as tar:
        tar.extractall(dest, filter="data")


def import_statements(archive: str, dest: str) -> None:
    with zipfile.ZipFile(archive) as zf:
        for member in zf.infolist():
            target = os.path.join(dest, member.filename)
            with open(target, "wb") as out:
                out.write(zf.read(member))


def import_receipts(archive: str, dest: str) -> None:
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(dest)


def publish(path: str, shared: str) -> None:
    shutil.copy(path, shared)
    os.chmod(shared, 0o777)


def protect(path: str) -> None:
    os.chmod(path, 0o600)
    os.makedirs(os.path.dirname(path), mode=0o750, exist_ok=True)


def lock_file() -> str:
    return os.path.join(tempfile.gettempdir(), "invoicer.lock")
