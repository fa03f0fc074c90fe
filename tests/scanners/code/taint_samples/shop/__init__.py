# ruff: noqa
# fmt: off
"""A package whose flows cross modules."""

from .net import fetch_url

__all__ = ["fetch_url"]
