# ruff: noqa
# fmt: off
"""FastAPI endpoints: plain parameters and Request objects are client data."""

import base64
import io
import pickle
import tarfile

import httpx
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse

router = APIRouter()


def current_user(token: str = ""):
    return FileResponse(token)


@router.get("/export/{name}")
def export(name: str, user=Depends(current_user)):
    return FileResponse(f"/srv/exports/{name}")  # expect: taint-path-traversal


@router.get("/items/{item_id}")
def item(item_id: int, user=Depends(current_user)):
    return FileResponse(f"/srv/items/{item_id}.json")


@router.get("/search")
def search(q: str = Query("")):
    return HTMLResponse(f"<p>No match for {q}</p>")  # expect: taint-xss


@router.get("/back")
def back(to: str):
    return RedirectResponse(to)  # expect: taint-open-redirect


@router.post("/restore")
async def restore(request: Request):
    body = await request.body()
    return pickle.loads(base64.b64decode(body))  # expect: taint-deserialization


@router.get("/mirror")
async def mirror(source: str):
    async with httpx.AsyncClient(timeout=5) as client:
        await client.get(source)  # expect: taint-ssrf
        await client.get("https://status.example.org/", params={"from": source})


@router.post("/unpack")
async def unpack(request: Request):
    form = await request.form()
    blob = form["archive"]
    with tarfile.open(fileobj=io.BytesIO(blob)) as tar:
        tar.extractall("/srv/unpacked")  # expect: taint-path-traversal
    with tarfile.open(fileobj=io.BytesIO(blob)) as tar:
        tar.extractall("/srv/unpacked", filter="data")
