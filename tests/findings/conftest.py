"""Fixtures of the findings tests."""

from __future__ import annotations

import pytest
from findings_sample import sample_result

from scriptrunner.findings.model import ScanResult


@pytest.fixture
def result() -> ScanResult:
    return sample_result()
