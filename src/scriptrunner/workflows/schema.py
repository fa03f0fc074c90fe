"""The published JSON Schema of the workflow file format.

Editors use it for completion and inline checks (``# yaml-language-server: $schema=...``).
The loader does its own validation, with line numbers; a test keeps the two in agreement.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

SCHEMA_FILE = "workflow.schema.json"


def schema_text() -> str:
    """The schema as shipped inside the package (for ``scriptrunner workflow schema``)."""
    return resources.files("scriptrunner.workflows").joinpath(SCHEMA_FILE).read_text("utf-8")


def workflow_schema() -> dict[str, Any]:
    """The schema as a JSON Schema (draft 2020-12) document."""
    schema: dict[str, Any] = json.loads(schema_text())
    return schema
