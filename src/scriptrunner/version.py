"""The product's version: one source of truth, importable from any layer."""

from __future__ import annotations

__version__ = "7.0.0"
