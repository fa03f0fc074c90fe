"""The dashboard's browser pages and their static files (``server/static``).

Every page is the same fixed HTML shell, naming the ES module that draws it: nothing stored
(script names, output, findings...) is ever interpolated into HTML on the server.  The
modules read the page's id from ``location`` and fetch everything from ``/api/v1``, and they
set text only through ``textContent``.  A page asked for without a session redirects (303)
to ``/login?next=PATH``.  Static files are public (the login page needs the stylesheet) and
hold no data.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from scriptrunner.server.auth import optional_principal

router = APIRouter(include_in_schema=False)

STATIC_DIR = Path(__file__).with_name("static")
_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}
#: The top navigation: (path, section, label).
_NAV = (("/", "runs", "Runs"), ("/security", "security", "Security"), ("/costs", "costs", "Costs"))

#: Modules every page imports, fetched at once instead of one import level at a time.
_SHARED = ("api", "dom", "format", "shell", "charts")

_SHELL = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · scriptrunner</title>
<link rel="stylesheet" href="/static/app.css">
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<script type="module" src="/static/{module}.js"></script>
{preload}
</head><body>
<a class="skip" href="#main">Skip to content</a>
<header class="top"><nav aria-label="Main"><span class="brand">scriptrunner</span>
<ul>{nav}</ul></nav>
<span class="who" id="who" aria-live="polite"></span>
<form method="post" action="/logout" class="logout"><button type="submit">Log out</button></form>
</header>
<main id="main" tabindex="-1"><h1 id="title">{title}</h1>
<p id="status" class="status-line" role="status" aria-live="polite"></p>
<div id="app"></div></main>
</body></html>
"""


def _shell(title: str, module: str, section: str) -> str:
    current = ' aria-current="page"'
    items = "".join(
        f'<li><a href="{path}"{current if key == section else ""}>{label}</a></li>'
        for path, key, label in _NAV
    )
    preload = "".join(f'<link rel="modulepreload" href="/static/{name}.js">' for name in _SHARED)
    return _SHELL.format(title=title, module=module, nav=items, preload=preload)


def _page(request: Request, title: str, module: str, section: str) -> Response:
    if optional_principal(request) is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
    response = HTMLResponse(_shell(title, module, section))
    response.headers["cache-control"] = "no-store"
    return response


@router.get("/")
def runs_page(request: Request) -> Response:
    return _page(request, "Runs", "runs", "runs")


@router.get("/runs/{run_id}")
def run_page(request: Request, run_id: str) -> Response:
    return _page(request, "Run", "run", "runs")


@router.get("/workflows/{run_id}")
def workflow_page(request: Request, run_id: str) -> Response:
    return _page(request, "Workflow run", "workflow", "runs")


@router.get("/traces/{trace_id}")
def trace_page(request: Request, trace_id: str) -> Response:
    return _page(request, "Trace", "trace", "runs")


@router.get("/security")
def security_page(request: Request) -> Response:
    return _page(request, "Security", "security", "security")


@router.get("/costs")
def costs_page(request: Request) -> Response:
    return _page(request, "Costs", "costs", "costs")


@router.get("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for it on every page (the login page too): the icon."""
    return FileResponse(STATIC_DIR / "favicon.svg", media_type="image/svg+xml")


@router.get("/static/{name}")
def static_file(name: str) -> Response:
    """One file of ``server/static`` (flat: no sub-directories, no path tricks)."""
    path = STATIC_DIR / name
    kind = _TYPES.get(path.suffix)
    if kind is None or "/" in name or "\\" in name or name.startswith(".") or not path.is_file():
        raise HTTPException(404, detail="no such static file")
    return FileResponse(path, media_type=kind, headers={"cache-control": "no-cache"})
