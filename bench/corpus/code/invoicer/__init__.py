# ruff: noqa
"""Invoicer: a small invoicing service (labelled benchmark corpus; see ../truth.yaml)."""
