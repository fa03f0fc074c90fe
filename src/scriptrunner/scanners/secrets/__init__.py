"""Secret scanning: provider keys, private keys, tokens and generic credentials in files,
the git index and git history; redacted everywhere, fingerprinted for baselines.

Heavy pieces (pyahocorasick, multiprocessing) load only when a scan runs.
"""

from __future__ import annotations

from scriptrunner.scanners.secrets.redact import redact
from scriptrunner.scanners.secrets.scanner import CONFIDENCES, SecretsScanner, parse_confidence

__all__ = ["CONFIDENCES", "SecretsScanner", "parse_confidence", "redact"]
