"""labtrack - clinical laboratory sample tracking and reporting service."""

__version__ = "2.4.1"
