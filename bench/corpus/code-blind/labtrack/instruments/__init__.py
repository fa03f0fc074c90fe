"""Instrument result import (CSV, XML and archive formats)."""
