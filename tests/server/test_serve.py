"""``scriptrunner serve`` and ``scriptrunner token`` through the real console script."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from tests.fixtures.cli import cli
from tests.fixtures.server import serve


def test_first_start_writes_one_operator_token_owner_only(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with serve(home) as served:
        token_file = home / "serve-token"
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        assert served.token.startswith("sr_")
        with served.client() as client:
            assert client.get("/metrics").status_code == 200
    listed = json.loads(cli(home, "token", "list", "--json").stdout)
    assert [(t["role"], t["revoked_at"]) for t in listed] == [("operator", None)]
    # A second start keeps the table (and the file) as they are.
    before = token_file.read_text()
    with serve(home) as served:
        assert served.token == before.strip()
    assert len(json.loads(cli(home, "token", "list", "--json").stdout)) == 1


def test_healthz_is_open_but_metrics_and_openapi_need_a_token(tmp_path: Path) -> None:
    with serve(tmp_path / "home") as served, served.anonymous() as anon:
        health = anon.get("/healthz")
        assert health.status_code == 200 and health.json() == {"status": "ok"}
        for path in ("/metrics", "/api/v1/openapi.json"):
            answer = anon.get(path)
            assert answer.status_code == 401, path
            assert answer.headers["www-authenticate"] == "Bearer"
        with served.client() as client:
            spec = client.get("/api/v1/openapi.json").json()
            assert spec["openapi"].startswith("3.")
            text = client.get("/metrics").text
            for name in (
                "scriptrunner_runs",
                "scriptrunner_run_duration_seconds_bucket",
                "scriptrunner_findings",
                "scriptrunner_events_streamed_total",
                "scriptrunner_websocket_clients",
            ):
                assert name in text


def test_metrics_count_runs_recorded_by_other_processes(tmp_path: Path) -> None:
    script = tmp_path / "fails.py"
    script.write_text("raise SystemExit(3)\n")
    with serve(tmp_path / "home") as served:
        assert served.cli("run", "-q", str(script)).returncode == 3
        assert served.cli("run", "-q", str(script)).returncode == 3
        with served.client() as client:
            text = client.get("/metrics").text
    assert 'scriptrunner_runs{kind="run",status="failed"} 2.0' in text
    assert "scriptrunner_run_duration_seconds_count 2.0" in text


def test_security_headers_on_every_answer(tmp_path: Path) -> None:
    with serve(tmp_path / "home") as served, served.anonymous() as anon:
        for path in ("/healthz", "/login", "/api/v1/openapi.json", "/no-such-page"):
            headers = anon.get(path).headers
            csp = headers["content-security-policy"]
            assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
            assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
            assert headers["x-content-type-options"] == "nosniff"
            assert headers["referrer-policy"] == "no-referrer"
            assert "access-control-allow-origin" not in headers


def test_login_exchanges_the_token_for_a_strict_httponly_cookie(tmp_path: Path) -> None:
    with serve(tmp_path / "home") as served, served.anonymous() as browser:
        origin = {"Origin": served.url.rstrip("/")}
        bad = browser.post("/login", data={"token": "sr_wrong", "next": "/"}, headers=origin)
        assert bad.status_code == 401 and "not valid" in bad.text
        good = browser.post(
            "/login", data={"token": served.token, "next": "//evil.example/"}, headers=origin
        )
        assert good.status_code == 303
        assert good.headers["location"] == "/"  # never to another host
        cookie = good.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie and "path=/" in cookie
        assert served.token not in good.headers["set-cookie"]
        assert browser.get("/metrics").status_code == 200  # the cookie authenticates
        # A cross-site login form is refused before the token is looked at.
        forged = browser.post(
            "/login", data={"token": served.token}, headers={"Origin": "http://evil.example"}
        )
        assert forged.status_code == 403


def test_failed_logins_from_one_address_are_rate_limited(tmp_path: Path) -> None:
    with serve(tmp_path / "home") as served, served.anonymous() as anon:
        codes = [anon.post("/login", data={"token": f"sr_guess{i}"}).status_code for i in range(12)]
        assert codes[:10] == [401] * 10
        assert codes[10:] == [429, 429]
        # ... and a bearer guess from the same address too, even with a good token now.
        with served.client() as client:
            assert client.get("/metrics").status_code == 429


def test_revoked_token_stops_working_at_once(tmp_path: Path) -> None:
    with serve(tmp_path / "home") as served:
        viewer = served.token_for("viewer", "ci")
        with served.client(viewer) as client:
            assert client.get("/metrics").status_code == 200
            listed = json.loads(served.cli("token", "list", "--json").stdout)
            (entry,) = [t for t in listed if t["name"] == "ci"]
            assert served.cli("token", "revoke", entry["id"]).returncode == 0
            assert client.get("/metrics").status_code == 401


def test_tokens_are_never_stored_in_plain_text(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with serve(home) as served:
        tokens = [served.token, served.token_for("viewer"), served.token_for("operator")]
    stored = b"".join(p.read_bytes() for p in home.glob("history.db*"))
    for token in tokens:
        assert token.encode() not in stored
        assert token[3:].encode() not in stored


def test_token_cli_lists_and_refuses_unknown_ids(tmp_path: Path) -> None:
    home = tmp_path / "home"
    created = cli(home, "token", "create", "--role", "viewer", "--name", "grafana")
    assert created.returncode == 0 and created.stdout.startswith("sr_")
    assert "shown only this once" in created.stderr
    table = cli(home, "token", "list").stdout
    assert "viewer" in table and "grafana" in table and created.stdout.strip() not in table
    unknown = cli(home, "token", "revoke", "nosuchid")
    assert unknown.returncode == 2
    assert unknown.stderr.strip() == (
        "scriptrunner: error: no token with id 'nosuchid'; see `scriptrunner token list`"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--host", "0.0.0.0"], "refusing to serve plain HTTP on 0.0.0.0"),
        (["--tls-cert", "cert.pem"], "--tls-cert and --tls-key go together"),
        (["--scripts-dir", "missing"], "--scripts-dir missing: not a directory"),
    ],
)
def test_unsafe_or_impossible_options_exit_2_with_one_line(
    tmp_path: Path, args: list[str], message: str
) -> None:
    done = cli(tmp_path / "home", "serve", "--port", "0", *args, cwd=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "home" / "serve-token").exists()


def test_serve_token_file_is_replaced_owner_only_even_with_a_loose_umask(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "serve-token").write_text("stale\n")
    os.chmod(home / "serve-token", 0o644)
    old = os.umask(0)
    try:
        with serve(home) as served:
            assert served.token != "stale"
    finally:
        os.umask(old)
    assert stat.S_IMODE((home / "serve-token").stat().st_mode) == 0o600


def test_tls_serves_https_with_hsts_and_secure_cookies(tmp_path: Path) -> None:
    """A real self-signed certificate (openssl), so a remote address could be served."""
    import ssl
    import subprocess

    import httpx

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    made = subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    extra = ["--tls-cert", str(cert), "--tls-key", str(key)]
    with serve(tmp_path / "home", extra_args=extra) as served:
        assert served.url.startswith("https://127.0.0.1:")
        with httpx.Client(
            base_url=served.url, verify=ssl.create_default_context(cafile=str(cert)), timeout=30
        ) as browser:
            health = browser.get("/healthz")
            assert health.status_code == 200
            assert health.headers["strict-transport-security"].startswith("max-age=")
            origin = {"Origin": served.url.rstrip("/")}
            login = browser.post("/login", data={"token": served.token}, headers=origin)
            assert login.status_code == 303
            assert "secure" in login.headers["set-cookie"].lower()
            assert browser.get("/metrics").status_code == 200


def test_a_taken_port_is_one_error_line_before_anything_is_written(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = cli(tmp_path / "home", "serve", "--port", str(port), cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"scriptrunner: error: cannot listen on 127.0.0.1:{port}: Address already in use; "
        "choose another --port (0 picks a free one)"
    )
    assert not (tmp_path / "home" / "serve-token").exists()


def test_a_store_that_breaks_while_serving_answers_503_with_one_sentence(tmp_path: Path) -> None:
    import sqlite3

    home = tmp_path / "home"
    with serve(home) as served, served.client() as client:
        assert client.get("/api/v1/runs").status_code == 200
        with sqlite3.connect(home / "history.db") as db:
            db.execute("DROP TABLE run_attempts")
            db.execute("DROP TABLE run_tags")
            db.execute("DROP TABLE runs")
        broken = client.get("/api/v1/runs")
        assert broken.status_code == 503
        detail = broken.json()["detail"]
        assert detail.startswith("cannot read history store") and "\n" not in detail
        assert "Traceback" not in broken.text


def test_the_first_token_that_cannot_be_written_is_revoked(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / "serve-token").mkdir(parents=True)  # in the way: cannot be replaced by a file
    done = cli(home, "serve", "--port", "0", cwd=tmp_path)
    assert done.returncode == 2
    assert f"cannot write the first token to {home / 'serve-token'}" in done.stderr
    assert "Traceback" not in done.stderr
    listed = json.loads(cli(home, "token", "list", "--json").stdout)
    assert len(listed) == 1 and listed[0]["revoked_at"] is not None
