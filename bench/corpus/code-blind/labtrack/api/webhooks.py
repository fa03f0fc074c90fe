"""Partner webhooks: inbound events from partner labs and the outbound event fan-out."""
import base64
import hashlib
import hmac
import json
import logging
import pickle

import requests
from flask import Blueprint, abort, jsonify, request

from labtrack import jobs, partners, settings

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")
log = logging.getLogger("labtrack.webhooks")


def _signature(secret, body: bytes):
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@bp.post("/partner/<partner_code>")
def partner_event(partner_code):
    body = request.get_data()
    presented = request.headers.get("X-Labtrack-Signature", "")
    if not hmac.compare_digest(presented, _signature(settings.WEBHOOK_SECRET, body)):
        abort(401)
    event = json.loads(body)
    if event.get("type") == "manifest":
        jobs.enqueue("manifest", {"manifest": event["manifest"], "partner": partner_code})
    elif event.get("type") == "order":
        order = partners.fetch_partner_order(event["order_ref"])
        log.info("partner %s order %s with %d tests", partner_code, event["order_ref"], len(order.get("tests", [])))
    return jsonify({"accepted": True})


def _legacy_payload(encoded):
    return pickle.loads(base64.b64decode(encoded))


@bp.post("/legacy/<partner_code>")
def legacy_event(partner_code):
    """Pre-2022 partner integration: form-encoded, pickled payload, shared-secret signature."""
    secret = settings.LEGACY_PARTNER_SECRETS.get(partner_code, "")
    assert hmac.compare_digest(request.headers.get("X-Signature", ""), _signature(secret, request.get_data())), "bad signature"
    payload = _legacy_payload(request.form["payload"])
    jobs.enqueue("import_run", {"path": payload["path"], "instrument": payload["instrument"]})
    return jsonify({"accepted": True})


@bp.post("/subscriptions")
def subscribe():
    data = request.get_json(force=True)
    callback_url = data["callback_url"]
    if not partners.verify_callback(callback_url):
        abort(400, "callback did not answer the challenge")
    log.info("new event subscription %s", callback_url)
    return jsonify({"subscribed": callback_url}), 201


def fan_out(event):
    """Forward an internal event to every configured partner endpoint."""
    body = json.dumps(event).encode()
    for url in settings.PARTNER_EVENT_SINKS:
        try:
            requests.post(url, data=body, headers={"X-Labtrack-Signature": _signature(settings.WEBHOOK_SECRET, body)}, timeout=10)
        except requests.RequestException:
            log.warning("event delivery to %s failed", url)


def fan_out_audit(event):
    requests.post(settings.AUDIT_SINK_URL, json=event)
