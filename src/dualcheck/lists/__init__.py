"""Restricted-party lists: parsers per official format, versions, diffs, updater."""
