"""The dashboard's page shells, static files and ``/api/v1/me`` over HTTP (no browser)."""

from __future__ import annotations

from pathlib import Path

from tests.fixtures.server import serve

PAGES = ("/", "/runs/abc123", "/workflows/abc123", "/traces/abc123", "/security", "/costs")


def test_pages_need_a_session_and_are_fixed_shells(tmp_path: Path) -> None:
    with serve(tmp_path / "home") as served, served.anonymous() as anon:
        for path in PAGES:
            answer = anon.get(path + "?x=1", follow_redirects=False)
            assert answer.status_code == 303, path
            assert answer.headers["location"].startswith("/login?next=%2F"), path
        with served.client() as client:
            hostile = "/runs/%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E"
            shell = client.get(hostile)
            assert shell.status_code == 200
            assert "<img" not in shell.text and "alert(1)" not in shell.text
            assert '<script type="module" src="/static/run.js"></script>' in shell.text
            assert shell.text == client.get("/runs/other").text  # nothing of the id in it
            csp = shell.headers["content-security-policy"]
            assert "script-src 'self'" in csp and "unsafe-inline" not in csp
            assert client.get("/api/v1/me").json() == {"name": "serve", "role": "operator"}
            viewer = served.token_for("viewer", "wall")
        with served.client(viewer) as client:
            assert client.get("/api/v1/me").json() == {"name": "wall", "role": "viewer"}


def test_static_files_are_served_with_module_types_and_nothing_else(tmp_path: Path) -> None:
    with serve(tmp_path / "home") as served, served.anonymous() as anon:
        script = anon.get("/static/api.js")
        assert script.status_code == 200
        assert script.headers["content-type"].startswith("text/javascript")
        assert anon.get("/static/app.css").headers["content-type"].startswith("text/css")
        for bad in (
            "/static/..%2Fpages.py",
            "/static/pages.py",
            "/static/.hidden.js",
            "/static/x.js",
        ):
            assert anon.get(bad).status_code == 404, bad
        assert anon.get("/favicon.ico").status_code == 200


def test_static_modules_never_parse_data_as_html() -> None:
    static = Path(__file__).resolve().parents[2] / "src" / "scriptrunner" / "server" / "static"
    for path in static.glob("*.js"):
        text = path.read_text()
        for banned in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
            assert banned not in text, f"{path.name} uses {banned}"
        text = text.replace('"http://www.w3.org/2000/svg"', "")  # the SVG namespace
        assert "http://" not in text and "https://" not in text, f"{path.name} loads from elsewhere"


def test_the_login_form_works_from_a_no_referrer_page(tmp_path: Path) -> None:
    """Our pages send Referrer-Policy: no-referrer, so a browser's form POST carries
    ``Origin: null``; its ``Sec-Fetch-Site`` (which no page can set) tells a same-origin
    form from a cross-site one."""
    with serve(tmp_path / "home") as served, served.anonymous() as browser:
        same = {"Origin": "null", "Sec-Fetch-Site": "same-origin"}
        answer = browser.post("/login", data={"token": served.token, "next": "/"}, headers=same)
        assert answer.status_code == 303
        for headers in ({"Origin": "null"}, {"Origin": "null", "Sec-Fetch-Site": "cross-site"}):
            forged = browser.post("/login", data={"token": served.token}, headers=headers)
            assert forged.status_code == 403, headers
