"""Outbound calls: partner labs, the regional LIMS, the courier service, reference data."""
import json
import logging
import ssl
import urllib.request
from urllib.parse import quote, urlparse

import httpx
import requests

from labtrack import security, settings

log = logging.getLogger(__name__)

_session = requests.Session()
_session.headers.update({"User-Agent": "labtrack/2.4", "Accept": "application/json"})

_courier = requests.Session()
_courier.headers["Authorization"] = f"Bearer {settings.COURIER_TOKEN}"
_courier.verify = settings.COURIER_VERIFY_TLS


def partner_url(path):
    return settings.PARTNER_API_BASE + path.lstrip("/")


def fetch_partner_order(order_ref):
    resp = _session.get(partner_url(f"orders/{quote(order_ref)}"))
    resp.raise_for_status()
    return resp.json()


def fetch_partner_order_status(order_ref):
    resp = _session.get(partner_url(f"orders/{quote(order_ref)}/status"), timeout=settings.HTTP_TIMEOUT)
    resp.raise_for_status()
    return resp.json()["status"]


def book_courier(pickup):
    resp = _courier.post(settings.COURIER_API + "pickups", json=pickup, timeout=settings.HTTP_TIMEOUT)
    resp.raise_for_status()
    return resp.json()["booking_id"]


def courier_tracking(tracking_no):
    with urllib.request.urlopen(settings.COURIER_API + "tracking/" + quote(tracking_no)) as resp:
        return json.load(resp)


def verify_callback(callback_url):
    """Partners must echo a challenge on their callback URL before we deliver events to it."""
    challenge = security.api_token()
    resp = requests.get(callback_url, params={"challenge": challenge}, timeout=5)
    return resp.ok and resp.text.strip() == challenge


def fetch_result_document(url):
    """Download a PDF result from a partner lab; only known partner hosts are contacted."""
    parts = urlparse(url)
    if parts.scheme != "https" or parts.hostname not in settings.ALLOWED_PARTNER_HOSTS:
        raise ValueError(f"refusing to fetch from {parts.hostname!r}")
    resp = requests.get(url, timeout=settings.HTTP_TIMEOUT)
    resp.raise_for_status()
    return resp.content


def fetch_reference_ranges():
    return requests.get("https://refdata.labtrack.example/ranges.json", timeout=10).json()


def fetch_icd_codes():
    with urllib.request.urlopen(settings.ICD_FEED_URL, timeout=20) as resp:
        return json.load(resp)


def fetch_courier_manifest(manifest_url):
    with urllib.request.urlopen(manifest_url, timeout=30) as resp:
        return json.load(resp)


def fetch_legacy_orders():
    ctx = ssl._create_unverified_context()
    with urllib.request.urlopen(settings.LEGACY_FEED_URL, context=ctx, timeout=30) as resp:
        return resp.read().decode("latin-1")


def notify_partner(event):
    resp = httpx.post(settings.PARTNER_EVENTS_URL, json=event)
    if resp.status_code >= 400:
        log.warning("partner event rejected: %s %s", resp.status_code, resp.text[:200])


def push_results_to_lims(payload):
    resp = requests.post(settings.LIMS_URL, json=payload, verify=settings.LIMS_CA_BUNDLE, timeout=30)
    resp.raise_for_status()


def push_results_to_backup_lims(payload):
    resp = requests.post(settings.BACKUP_LIMS_URL, json=payload, verify=False, timeout=30)
    return resp.status_code


def download_partner_logo(partner_code):
    resp = requests.get(partner_url(f"branding/{quote(partner_code)}/logo.png"))
    resp.raise_for_status()
    return resp.content


def probe_endpoint(url):
    """Used by staff to check that a partner's result endpoint is reachable."""
    resp = httpx.get(url, timeout=5, follow_redirects=False)
    return {"status": resp.status_code, "elapsed_ms": int(resp.elapsed.total_seconds() * 1000)}


def regional_client():
    return httpx.Client(base_url="https://results.regionalhealth.example", verify=False, timeout=20)


def regional_client_pinned():
    ctx = ssl.create_default_context(cafile=settings.LIMS_CA_BUNDLE)
    return httpx.Client(base_url="https://results.regionalhealth.example", verify=ctx, timeout=20)
