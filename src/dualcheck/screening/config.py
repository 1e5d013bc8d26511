"""The versioned scoring configuration: thresholds, name parameters and the feature list.

It is data (``data/scoring.yaml``); its version is part of every screening result and ledger
record, so a score can be traced to the exact numbers that produced it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, Field, ValidationError

from dualcheck.errors import BadInput
from dualcheck.screening.names import NameParams

DEFAULT_CONFIG = Path(__file__).resolve().parent / "data" / "scoring.yaml"
M = TypeVar("M", bound=BaseModel)


class FeatureSpec(BaseModel):
    name: str
    weight: float = Field(ge=-1.0, le=1.0)
    qualifier: bool = False
    description: str = ""


class NameSection(BaseModel):
    first_letter_penalty: float = Field(ge=0, le=1)
    romanisation: float = Field(ge=0, le=1)
    phonetic: float = Field(ge=0, le=1)
    skeleton: float = Field(ge=0, le=1)
    initial: float = Field(ge=0, le=1)
    unmatched: float = Field(ge=0)
    unmatched_extra_names: float = Field(ge=0)
    org_class_weight: float = Field(ge=0)
    min_evidence: float = Field(gt=0)
    nickname: float = Field(ge=0, le=1)
    acronym: float = Field(ge=0, le=1)
    number_mismatch: float = Field(ge=0, le=1)
    nasab_reversed: float = Field(ge=0, le=1)
    substitution_penalty: float = Field(ge=0, le=1)
    same_script_difference: float = Field(ge=0, le=1)


class ScoringConfig(BaseModel):
    version: str
    threshold: float = Field(ge=0, le=1)
    candidates: int = Field(ge=1, le=10_000)
    candidate_min_share: float = Field(ge=0, le=1)
    name: NameSection
    features: list[FeatureSpec]

    def name_params(self) -> NameParams:
        return NameParams(**self.name.model_dump())

    def summary(self) -> dict[str, object]:
        """What a result records about the configuration that produced it."""
        return {"version": self.version, "threshold": self.threshold}


def load_config(path: Path | None = None) -> ScoringConfig:
    return load_validated(path or DEFAULT_CONFIG, ScoringConfig)


def load_validated(path: Path, model: type[M], edit: Callable[[Any], Any] | None = None) -> M:
    """A YAML file validated as ``model`` (after ``edit``, if given), or one line naming the file and field."""
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        return model.model_validate(edit(doc) if edit else doc)
    except OSError as exc:
        raise BadInput(f"cannot read ({exc.strerror})", source=str(path)) from None
    except yaml.YAMLError as exc:
        raise BadInput(f"not valid YAML ({exc})", source=str(path)) from None
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        raise BadInput(str(err["msg"]), source=str(path), location=loc) from None


@lru_cache(maxsize=1)
def default_config() -> ScoringConfig:
    return load_config()
