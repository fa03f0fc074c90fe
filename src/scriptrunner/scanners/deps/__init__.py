"""Dependency vulnerability scanning (``scriptrunner scan deps``)."""
