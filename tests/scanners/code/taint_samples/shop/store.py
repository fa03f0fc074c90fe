# ruff: noqa
# fmt: off
"""Queries: formatted ones are sinks, parameterised ones are not."""


def find_user(conn, name):
    return conn.execute("SELECT * FROM users WHERE name = '%s'" % name)  # expect: taint-sql-injection


def find_user_safely(conn, name):
    return conn.execute("SELECT * FROM users WHERE name = ?", (name,))


def sorted_users(conn, column):
    order = column if column in ("name", "created") else "name"
    return conn.execute(f"SELECT * FROM users ORDER BY {order}")
