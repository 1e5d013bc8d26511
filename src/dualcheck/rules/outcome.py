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
    verify: bool = False            # content taken from an act's text, not the reference data
    hold: str | None = None         # a hold this reason asks for even when the outcome clears

    def to_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"rule": self.rule, "citation": self.citation, "detail": self.detail}
        if self.outcome is not None:
            doc["outcome"] = self.outcome.value
        if self.missing:
            doc["missing"] = list(self.missing)
        if self.verify:
            doc["source"] = "act text, verify"
        if self.hold:
            doc["hold"] = self.hold
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
    def verdicts(self) -> list[tuple[str, Verdict]]:
        return [("parties", self.parties), ("destination", self.destination),
                *((f"item {i.id}", i.verdict) for i in self.items)]

    @property
    def missing(self) -> list[str]:
        out: list[str] = []
        for _subject, verdict in self.verdicts:
            out.extend(m for m in verdict.missing if m not in out)
        return out

    def rules_applied(self) -> dict[str, list[dict[str, Any]]]:
        """Every rule that fired (bound an outcome or asked for a hold), every rule considered that
        could not be applied because a fact is missing, and every rule checked that did not bind."""
        fired: list[dict[str, Any]] = []
        wanting: list[dict[str, Any]] = []
        checked: list[dict[str, Any]] = []
        for subject, verdict in self.verdicts:
            for r in verdict.reasons:
                row = {"subject": subject, "rule": r.rule, "citation": r.citation}
                if r.missing:
                    wanting.append({**row, "missing": list(r.missing)})
                elif r.outcome is not None or r.hold:
                    fired.append({**row, "outcome": r.outcome.value if r.outcome else None,
                                  **({"hold": r.hold} if r.hold else {})})
                else:
                    checked.append(row)
        return {"fired": fired, "not_applied_missing_facts": wanting, "checked_not_binding": checked}

    @property
    def holds(self) -> list[Reason]:
        """Reasons that ask for a hold whatever the outcome (e.g. a foreign-nexus hit)."""
        return [r for _subject, v in self.verdicts for r in v.reasons if r.hold]

    @property
    def from_act_text(self) -> bool:
        return any(r.verify for _subject, v in self.verdicts for r in v.reasons)
