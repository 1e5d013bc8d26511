"""Rule 1, parties: restricted-party hits, judged by the list they come from (parties.yaml).

- EU-implemented lists (EU financial sanctions, UN lists the Union transposes): a hit an officer
  confirmed, or an exact one corroborated by a country, date of birth or identifier, prohibits
  the supply, citing the regime that lists the entry; any other open hit asks for the officer's
  review (NEEDS_INFORMATION, and the check holds the transaction).
- US, UK or Canadian lists only: nothing changes in the EU outcome, but the transaction is held
  with a foreign-nexus warning citing the list, and the Blocking Statute is noted where the
  programme is one it covers.
"""

from __future__ import annotations

from dualcheck.rules.facts import Transaction
from dualcheck.rules.lookups import PartyHit, ScreeningFacts
from dualcheck.rules.outcome import Outcome, Reason, Verdict
from dualcheck.rules.ruleset import RuleSet
from dualcheck.rules.schema import ListSource

CORROBORATING = {"country_match": "country", "dob_match": "date of birth", "identifier_match": "identifier"}


def _where(hit: PartyHit) -> str:
    programme = f", programme {hit.programme}" if hit.programme else ""
    matched = f" as {hit.matched_name!r}" if hit.matched_name else ""
    return f"list {hit.list}{programme}, matched{matched} with score {hit.score:.2f}"


def _source(hit: PartyHit, rules: RuleSet) -> ListSource:
    return rules.parties.lists.get(hit.list, rules.parties.unknown_list)


def _programmes(hit: PartyHit) -> set[str]:
    return {p.strip().upper() for p in (hit.programme or "").replace(";", ",").split(",") if p.strip()}


def regime_citation(hit: PartyHit, rules: RuleSet) -> str:
    """The Union regime that lists the entry, from the hit's programme codes."""
    programmes = _programmes(hit)
    for regime in rules.parties.eu_regimes:
        if programmes & {p.upper() for p in regime.programmes}:
            return regime.citation
    return rules.parties.default_eu_citation


def _feature(hit: PartyHit, name: str) -> float:
    for row in hit.explanation:
        if isinstance(row, dict) and row.get("feature") == name:
            return float(row.get("value") or 0.0)
    return 0.0


def exactness(hit: PartyHit, rules: RuleSet) -> tuple[bool, list[str]]:
    """Whether the hit is an exact name match, and what corroborates it (country, date of birth, id)."""
    exact = hit.exact if hit.exact is not None else max(hit.score, _feature(hit, "name_match")) >= \
        rules.parties.exact_score
    corroboration = list(hit.corroborated_by) or [fact for feature, fact in CORROBORATING.items()
                                                  if _feature(hit, feature) > 0]
    return exact, corroboration


def _judge_hit(who: str, index: int, hit: PartyHit, rules: RuleSet, verdict: Verdict) -> None:
    source = _source(hit, rules)
    if hit.decision == "cleared":
        verdict.add(Reason("parties.hit_cleared", source.citation,
                           f"{who}: hit on {_where(hit)} was reviewed and cleared"))
        return
    if not source.eu_effect:
        _foreign(who, hit, source, rules, verdict)
        return
    exact, corroboration = exactness(hit, rules)
    citation = regime_citation(hit, rules)
    if hit.decision == "confirmed":
        verdict.add(Reason("parties.confirmed_hit", citation,
                           f"{who}: confirmed match on {_where(hit)} ({source.citation})", Outcome.PROHIBITED))
    elif exact and corroboration:
        verdict.add(Reason("parties.exact_corroborated_hit", citation,
                           f"{who}: exact match on {_where(hit)}, corroborated by {', '.join(corroboration)} "
                           f"({source.citation}); the supply is prohibited unless an officer finds it a different "
                           "person", Outcome.PROHIBITED))
    else:
        kind = "exact but uncorroborated" if exact else ("strong" if hit.strong else "possible")
        verdict.add(Reason("parties.open_hit", citation,
                           f"{who}: {kind} match on {_where(hit)} ({source.citation}), not reviewed; held for the "
                           "officer's decision (identifiers, address, date of birth)",
                           Outcome.NEEDS_INFORMATION, (f"parties[{index}].hit_review",), hold="hit_review"))


def _foreign(who: str, hit: PartyHit, source: ListSource, rules: RuleSet, verdict: Verdict) -> None:
    nexus = rules.parties.foreign_nexus.get(source.jurisdiction, "foreign sanctions nexus")
    state = "confirmed" if hit.decision == "confirmed" else "open"
    detail = (f"{who}: {state} hit on {_where(hit)}, a {source.jurisdiction} list only: no effect on the EU "
              f"outcome, but the transaction is held for the foreign-nexus warning ({nexus})")
    verdict.add(Reason("parties.foreign_list_hit", source.citation, detail, hold="foreign_nexus"))
    blocked = _programmes(hit) & {p.upper() for p in rules.parties.blocking_statute.programmes}
    if blocked:
        verdict.add(Reason("parties.blocking_statute", rules.parties.blocking_statute.citation,
                           f"{who}: programme {', '.join(sorted(blocked))} is a US measure covered by the EU "
                           "Blocking Statute: EU operators must not comply with it (Art. 5), and may apply for "
                           "an authorisation to comply", hold="foreign_nexus"))


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
                           Outcome.NEEDS_INFORMATION, ("parties.screening",)))
        return verdict
    for result in screening.parties:
        who = f"party {result.index + 1} ({result.role} {result.name!r})"
        for hit in result.hits:
            _judge_hit(who, result.index, hit, rules, verdict)
    if not any(r.outcome or r.hold for r in verdict.reasons):
        lists = ", ".join(sorted(screening.list_versions)) or "the loaded lists"
        verdict.add(Reason("parties.clear", citation,
                           f"{len(screening.parties)} parties screened against {lists}: no open hit"))
    return verdict
