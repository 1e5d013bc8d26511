"""dualcheck: export-control compliance for dual-use items."""

__version__ = "0.1.0"
