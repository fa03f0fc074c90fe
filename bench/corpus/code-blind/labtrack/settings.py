"""Runtime settings for the labtrack services (intake, samples API, webhooks, workers).

Values that differ between sites come from the environment; the defaults below
match the single-site installation described in the operator handbook.
"""
import json
import os
from pathlib import Path


def _env_bool(name: str, default: str = "0") -> bool:
    return os.environ.get(name, default).strip().lower() in {"1", "true", "yes", "on"}


SITE_CODE = os.environ.get("LABTRACK_SITE", "MAIN")
DEBUG = _env_bool("LABTRACK_DEBUG")

# --- HTTP listeners -----------------------------------------------------------
BIND_HOST = "0.0.0.0"
BIND_PORT = int(os.environ.get("LABTRACK_PORT", "8080"))
METRICS_HOST = "127.0.0.1"
METRICS_PORT = 9108

# --- Databases and caches -----------------------------------------------------
DATABASE_URL = os.environ.get("LABTRACK_DATABASE_URL", "postgresql://labtrack@db.internal:5432/labtrack")
DB_PASSWORD_ENV = "LABTRACK_DB_PASSWORD"
REPLICA_HOST = os.environ.get("LABTRACK_REPLICA_HOST", "db-replica.internal")
SCANNER_CACHE = os.environ.get("LABTRACK_SCANNER_CACHE", "/var/cache/labtrack/scanner.db")
REDIS_URL = os.environ.get("LABTRACK_REDIS_URL", "redis://localhost:6379/3")

# --- Filesystem layout --------------------------------------------------------
DATA_ROOT = Path(os.environ.get("LABTRACK_DATA", "/var/lib/labtrack"))
STORE_ROOT = DATA_ROOT / "store"
UPLOAD_DIR = str(DATA_ROOT / "uploads")
REPORT_DIR = str(DATA_ROOT / "reports")
EXPORT_DIR = str(DATA_ROOT / "exports")
MANIFEST_DIR = str(DATA_ROOT / "manifests")
INSTRUMENT_INBOX = str(DATA_ROOT / "instrument-inbox")
SHARED_DROP_DIR = "/srv/labtrack/drop"
TEMPLATE_DIR = str(Path(__file__).resolve().parent / "templates")
WORKER_CONFIG = os.environ.get("LABTRACK_WORKER_CONFIG", "/etc/labtrack/worker.yaml")

# --- Outbound integrations ----------------------------------------------------
HTTP_TIMEOUT = 15
PARTNER_API_BASE = "https://partners.labtrack.example/api/v2/"
PARTNER_EVENTS_URL = "https://partners.labtrack.example/api/v2/events"
PARTNER_EVENT_SINKS = [u for u in os.environ.get("LABTRACK_EVENT_SINKS", "").split(",") if u]
PARTNER_ISSUERS = frozenset({"https://idp.partners.labtrack.example", "https://sso.regionalhealth.example"})
ALLOWED_PARTNER_HOSTS = frozenset({"partners.labtrack.example", "results.regionalhealth.example"})
AUDIT_SINK_URL = os.environ.get("LABTRACK_AUDIT_SINK", "https://audit.labtrack.internal/ingest")
LIMS_URL = os.environ.get("LABTRACK_LIMS_URL", "https://lims.regionalhealth.example/api/results")
BACKUP_LIMS_URL = os.environ.get("LABTRACK_BACKUP_LIMS_URL", "https://lims-dr.regionalhealth.example/api/results")
LIMS_CA_BUNDLE = os.environ.get("LABTRACK_LIMS_CA_BUNDLE", "/etc/labtrack/lims-ca.pem")
LEGACY_FEED_URL = "https://feeds.regionalhealth.example/legacy/orders.csv"
COURIER_API = "https://api.swiftcourier.example/v1/"
COURIER_TOKEN = os.environ.get("LABTRACK_COURIER_TOKEN", "")
COURIER_VERIFY_TLS = False
ICD_FEED_URL = "https://refdata.labtrack.example/icd10/latest.json"

# --- Secrets (injected by the service manager) -------------------------------
WEBHOOK_SECRET = os.environ.get("LABTRACK_WEBHOOK_SECRET", "")
LEGACY_PARTNER_SECRETS = json.loads(os.environ.get("LABTRACK_LEGACY_PARTNER_SECRETS", "{}"))
JWT_SECRET = os.environ.get("LABTRACK_JWT_SECRET", "")
API_KEY = os.environ.get("LABTRACK_API_KEY", "")

# --- Report delivery ----------------------------------------------------------
SFTP_USER = "labtrack"
SFTP_PASSWORD = "Sftp#Deliver2022"
SFTP_REMOTE_DIR = "/incoming/labtrack"
ARCHIVE_HOST = "archive.labtrack.internal"
ARCHIVE_KEY = "/etc/labtrack/keys/archive_ed25519"
SMTP_HOST = os.environ.get("LABTRACK_SMTP_HOST", "smtp.labtrack.example")
SMTP_USER = os.environ.get("LABTRACK_SMTP_USER", "reports@labtrack.example")
SMTP_PASSWORD = os.environ.get("LABTRACK_SMTP_PASSWORD", "")
