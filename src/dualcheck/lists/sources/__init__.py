"""Parsers, one per official list format. Importing this package registers all of them."""

from __future__ import annotations

import importlib

PARSER_MODULES = ("ofac_csv",)


def load_all() -> None:
    for name in PARSER_MODULES:
        importlib.import_module(f"dualcheck.lists.sources.{name}")


load_all()
