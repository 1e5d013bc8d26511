"""Rule 1, parties: restricted-party and sanctions-list hits on any party."""

from __future__ import annotations

from dualcheck.rules.facts import Transaction
from dualcheck.rules.lookups import PartyHit, ScreeningFacts
from dualcheck.rules.outcome import Outcome, Reason, Verdict
from dualcheck.rules.ruleset import RuleSet


def _where(hit: PartyHit) -> str:
    programme = f", programme {hit.programme}" if hit.programme else ""
    matched = f" as {hit.matched_name!r}" if hit.matched_name else ""
    return f"list {hit.list}{programme}, matched{matched} with score {hit.score:.2f}"


def judge_parties(tx: Transaction, rules: RuleSet, screening: ScreeningFacts) -> Verdict:
    verdict = Verdict()
    citation = rules.cite("parties")
    if not tx.parties:
        verdict.add(Reason("parties.missing", citation, "no parties given: the consignee and end-user must be "
                           "known and screened", Outcome.NEEDS_INFORMATION, ("parties",)))
        return verdict
    if not screening.performed:
        verdict.add(Reason("parties.not_screened", citation,
                           f"parties could not be screened: {screening.unavailable_reason}",
                           Outcome.NEEDS_INFORMATION, ("party screening",)))
        return verdict
    for result in screening.parties:
        who = f"party {result.index + 1} ({result.role} {result.name!r})"
        for hit in result.hits:
            if hit.decision == "cleared":
                verdict.add(Reason("parties.hit_cleared", citation,
                                   f"{who}: hit on {_where(hit)} was reviewed and cleared"))
            elif hit.decision == "confirmed":
                verdict.add(Reason("parties.confirmed_hit", citation,
                                   f"{who}: confirmed match on {_where(hit)}", Outcome.PROHIBITED))
            elif hit.strong:
                verdict.add(Reason("parties.strong_hit", citation,
                                   f"{who}: unreviewed strong match on {_where(hit)}; the transaction is held "
                                   "for review and may not proceed until a reviewer clears the hit",
                                   Outcome.PROHIBITED))
            else:
                verdict.add(Reason("parties.weak_hit", citation,
                                   f"{who}: possible match on {_where(hit)}; review the hit (identifiers, "
                                   "address, date of birth) before deciding",
                                   Outcome.NEEDS_INFORMATION, (f"parties[{result.index}] hit review",)))
    if not any(r.outcome for r in verdict.reasons):
        lists = ", ".join(sorted(screening.list_versions)) or "the loaded lists"
        verdict.add(Reason("parties.clear", citation,
                           f"{len(screening.parties)} parties screened against {lists}: no open hit"))
    return verdict
