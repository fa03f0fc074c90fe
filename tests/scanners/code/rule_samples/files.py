# ruff: noqa
# Samples for rules/files.yaml.
import os
import shutil
import tarfile
import tempfile
import zipfile
from pathlib import Path


def temp(data: bytes) -> None:
    # ruleid: sr-tempfile-mktemp
    name = tempfile.mktemp(suffix=".json")
    # ok: sr-tempfile-mktemp
    fd, other = tempfile.mkstemp(suffix=".json")
    # ruleid: sr-hardcoded-tmp-path
    with open("/tmp/report.csv", "w") as fh:
        fh.write("x")
    # ok: sr-hardcoded-tmp-path
    with tempfile.NamedTemporaryFile("w", suffix=".csv") as tmp:
        tmp.write("x")
    # ok: sr-hardcoded-tmp-path
    with open("/etc/hostname") as fh2:
        fh2.read()
    # ruleid: sr-hardcoded-tmp-path
    shutil.copy(name, "/tmp/latest.json")
    print(fd, other, data)


def untar(archive: str, dest: str) -> None:
    with tarfile.open(archive) as tar:
        # level: HIGH
        # ruleid: sr-tarfile-extract
        tar.extractall(dest)
    with tarfile.open(archive) as tar2:
        # ok: sr-tarfile-extract
        tar2.extractall(dest, filter="data")
    tf = tarfile.open(archive, "r:gz")
    # ruleid: sr-tarfile-extract
    tf.extract("member.txt", dest)
    with zipfile.ZipFile(archive) as zf:
        # level: INFO
        # ok: sr-tarfile-extract
        zf.extractall(dest)
    with tarfile.open(archive) as tar3:
        # level: INFO
        # ok: sr-tarfile-extract
        tar3.extractall(dest, members=_regular_files_only(tar3))
    with tarfile.open(archive) as tar4:
        # ruleid: sr-tarfile-extract
        tar4.extractall(dest, members=tar4.getmembers())


def _regular_files_only(tar: tarfile.TarFile) -> list[tarfile.TarInfo]:
    return [
        m
        for m in tar.getmembers()
        if m.isfile() and not os.path.isabs(m.name) and ".." not in m.name
    ]


def unzip(archive: str, dest: str) -> None:
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            # ruleid: sr-zip-slip
            with open(os.path.join(dest, info.filename), "wb") as out:
                out.write(zf.read(info))
    with zipfile.ZipFile(archive) as zf3:
        for entry in zf3.infolist():
            path = os.path.join(dest, entry.filename)
            # ruleid: sr-zip-slip
            with open(path, "wb") as out3:
                out3.write(zf3.read(entry))
    with zipfile.ZipFile(archive) as zf2:
        for member in zf2.infolist():
            target = os.path.realpath(os.path.join(dest, member.filename))
            if target.startswith(os.path.realpath(dest) + os.sep):
                # ok: sr-zip-slip
                with open(target, "wb") as out2:
                    out2.write(zf2.read(member))


def perms(path: str) -> None:
    # ruleid: sr-world-writable
    os.chmod(path, 0o777)
    # ok: sr-world-writable
    os.chmod(path, 0o600)
    # ruleid: sr-world-writable
    os.makedirs(path, mode=0o777, exist_ok=True)
    # ok: sr-world-writable
    Path(path).chmod(0o750)
