"""Fixtures of the cost tests: the bundled catalogs, a moto server for Cost Explorer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fixtures.price_apis import moto_server as start_moto
from scriptrunner.costs import Catalogs


@pytest.fixture(scope="session")
def catalogs() -> Catalogs:
    """The bundled catalogs (no home: a refreshed local copy never leaks into tests)."""
    return Catalogs(None)


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """A real moto server on a free loopback port; yields its endpoint URL."""
    with start_moto() as url:
        yield url


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Fake AWS credentials (moto and the stand-ins accept any signature)."""
    env = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return env


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"
