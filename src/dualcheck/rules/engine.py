"""The licence determination, read like a compliance manual: parties, destination, then each
item (sanctions, listed items by transaction type, catch-all, general authorisations); the
outcome is the most restrictive of them all.
"""

from __future__ import annotations

import datetime as dt

from dualcheck.errors import BadInput
from dualcheck.rules.facts import Transaction
from dualcheck.rules.items import judge_item
from dualcheck.rules.lookups import ControlLookup, ScreeningFacts
from dualcheck.rules.outcome import Determination, Outcome, Reason, Verdict, most_restrictive
from dualcheck.rules.parties import judge_parties
from dualcheck.rules.ruleset import RuleSet


def movement_of(tx: Transaction, rules: RuleSet) -> str:
    """The movement the rules must judge: an 'export' to a Member State is an intra-Union transfer."""
    if tx.type.value == "export" and tx.destination in rules.member_states:
        return "transfer"
    return tx.type.value


def judge_destination(tx: Transaction, rules: RuleSet, movement: str) -> Verdict:
    verdict = Verdict()
    if tx.destination is None:
        verdict.add(Reason("destination.missing", rules.cite("export_listed"),
                           "the destination is not given", Outcome.NEEDS_INFORMATION, ("destination",)))
        return verdict
    if movement != tx.type.value:
        verdict.add(Reason("destination.member_state", rules.cite("transfer_annex_iv"),
                           f"destination {tx.destination} is a Member State: judged as an intra-Union transfer"))
    if movement == "transfer" and tx.destination not in rules.member_states:
        verdict.add(Reason("destination.outside_union", rules.cite("export_listed"),
                           f"a transfer is a movement within the Union, but destination {tx.destination} is outside "
                           "it: correct the type (export) or the destination", Outcome.NEEDS_INFORMATION, ("type",)))
    if movement in ("export", "transfer") and tx.exporter.country is None and rules.national_measures:
        verdict.add(Reason("exporter.country_missing", rules.cite("national_public_security"),
                           "the exporter's Member State decides which national measures apply",
                           Outcome.NEEDS_INFORMATION, ("exporter.country",)))
    embargo = rules.arms_embargoes.get(tx.destination)
    if embargo:
        act = embargo.legal_act or "no legal act named in the reference data"
        verdict.add(Reason("destination.arms_embargo", rules.cite("catch_all_military_embargo"),
                           f"{tx.destination} is under an arms embargo ({embargo.regime}; {act}): military end-uses "
                           "of non-listed items need an authorisation"))
    return verdict


def determine(tx: Transaction, rules: RuleSet, controls: ControlLookup, screening: ScreeningFacts,
              as_of: dt.date) -> Determination:
    """Judge the transaction as of a date. Pure: the same inputs give the same determination."""
    if as_of < rules.applies_from:
        raise BadInput(f"{as_of} is before {rules.applies_from}, when Regulation (EU) 2021/821 started to apply; "
                       "this rule set cannot judge it", location="as_of")
    movement = movement_of(tx, rules)
    parties = judge_parties(tx, rules, screening)
    destination = judge_destination(tx, rules, movement)
    items = [judge_item(tx, i, movement, rules, controls, as_of) for i in range(len(tx.items))]
    outcome = most_restrictive([parties.outcome, destination.outcome, *(i.verdict.outcome for i in items)])
    authorisations: list[str] = []
    if outcome == Outcome.GENERAL_AUTHORISATION:
        for item in items:
            if item.verdict.outcome == Outcome.GENERAL_AUTHORISATION:
                authorisations.extend(a for a in item.verdict.authorisations if a not in authorisations)
    return Determination(outcome=outcome, items=items, parties=parties, destination=destination,
                         authorisations=sorted(authorisations), rule_set_version=rules.version)
