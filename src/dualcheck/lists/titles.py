"""Lists and programmes named in words (``data/titles.yaml``): "OFAC SDN", "UN 1718 (DPRK)".

A list of followthemoney data (``ftm-<dataset>``) is named after its dataset; an unknown list or
programme keeps its code, so nothing is ever hidden behind a missing title.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

TITLES_FILE = Path(__file__).resolve().parent / "data" / "titles.yaml"


@lru_cache(maxsize=1)
def _titles() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(TITLES_FILE.read_text(encoding="utf-8"))
    return doc


def list_title(name: str) -> str:
    if name.startswith("ftm-"):
        return f"FollowTheMoney dataset {name.removeprefix('ftm-')}"
    return str(_titles()["lists"].get(name, name))


def programme_titles(list_name: str, programmes: list[str] | tuple[str, ...]) -> list[str]:
    known = _titles()["programmes"].get(list_name, {})
    return [str(known.get(p, p)) for p in programmes]
