"""The licence determination, read like a compliance manual: parties, destination and the
movement the law sees, the competent authority's decisions, then each item (sanctions, listed
items by transaction type, catch-all, general authorisations); the outcome is the most
restrictive of them all.
"""

from __future__ import annotations

import datetime as dt

from dualcheck.errors import BadInput
from dualcheck.rules.context import Context
from dualcheck.rules.facts import Transaction
from dualcheck.rules.items import judge_item
from dualcheck.rules.lookups import ControlLookup, ScreeningFacts
from dualcheck.rules.outcome import Determination, Outcome, Reason, Verdict, most_restrictive
from dualcheck.rules.parties import judge_parties
from dualcheck.rules.ruleset import RuleSet
from dualcheck.rules.services import ARTICLE


def _matters(ctx: Context) -> bool:
    """Whether the goods' location or customs status can change the answer: listed items, or a use
    in Art. 4(1) or 5 known (the same goods leaving the Union by export meet the catch-all)."""
    national = ctx.rules.national_codes()
    listed = any(c not in national for item in ctx.tx.items for c in item.control_codes or [])
    return listed or bool(ctx.uses)


def movement_of(ctx: Context, verdict: Verdict) -> str:
    """The movement the rules must judge, with the reasons that turn one type into another."""
    tx, rules = ctx.tx, ctx.rules
    kind = tx.type.value
    entry = rules.territory.entry(ctx.place) if ctx.place else None
    if entry is not None and ctx.place is not None and not (kind == "export" and ctx.in_union):
        verdict.add(Reason("destination.territory", rules.cite("customs_territory"),
                           f"destination {rules.territory.describe(ctx.place)}", verify="verify" in entry.source))
    if kind == "export" and tx.destination is not None and ctx.in_union:
        where = rules.territory.describe(ctx.place) if ctx.place else tx.destination
        cite = f"{rules.cite('customs_territory')}; {rules.cite('transfer_annex_iv')}"
        verdict.add(Reason("destination.inside_union", cite,
                           f"destination {where} lies inside the customs territory of the Union: judged as an "
                           "intra-Union transfer, not an export"))
        return "transfer"
    if kind == "brokering" and tx.goods_location is not None and tx.goods_location in rules.member_states:
        verdict.add(Reason("brokering.goods_in_union", rules.cite("brokering_definition"),
                           f"the goods are located in {tx.goods_location}, inside the Union: they leave it by export "
                           "(Art. 2(2)), not brokering, and are judged as an export"))
        return "export"
    if kind == "brokering" and tx.goods_location is None and _matters(ctx):
        verdict.add(Reason("brokering.goods_location", rules.cite("brokering_definition"),
                           "where the goods are decides whether this is brokering (goods in third countries) or an "
                           "export from the Union, and whether sanctions on the country they are in apply: state "
                           "goods_location", Outcome.NEEDS_INFORMATION, ("goods_location",)))
    if kind == "technical_assistance" and tx.goods_location is None and _matters(ctx):
        verdict.add(Reason("technical_assistance.goods_location", rules.cite("technical_assistance"),
                           "where the goods the assistance concerns are decides whether it is for use in a country "
                           "under Union restrictive measures (e.g. Regulation (EU) No 833/2014, Art. 2(2)): state "
                           "goods_location", Outcome.NEEDS_INFORMATION, ("goods_location",)))
    if kind == "transit" and tx.non_union_goods is False:
        verdict.add(Reason("transit.union_goods", rules.cite("transit_definition"),
                           "the goods are Union goods (non_union_goods false): leaving the Union they are exported, "
                           "not in transit, and are judged as an export"))
        return "export"
    if kind == "transit" and tx.non_union_goods is None and _matters(ctx):
        verdict.add(Reason("transit.goods_status", rules.cite("transit_definition"),
                           "transit concerns non-Union goods only; Union goods leaving the Union are exported: state "
                           "non_union_goods", Outcome.NEEDS_INFORMATION, ("non_union_goods",)))
    return kind


def judge_destination(ctx: Context, movement: str) -> Verdict:
    tx, rules = ctx.tx, ctx.rules
    verdict = Verdict()
    if tx.destination is None:
        verdict.add(Reason("destination.missing", rules.cite("export_listed"),
                           "the destination is not given", Outcome.NEEDS_INFORMATION, ("destination",)))
        return verdict
    if movement == "transfer" and not ctx.in_union:
        where = rules.territory.describe(ctx.place) if ctx.place else tx.destination
        verdict.add(Reason("destination.outside_union", rules.cite("customs_territory"),
                           f"a transfer is a movement within the Union, but destination {where} is outside its "
                           "customs territory: correct the type (export) or the destination",
                           Outcome.NEEDS_INFORMATION, ("type",)))
    if movement in ("export", "transfer") and tx.exporter.country is None and rules.national_measures:
        verdict.add(Reason("exporter.country_missing", rules.cite("national_public_security"),
                           "the exporter's Member State decides which national measures apply",
                           Outcome.NEEDS_INFORMATION, ("exporter.country",)))
    for country, embargo in ctx.embargoed():
        act = embargo.legal_act or "no legal act named in the reference data"
        verdict.add(Reason("destination.arms_embargo", rules.cite("catch_all_military_embargo"),
                           f"{country} is under an arms embargo ({embargo.regime}; {act}): military end-uses "
                           "of non-listed items need an authorisation", verify="verify" in embargo.source))
    return verdict


def judge_decisions(ctx: Context, movement: str) -> Verdict:
    """Decisions of the competent authority on this transaction that bind whatever the items are
    (a decision on the movement's own service article is applied per item)."""
    verdict = Verdict()
    own = ARTICLE.get(movement)
    for decision in ctx.tx.authority_decisions:
        article = decision.article.split("(")[0].strip()
        if decision.decision == "not_required" or article == own:
            continue
        outcome = Outcome.PROHIBITED if decision.decision == "prohibited" else Outcome.LICENCE_REQUIRED
        ref = f" ({decision.reference})" if decision.reference else ""
        verdict.add(Reason("authority.decision", f"Regulation (EU) 2021/821, Art. {decision.article}; "
                           f"{ctx.rules.cite('authority_decision')}",
                           f"the competent authority decided under Art. {decision.article}: "
                           f"{decision.decision.replace('_', ' ')}{ref}", outcome))
    return verdict


def _check_registrations(tx: Transaction, rules: RuleSet) -> None:
    for pos, reg in enumerate(tx.registrations):
        if reg not in rules.eugeas:
            known = ", ".join(sorted(rules.eugeas))
            raise BadInput(f"unknown Union general export authorisation {reg!r} ({known})",
                           location=f"field registrations[{pos}]")


def determine(tx: Transaction, rules: RuleSet, controls: ControlLookup, screening: ScreeningFacts,
              as_of: dt.date) -> Determination:
    """Judge the transaction as of a date. Pure: the same inputs give the same determination."""
    if as_of < rules.applies_from:
        raise BadInput(f"{as_of} is before {rules.applies_from}, when Regulation (EU) 2021/821 started to apply; "
                       "this rule set cannot judge it", location="as_of")
    _check_registrations(tx, rules)
    ctx = Context.of(tx, rules)
    parties = judge_parties(tx, rules, screening)
    destination = Verdict()
    movement = movement_of(ctx, destination) if tx.destination is not None else tx.type.value
    destination.reasons.extend(judge_destination(ctx, movement).reasons)
    decisions = judge_decisions(ctx, movement)
    destination.reasons.extend(decisions.reasons)
    items = [judge_item(ctx, i, movement, controls, as_of) for i in range(len(tx.items))]
    outcome = most_restrictive([parties.outcome, destination.outcome, *(i.verdict.outcome for i in items)])
    authorisations: list[str] = []
    if outcome == Outcome.GENERAL_AUTHORISATION:
        for item in items:
            if item.verdict.outcome == Outcome.GENERAL_AUTHORISATION:
                authorisations.extend(a for a in item.verdict.authorisations if a not in authorisations)
    return Determination(outcome=outcome, items=items, parties=parties, destination=destination,
                         authorisations=sorted(authorisations), rule_set_version=rules.version)
