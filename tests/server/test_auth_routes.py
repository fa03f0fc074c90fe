"""Auth on every route, generated from the server's own OpenAPI document: a new route is
covered the day it is added (no token → 401, viewer on an operator action → 403), plus the
WebSocket, and Origin checks for cookie-authenticated actions."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from tests.fixtures.server import Served, serve

pytestmark = pytest.mark.slow

#: Filled in for every ``{param}`` of a path: a well-formed id that names nothing.
DUMMY = "0123456789abcdef0123456789abcdef"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("auth")
    (root / "scripts").mkdir()
    (root / "scripts" / "ok.py").write_text("print('ok')\n")
    (root / "flows").mkdir()
    with serve(root / "home", scripts_dir=root / "scripts", workflows_dir=root / "flows") as s:
        yield s


def operations(served: Served) -> list[tuple[str, str, bool]]:
    """``(method, path, operator_only)`` for every operation in the OpenAPI document."""
    with served.client() as client:
        spec = client.get("/api/v1/openapi.json").json()
    found = []
    for path, item in spec["paths"].items():
        for method, op in item.items():
            concrete = re.sub(r"\{[^}]+\}", DUMMY, path)
            found.append((method.upper(), concrete, "operator" in op.get("tags", [])))
    return found


def test_the_openapi_document_lists_the_whole_api(served: Served) -> None:
    ops = operations(served)
    paths = {p for _, p, _ in ops}
    for needed in (
        "/api/v1/runs",
        "/api/v1/workflows",
        "/api/v1/traces",
        "/api/v1/scans",
        "/api/v1/costs",
        "/api/v1/events",
        "/api/v1/findings",
    ):
        assert needed in paths, needed
    assert sum(op for _, _, op in ops) >= 5  # start/cancel/resume actions are operator-only


def test_every_route_needs_a_token(served: Served) -> None:
    ops = operations(served)
    assert len(ops) >= 15
    with served.anonymous() as anon:
        for method, path, _ in ops:
            answer = anon.request(method, path, json={})
            assert answer.status_code == 401, (method, path, answer.status_code)
        bad = {"Authorization": "Bearer sr_not-a-real-token"}
        for method, path, _ in ops[:3]:
            assert anon.request(method, path, headers=bad).status_code == 401


def test_a_viewer_reads_but_cannot_act(served: Served) -> None:
    viewer = served.token_for("viewer", "auth-test")
    with served.client(viewer) as client:
        for method, path, operator_only in operations(served):
            code = client.request(method, path, json={}).status_code
            if operator_only:
                assert code == 403, (method, path, code)
            else:
                assert code not in (401, 403), (method, path, code)


def _ws_status(url: str, headers: dict[str, str]) -> int:
    async def attempt() -> int:
        try:
            async with websockets.connect(url, additional_headers=headers, open_timeout=10):
                return 101
        except websockets.InvalidStatus as exc:
            return exc.response.status_code

    return asyncio.run(attempt())


def test_the_websocket_needs_a_token_and_this_origin(served: Served) -> None:
    url = f"{served.ws_url}/api/v1/events/ws"
    assert _ws_status(url, {}) == 401
    assert _ws_status(url, {"Authorization": "Bearer sr_wrong"}) == 401
    good = {"Authorization": f"Bearer {served.token}"}
    assert _ws_status(url, {**good, "Origin": "http://evil.example"}) == 403
    assert _ws_status(url, {**good, "Origin": served.url.rstrip("/")}) == 101
    assert _ws_status(url, good) == 101  # programs send no Origin


def _logged_in(served: Served) -> httpx.Client:
    browser = served.anonymous()
    origin = {"Origin": served.url.rstrip("/")}
    answer = browser.post("/login", data={"token": served.token}, headers=origin)
    assert answer.status_code == 303
    return browser


def test_cookie_authenticated_actions_need_this_origin(served: Served) -> None:
    body = {"script": "ok.py", "args": [], "tags": {}}
    browser = _logged_in(served)
    try:
        assert browser.get("/api/v1/runs").status_code == 200  # reading needs no Origin
        evil = browser.post("/api/v1/runs", json=body, headers={"Origin": "http://evil.example"})
        assert evil.status_code == 403
        assert browser.post("/api/v1/runs", json=body).status_code == 403  # no Origin at all
        same = browser.post("/api/v1/runs", json=body, headers={"Origin": served.url.rstrip("/")})
        assert same.status_code == 202, same.text
    finally:
        browser.close()
    # A bearer token is not sent by browsers on their own: no Origin needed for programs.
    with served.client() as client:
        assert client.post("/api/v1/runs", json=body).status_code == 202


def test_no_cors(served: Served) -> None:
    with served.client() as client:
        answer = client.options(
            "/api/v1/runs",
            headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "GET"},
        )
        assert "access-control-allow-origin" not in answer.headers
        got = client.get("/api/v1/runs", headers={"Origin": "http://evil.example"})
        assert "access-control-allow-origin" not in got.headers


def test_login_page_is_served_without_a_token(tmp_path: Path) -> None:
    with serve(tmp_path / "home") as s, s.anonymous() as anon:
        page = anon.get("/login")
        assert page.status_code == 200
        assert 'name="token"' in page.text
