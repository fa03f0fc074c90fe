"""The dashboard: ``scriptrunner serve`` — a REST API, a live event stream and a web UI.

One process (FastAPI on uvicorn) reading the store the CLI writes, through the same
application layer; see ``docs/dashboard.md`` and ``docs/api.md``.
"""
