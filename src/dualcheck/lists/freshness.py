"""How fresh each loaded list is: its publication date, its age, and whether it is older than
its configured maximum (``data/max_age.yaml``, overridden by ``DUALCHECK_LIST_MAX_AGE``).

Every screening and check answer carries this, and a screening that finds nothing while a list
is stale is a warning, not a clear."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from dualcheck.config import get_settings
from dualcheck.errors import ConfigError

MAX_AGE_FILE = Path(__file__).resolve().parent / "data" / "max_age.yaml"
MAX_AGE_ENV = "DUALCHECK_LIST_MAX_AGE"  # Settings.list_max_age


@lru_cache(maxsize=4)
def _max_ages(override: str) -> tuple[int, dict[str, int]]:
    doc = yaml.safe_load(MAX_AGE_FILE.read_text(encoding="utf-8"))
    ages = {str(k): int(v) for k, v in doc["lists"].items()}
    for part in filter(None, (p.strip() for p in override.split(","))):
        name, _, days = part.partition("=")
        if not days.strip().isdigit():
            raise ConfigError(f"{MAX_AGE_ENV}: {part!r} is not LIST=DAYS")
        ages[name.strip()] = int(days)
    return int(doc["default_days"]), ages


def max_age_days(list_name: str) -> int:
    default, ages = _max_ages(get_settings().list_max_age)
    return ages.get(list_name, default)


def list_freshness(versions: dict[str, dict[str, Any]], today: dt.date | None = None) -> dict[str, dict[str, Any]]:
    """Per list: version, publication date, age in days, the maximum and whether it is exceeded."""
    today = today or dt.datetime.now(dt.UTC).date()
    out: dict[str, dict[str, Any]] = {}
    for name, info in sorted(versions.items()):
        published = dt.date.fromisoformat(str(info["published"]))
        age = (today - published).days
        limit = max_age_days(name)
        out[name] = {"version": info.get("version"), "published": published.isoformat(), "age_days": age,
                     "max_age_days": limit, "stale": age > limit}
    return out


def stale_warnings(freshness: dict[str, dict[str, Any]]) -> list[str]:
    return [f"{name} was published {row['published']}, {row['age_days']} days ago (maximum {row['max_age_days']}): "
            "update it before relying on a clear result" for name, row in freshness.items() if row["stale"]]
