"""Vulnerability sources: offline OSV database, OSV API, Safety and OSV-Scanner adapters."""
