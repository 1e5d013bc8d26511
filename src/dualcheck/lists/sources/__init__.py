"""Parsers, one per official list format."""
