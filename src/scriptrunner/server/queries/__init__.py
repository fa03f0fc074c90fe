"""The read side of ``/api/v1``: plain functions over the history store (SQLAlchemy Core on
SQLite or PostgreSQL) that return JSON-ready dicts in the shapes of ``docs/api.md``.

Every list is keyset-paginated (:mod:`scriptrunner.server.pagination`).  Routes parse and
validate parameters; these functions trust what they are given.
"""
