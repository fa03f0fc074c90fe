# ruff: noqa
"""Configuration, read from the environment."""

import os

DEBUG = os.environ.get("INVOICER_DEBUG", "0") == "1"
SECRET_KEY = os.environ["INVOICER_SECRET_KEY"]
DATABASE_PATH = os.environ.get("INVOICER_DB", "invoicer.sqlite3")
LISTEN_HOST = os.environ.get("INVOICER_HOST", "127.0.0.1")
PDF_RENDERER_API_KEY = "rk_live_51HqLyjWDarjtT1zdp7dcXpQ"
SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD", "")
PASSWORD_MIN_LENGTH = 12
PASSWORD_FIELD = "password"
ARCHIVE_DIR = os.environ.get("INVOICER_ARCHIVE", "/var/lib/invoicer/archive")
TABLE_INVOICES = "invoices"
