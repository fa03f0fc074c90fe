"""Baselines: the fingerprints of accepted findings, so only new ones count.

The file keeps fingerprints (hashes) with the rule and path for humans reading a diff, never
source text, so a baseline of a secret scan cannot leak the secret.  Baselined findings are
not dropped: they move to ``ScanResult.suppressed`` with an ``external`` suppression.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from scriptrunner.errors import ConfigError
from scriptrunner.findings.model import Finding, ScanResult, Suppression

BASELINE_VERSION = 1


def load_baseline(path: Path) -> frozenset[str]:
    """The fingerprints in ``path``; a missing or malformed file is a ``ConfigError``."""
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"baseline {path} does not exist; create it with --update-baseline"
        ) from None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"baseline {path} cannot be read: {exc}") from exc
    entries = data.get("findings") if isinstance(data, dict) else None
    if not isinstance(entries, list) or data.get("version") != BASELINE_VERSION:
        raise ConfigError(
            f"baseline {path} is not a scriptrunner baseline (version {BASELINE_VERSION}); "
            "recreate it with --update-baseline"
        )
    try:
        return frozenset(str(e["fingerprint"]) for e in entries)
    except (KeyError, TypeError):
        raise ConfigError(f"baseline {path}: every entry needs a fingerprint") from None


def write_baseline(path: Path, findings: Iterable[Finding]) -> int:
    """Write the fingerprints of ``findings`` to ``path`` atomically; returns how many."""
    entries = sorted(
        {
            f.fingerprint: {
                "fingerprint": f.fingerprint,
                "rule_id": f.rule_id,
                "path": f.location.path,
            }
            for f in findings
        }.values(),
        key=lambda e: (e["path"], e["rule_id"], e["fingerprint"]),
    )
    text = json.dumps({"version": BASELINE_VERSION, "findings": entries}, indent=2) + "\n"
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ConfigError(f"cannot write baseline {path}: {exc.strerror}") from exc
    return len(entries)


def apply_baseline(result: ScanResult, fingerprints: frozenset[str], source: str) -> ScanResult:
    """Move the findings whose fingerprint is in the baseline to the suppressed ones."""
    keep: list[Finding] = []
    known: list[Finding] = []
    why = Suppression("external", f"accepted in baseline {source}")
    for f in result.findings:
        if f.fingerprint in fingerprints:
            known.append(dataclasses.replace(f, suppression=why))
        else:
            keep.append(f)
    return dataclasses.replace(
        result, findings=tuple(keep), suppressed=(*result.suppressed, *known)
    )
