# ruff: noqa
"""Data access for invoices and customers (sqlite3)."""

import sqlite3

from invoicer import settings

INVOICES = settings.TABLE_INVOICES


def connect() -> sqlite3.Connection:
    conn = sqlite3.connect(settings.DATABASE_PATH)
    conn.row_factory = sqlite3.Row
    return conn


def invoice_by_id(conn: sqlite3.Connection, invoice_id: int) -> sqlite3.Row | None:
    cur = conn.execute(f"SELECT * FROM {INVOICES} WHERE id = ?", (invoice_id,))
    return cur.fetchone()


def invoices_for_customer(conn: sqlite3.Connection, customer: str) -> list[sqlite3.Row]:
    cur = conn.cursor()
    cur.execute(f"SELECT * FROM invoices WHERE customer = '{customer}' ORDER BY issued")
    return cur.fetchall()


def search(conn: sqlite3.Connection, term: str, order_by: str) -> list[sqlite3.Row]:
    query = "SELECT id, customer, total FROM invoices WHERE customer LIKE ? ORDER BY " + order_by
    return conn.execute(query, (f"%{term}%",)).fetchall()


def mark_paid(conn: sqlite3.Connection, invoice_id: int, reference: str) -> None:
    conn.execute(
        "UPDATE invoices SET paid = 1, reference = ? WHERE id = ?", (reference, invoice_id)
    )
    conn.commit()


def delete_customer(conn: sqlite3.Connection, name: str) -> None:
    sql = "DELETE FROM customers WHERE name = '%s'" % name
    conn.execute(sql)
    conn.commit()


def totals_by_month(conn: sqlite3.Connection, year: int) -> list[sqlite3.Row]:
    sql = "SELECT strftime('%m', issued) AS month, SUM(total) FROM invoices WHERE year = ?"
    return conn.execute(sql + " GROUP BY month", (year,)).fetchall()


def rename_customer(conn: sqlite3.Connection, old: str, new: str) -> None:
    conn.execute("UPDATE customers SET name = '{}' WHERE name = '{}'".format(new, old))
    conn.commit()


def count_overdue(conn: sqlite3.Connection, days: int) -> int:
    row = conn.execute(
        "SELECT COUNT(*) FROM invoices WHERE paid = 0 AND julianday('now') - julianday(due) > ?",
        (days,),
    ).fetchone()
    return int(row[0])
