"""The small interfaces the engine needs from other domains, so rules/ stays free of I/O.

`check/` adapts the control catalog and the screening results to these shapes; tests use
tiny fakes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol


class ControlLookup(Protocol):
    """What the engine asks of the control list."""

    version: str

    def is_known(self, code: str) -> bool:
        """True when `code` is a provision of the control list in force."""

    def suggest(self, text: str, top: int) -> list[dict[str, Any]]:
        """Classification suggestions for an unclassified item's description, best first."""


HitDecision = Literal["confirmed", "unreviewed", "cleared"]


@dataclass(frozen=True)
class PartyHit:
    list: str
    programme: str | None
    score: float
    strong: bool                 # score at or above the strong-match threshold
    decision: HitDecision = "unreviewed"
    entity_id: str | None = None
    matched_name: str | None = None
    explanation: tuple[Any, ...] = ()
    exact: bool | None = None                # None = judged from the score and the explanation
    corroborated_by: tuple[str, ...] = ()    # e.g. ("country",); else read from the explanation


@dataclass(frozen=True)
class PartyScreening:
    index: int
    name: str
    role: str
    hits: tuple[PartyHit, ...] = ()


@dataclass(frozen=True)
class ScreeningFacts:
    """Screening results for the transaction's parties (or why there are none)."""

    performed: bool
    parties: tuple[PartyScreening, ...] = ()
    list_versions: dict[str, Any] = field(default_factory=dict)
    threshold: float | None = None
    strong_threshold: float | None = None
    unavailable_reason: str | None = None
