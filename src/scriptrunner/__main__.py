"""``python -m scriptrunner``."""

from __future__ import annotations

from scriptrunner.cli.main import entry

entry()
