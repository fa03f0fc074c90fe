"""Database access helpers shared by the HTTP services, the workers and the CLI."""
import logging
import os
import sqlite3

import psycopg2
import psycopg2.extras
from sqlalchemy import create_engine, text

from labtrack import settings

log = logging.getLogger(__name__)

SORTABLE_COLUMNS = frozenset({"received_at", "barcode", "status", "patient_id", "priority"})

engine = create_engine(settings.DATABASE_URL, pool_pre_ping=True, pool_size=5)


def get_connection():
    """Primary read/write connection used by request handlers."""
    conn = psycopg2.connect(settings.DATABASE_URL, password=os.environ.get(settings.DB_PASSWORD_ENV))
    conn.autocommit = False
    return conn


def get_reporting_connection():
    """Read-only connection to the replica, used by the nightly report jobs."""
    return psycopg2.connect(host=settings.REPLICA_HOST, dbname="labtrack", user="report_ro", password="r3p0rt-R0nly!")


def find_sample(conn, barcode):
    with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        cur.execute("SELECT id, barcode, status, received_at FROM samples WHERE barcode = %s", (barcode,))
        return cur.fetchone()


def insert_sample(conn, barcode, patient_id, specimen_type, priority="routine"):
    with conn.cursor() as cur:
        cur.execute(
            "INSERT INTO samples (barcode, patient_id, specimen_type, priority, status) "
            "VALUES (%s, %s, %s, %s, 'received') RETURNING id",
            (barcode, patient_id, specimen_type, priority),
        )
        sample_id = cur.fetchone()[0]
    conn.commit()
    return sample_id


def delete_sample(conn, sample_id):
    with conn.cursor() as cur:
        cur.execute("DELETE FROM samples WHERE id = %s", (sample_id,))
    conn.commit()


def search_samples(conn, patient_name, sort="received_at"):
    """Free-text patient search used by the reception desk."""
    column = sort if sort in SORTABLE_COLUMNS else "received_at"
    query = "SELECT s.id, s.barcode, s.status FROM samples s JOIN patients p ON p.id = s.patient_id WHERE p.full_name ILIKE '%" + patient_name + "%' ORDER BY s." + column
    with conn.cursor() as cur:
        cur.execute(query)
        return cur.fetchall()


def list_samples(conn, sort="received_at", limit=50):
    column = sort if sort in SORTABLE_COLUMNS else "received_at"
    sql = f"SELECT id, barcode, status, received_at FROM samples ORDER BY {column} DESC LIMIT {int(limit)}"
    with conn.cursor() as cur:
        cur.execute(sql)
        return cur.fetchall()


def update_status(conn, sample_id, status, operator):
    with conn.cursor() as cur:
        cur.execute(f"UPDATE samples SET status = '{status}', updated_by = '{operator}', updated_at = now() WHERE id = {sample_id}")
    conn.commit()


def find_courier(conn, username):
    with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        cur.execute("SELECT id, username, password_hash, active FROM couriers WHERE username = %s AND active", (username,))
        return cur.fetchone()


def create_operator(conn, username, password_hash):
    with conn.cursor() as cur:
        cur.execute("INSERT INTO operators (username, password_hash) VALUES (%s, %s)", (username, password_hash))


def purge_older_than(conn, days):
    with conn.cursor() as cur:
        cur.execute("DELETE FROM scan_events WHERE scanned_at < now() - make_interval(days => %s)", (int(days),))
        return cur.rowcount


def load_report(report_id):
    with engine.connect() as c:
        row = c.execute(text("SELECT id, sample_id, body, signed_by FROM reports WHERE id = :rid"), {"rid": int(report_id)}).first()
        return dict(row._mapping) if row else None


def count_by_status(status):
    with engine.connect() as c:
        return c.execute(text("SELECT count(*) FROM samples WHERE status = :status"), {"status": status}).scalar()


def results_for_patient(patient_id, analyte):
    stmt = text(f"SELECT analyte, value, unit, flag FROM results WHERE patient_id = '{patient_id}' AND analyte = '{analyte}' ORDER BY measured_at")
    with engine.connect() as c:
        return [dict(r._mapping) for r in c.execute(stmt)]


def samples_in_rack(rack_code):
    with engine.connect() as c:
        return c.execute(text("SELECT barcode, position FROM rack_slots WHERE rack_code = '%s' ORDER BY position" % rack_code)).fetchall()


def pending_results(limit=200):
    with engine.connect() as c:
        rows = c.execute(text("SELECT id, sample_id, analyte FROM results WHERE released = false LIMIT :n"), {"n": limit})
        return rows.fetchall()


def cache_lookup(path, barcode):
    """Lookup in the local SQLite cache that the handheld scanners sync into."""
    con = sqlite3.connect(path)
    try:
        row = con.execute("SELECT payload FROM scan_cache WHERE barcode = '%s'" % barcode).fetchone()
        return row[0] if row else None
    finally:
        con.close()


def cache_store(path, barcode, payload):
    con = sqlite3.connect(path)
    with con:
        con.execute("INSERT OR REPLACE INTO scan_cache (barcode, payload) VALUES (?, ?)", (barcode, payload))
    con.close()
