"""Parsers, one per official list format. Importing this package registers all of them."""

from __future__ import annotations

import importlib

PARSER_MODULES = ("ofac_csv", "ofac_xml", "us_csl", "us_csl_json", "bis_dpl", "un_xml", "gb_ofsi", "eu_fsf", "ca_sema",
                  "ftm_json")


def load_all() -> None:
    for name in PARSER_MODULES:
        importlib.import_module(f"dualcheck.lists.sources.{name}")


load_all()
