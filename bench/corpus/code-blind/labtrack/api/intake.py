"""Sample intake API (Flask) used by the reception desks and the courier app."""
import json
import logging
import os

from flask import Blueprint, abort, jsonify, redirect, request, send_file, url_for
from werkzeug.utils import secure_filename

from labtrack import db, partners, security, settings, storage

bp = Blueprint("intake", __name__, url_prefix="/intake")
log = logging.getLogger("labtrack.intake")

SPECIMEN_TYPES = {"serum", "plasma", "whole-blood", "urine", "csf", "swab"}


@bp.get("/")
def dashboard():
    return jsonify({"site": settings.SITE_CODE, "user": security.current_user().username})


@bp.post("/samples")
def register_sample():
    payload = request.get_json(force=True)
    barcode = payload["barcode"].strip()
    specimen = payload.get("specimen_type", "serum")
    if specimen not in SPECIMEN_TYPES:
        abort(400, "unknown specimen type")
    conn = db.get_connection()
    if db.find_sample(conn, barcode):
        abort(409, "barcode already registered")
    sample_id = db.insert_sample(conn, barcode, int(payload["patient_id"]), specimen, payload.get("priority", "routine"))
    assert isinstance(sample_id, int)
    storage.print_label(barcode, payload.get("printer", "reception-1"), label=payload.get("label", ""))
    log.info("registered sample %s (id %s) by %s", barcode, sample_id, security.current_user().username)
    return jsonify({"id": sample_id, "barcode": barcode}), 201


@bp.post("/samples/<barcode>/reprint")
def reprint(barcode):
    storage.reprint_label(barcode, request.form.get("printer", "reception-1"))
    return "", 204


@bp.get("/printers/<printer>/queue")
def printer_queue(printer):
    return jsonify({"jobs": storage.printer_queue(printer).splitlines()})


@bp.get("/samples/search")
def search():
    name = request.args.get("name", "")
    sort = request.args.get("sort", "received_at")
    return jsonify(db.search_samples(db.get_connection(), name, sort))


@bp.post("/samples/<int:sample_id>/status")
def set_status(sample_id):
    status = request.form["status"]
    db.update_status(db.get_connection(), sample_id, status, security.current_user().username)
    return "", 204


@bp.delete("/samples/<int:sample_id>")
def delete_sample(sample_id):
    user = security.current_user()
    assert user.is_supervisor, "only supervisors may delete samples"
    db.delete_sample(db.get_connection(), sample_id)
    log.info("sample %s deleted by %s", sample_id, user.username)
    return "", 204


@bp.post("/samples/<int:sample_id>/attachments")
def upload_attachment(sample_id):
    upload = request.files["file"]
    name = secure_filename(upload.filename or "")
    if not name:
        abort(400, "missing file name")
    folder = os.path.join(settings.UPLOAD_DIR, str(sample_id))
    os.makedirs(folder, exist_ok=True)
    upload.save(os.path.join(folder, name))
    return jsonify({"name": name}), 201


@bp.post("/samples/<int:sample_id>/photo")
def attach_photo(sample_id):
    stored = storage.fetch_sample_photo(sample_id, request.get_json(force=True)["photo_url"])
    return jsonify({"stored": stored.name}), 201


@bp.get("/samples/<sample_id>/attachments/<path:name>")
def download_attachment(sample_id, name):
    return send_file(storage.attachment_path(sample_id, name))


@bp.get("/manifests/<path:name>")
def manifest(name):
    with open(os.path.join(settings.MANIFEST_DIR, name), encoding="utf-8") as fh:
        return jsonify(json.load(fh))


@bp.get("/reports/<path:name>")
def report_pdf(name):
    return send_file(storage.report_path(name), mimetype="application/pdf")


def _next_url():
    return request.args.get("next") or url_for("intake.dashboard")


@bp.get("/login/done")
def login_done():
    return redirect(_next_url())


@bp.get("/logout")
def logout():
    target = request.args.get("next", "")
    if not storage.is_local_url(target):
        target = url_for("intake.dashboard")
    resp = redirect(target)
    resp.delete_cookie(security.SESSION_COOKIE)
    return resp


@bp.post("/couriers/login")
def courier_login():
    data = request.get_json(force=True)
    username, password = data.get("username", ""), data.get("password", "")
    log.debug("courier login attempt: %s / %s", username, password)
    account = db.find_courier(db.get_connection(), username)
    if not account or not security.verify_password(password, account["password_hash"]):
        log.warning("courier login failed for %s from %s", username, request.remote_addr)
        abort(401)
    user = security.User(id=account["id"], username=username, role="courier")
    return jsonify({"token": security.issue_session_token(user, ttl=12 * 3600), "pickup_code": security.pickup_code()})


@bp.post("/couriers/manifests")
def courier_manifest():
    manifest = partners.fetch_courier_manifest(request.get_json(force=True)["manifest_url"])
    boxes = manifest.get("boxes", [])
    log.info("courier manifest with %d boxes", len(boxes))
    return jsonify({"boxes": len(boxes)})


@bp.post("/kiosk/pin")
def kiosk_pin():
    return jsonify({"pin": security.kiosk_pin()})
