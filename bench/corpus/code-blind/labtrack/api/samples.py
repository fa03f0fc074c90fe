"""Samples and results REST API (FastAPI) for clinicians and the partner portal."""
import ipaddress
import logging
import os
import subprocess

import httpx
from fastapi import APIRouter, Depends, File, Form, Header, Query, Response, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse
from markupsafe import escape

from labtrack import db, jobs, partners, security, settings, storage
from labtrack.instruments import importer
from labtrack.reports import render

log = logging.getLogger("labtrack.samples")
router = APIRouter(prefix="/api/v1")


def partner_claims(authorization: str = Header(...)):
    token = authorization.removeprefix("Bearer ").strip()
    return security.decode_partner_token(token)


@router.get("/patients/{patient_id}/results")
def patient_results(patient_id: str, analyte: str = Query(...), claims: dict = Depends(partner_claims)):
    log.info("results for patient %s requested by %s", patient_id, claims.get("iss"))
    return db.results_for_patient(patient_id, analyte)


@router.get("/samples")
def list_samples(sort: str = "received_at", limit: int = 50):
    return db.list_samples(db.get_connection(), sort, limit)


@router.get("/samples/status-count")
def status_count(status: str):
    return {"status": status, "count": db.count_by_status(status)}


@router.get("/racks/{rack_code}/samples")
def rack_samples(rack_code: str):
    return [dict(r._mapping) for r in db.samples_in_rack(rack_code)]


@router.get("/samples/{barcode}/label.png")
def label_png(barcode: str):
    out = os.path.join(settings.EXPORT_DIR, "labels", f"{int(barcode):012d}.png")
    storage.barcode_png(barcode, out)
    return FileResponse(out, media_type="image/png")


@router.post("/instruments/{instrument}/runs")
async def upload_run(instrument: str, file: UploadFile = File(...), converter: str = Query("")):
    staged = importer.stage_upload(file.filename, await file.read())
    if converter:
        jobs.enqueue("convert", {"path": str(staged), "converter": converter})
    jobs.enqueue("import_run", {"path": str(staged), "instrument": instrument})
    return {"staged": staged.name}


@router.post("/instruments/{instrument}/runs/remote")
def import_remote_run(instrument: str, url: str = Query(...)):
    staged = importer.fetch_remote_run(url)
    jobs.enqueue("import_run", {"path": str(staged), "instrument": instrument})
    return {"staged": staged.name}


@router.get("/partner-documents")
def partner_document(url: str, claims: dict = Depends(partner_claims)):
    return Response(partners.fetch_result_document(url), media_type="application/pdf")


@router.get("/exports")
def download_export(name: str = Query(...)):
    return FileResponse(os.path.join(settings.EXPORT_DIR, name))


@router.get("/exports/latest")
def download_latest_export(name: str = Query(...)):
    return FileResponse(os.path.join(settings.EXPORT_DIR, os.path.basename(name)))


@router.get("/reports/{report_id}/preview", response_class=HTMLResponse)
def preview_report(report_id: int, title: str = ""):
    return render.render_preview(report_id, title)


@router.post("/reports/{report_id}/comment-preview", response_class=HTMLResponse)
def comment_preview(report_id: int, comment: str = Form(...), signer: str = Form(""), plain: bool = Form(False)):
    block = render.plain_comment(comment) if plain else render.comment_block(comment)
    return HTMLResponse(str(block + render.signature_block(signer or f"report {report_id}")))


@router.get("/help/search", response_class=HTMLResponse)
def search_help(q: str = ""):
    if not q:
        return HTMLResponse("<p>Type a barcode or a patient name.</p>")
    return HTMLResponse(f"<p>No help topic matches <b>{q}</b>.</p>")


@router.get("/help/topic", response_class=HTMLResponse)
def help_topic(topic: str = ""):
    return HTMLResponse(f"<h2>Help: {escape(topic)}</h2>")


@router.get("/partner/return")
def partner_return(return_to: str = "/portal"):
    return RedirectResponse(return_to)


@router.post("/partner/lookup")
async def partner_lookup(order_ref: str, x_partner_endpoint: str = Header(...)):
    async with httpx.AsyncClient(timeout=10) as client:
        resp = await client.get(x_partner_endpoint, params={"order": order_ref})
    return resp.json()


def _ping(host):
    return subprocess.run(f"ping -c 2 -W 2 {host}", shell=True, capture_output=True, text=True, timeout=15)


@router.get("/instruments/{instrument}/ping")
def ping_instrument(instrument: str, host: str):
    result = _ping(host)
    return {"instrument": instrument, "reachable": result.returncode == 0}


@router.get("/instruments/{instrument}/ping-ip")
def ping_instrument_ip(instrument: str, ip: str):
    address = str(ipaddress.ip_address(ip))
    result = subprocess.run(["ping", "-c", "2", "-W", "2", address], capture_output=True, text=True, timeout=15)
    return {"instrument": instrument, "reachable": result.returncode == 0}
