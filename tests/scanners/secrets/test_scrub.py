"""Redacting other tools' text with the secret scanner's redaction (``secrets/scrub.py``)."""

from __future__ import annotations

from scriptrunner.scanners.secrets.redact import redact
from scriptrunner.scanners.secrets.scrub import redact_text, string_literals


def test_detected_values_are_redacted_in_any_text() -> None:
    key = "AKIAQ4LMVW7ZD2XHRTSP"
    text = f"Found aws_access_key_id = '{key}' in settings"
    assert key not in redact_text(text) and redact(key) in redact_text(text)


def test_quoted_values_and_named_literals() -> None:
    assert redact_text("Possible hardcoded password: 'hunter2'", quoted=True) == (
        "Possible hardcoded password: '***'"
    )
    assert redact_text("token is s3cr3t-t0ken-value", ["s3cr3t-t0ken-value"]) == (
        "token is s3cr***"
    )
    assert redact_text("nothing secret here") == "nothing secret here"
    assert string_literals(["x = \"abc\" + 'd e'"]) == {"abc", "d e"}
