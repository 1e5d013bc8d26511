"""What the engine returns: outcomes ordered by severity, reasons with citations, results."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any


class Outcome(str, Enum):
    PROHIBITED = "PROHIBITED"
    NEEDS_INFORMATION = "NEEDS_INFORMATION"
    LICENCE_REQUIRED = "LICENCE_REQUIRED"
    GENERAL_AUTHORISATION = "GENERAL_AUTHORISATION"
    NO_LICENCE_REQUIRED = "NO_LICENCE_REQUIRED"


# Most restrictive first. NEEDS_INFORMATION ranks above LICENCE_REQUIRED because a missing fact
# might still hide a prohibition; only a prohibition already established outranks it.
SEVERITY = [Outcome.PROHIBITED, Outcome.NEEDS_INFORMATION, Outcome.LICENCE_REQUIRED,
            Outcome.GENERAL_AUTHORISATION, Outcome.NO_LICENCE_REQUIRED]


def most_restrictive(outcomes: list[Outcome]) -> Outcome:
    return min(outcomes, key=SEVERITY.index) if outcomes else Outcome.NO_LICENCE_REQUIRED


@dataclass(frozen=True)
class Reason:
    """One rule that fired (or was checked and did not bind), with its legal citation."""

    rule: str
    citation: str
    detail: str
    outcome: Outcome | None = None  # the outcome this reason supports; None = information only
    missing: tuple[str, ...] = ()   # facts the rule needs and the transaction lacks

    def to_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"rule": self.rule, "citation": self.citation, "detail": self.detail}
        if self.outcome is not None:
            doc["outcome"] = self.outcome.value
        if self.missing:
            doc["missing"] = list(self.missing)
        return doc


@dataclass
class Verdict:
    """The reasons gathered for one subject (an item, the parties, the destination)."""

    reasons: list[Reason] = field(default_factory=list)
    authorisations: list[str] = field(default_factory=list)

    def add(self, reason: Reason) -> None:
        self.reasons.append(reason)

    @property
    def outcome(self) -> Outcome:
        bound = [r.outcome for r in self.reasons if r.outcome is not None]
        return most_restrictive(bound)

    @property
    def missing(self) -> list[str]:
        out: list[str] = []
        for reason in self.reasons:
            if reason.outcome == Outcome.NEEDS_INFORMATION:
                out.extend(m for m in reason.missing if m not in out)
        return out


@dataclass
class ItemResult:
    id: str
    verdict: Verdict
    obligations: list[str] = field(default_factory=list)
    licence_types: list[str] = field(default_factory=list)
    suggestions: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        outcome = self.verdict.outcome
        doc: dict[str, Any] = {
            "id": self.id,
            "outcome": outcome.value,
            "authorisations": list(self.verdict.authorisations) if outcome == Outcome.GENERAL_AUTHORISATION else [],
            "reasons": [r.to_dict() for r in self.verdict.reasons],
        }
        if self.verdict.missing:
            doc["missing_facts"] = self.verdict.missing
        if outcome == Outcome.GENERAL_AUTHORISATION:
            doc["obligations"] = self.obligations
        if outcome == Outcome.LICENCE_REQUIRED and self.licence_types:
            doc["licence_types"] = self.licence_types
        if self.suggestions:
            doc["classification_suggestions"] = self.suggestions
        return doc


@dataclass
class Determination:
    """The whole answer for one transaction (before storage adds ids and versions)."""

    outcome: Outcome
    items: list[ItemResult]
    parties: Verdict
    destination: Verdict
    authorisations: list[str]
    rule_set_version: str

    @property
    def reasons(self) -> list[Reason]:
        """Transaction-level reasons: parties, then destination, then each item's binding reasons."""
        out = list(self.parties.reasons) + list(self.destination.reasons)
        for item in self.items:
            for reason in item.verdict.reasons:
                if reason.outcome != item.verdict.outcome:
                    continue
                if not reason.detail.startswith(f"item {item.id}"):
                    reason = replace(reason, detail=f"item {item.id}: {reason.detail}")
                out.append(reason)
        return out

    @property
    def missing(self) -> list[str]:
        out: list[str] = []
        for verdict in [self.parties, self.destination, *(i.verdict for i in self.items)]:
            out.extend(m for m in verdict.missing if m not in out)
        return out
