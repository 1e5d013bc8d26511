"""Rules 2-5 for one item: sanctions by destination and transit, listed items by transaction
type, catch-all controls and national measures, then the Union general export authorisations.
"""

from __future__ import annotations

import datetime as dt

from dualcheck.rules import codes as codes_mod
from dualcheck.rules.eugea import AWARENESS_TEXT, check_all
from dualcheck.rules.facts import Item, Transaction
from dualcheck.rules.lookups import ControlLookup
from dualcheck.rules.outcome import ItemResult, Outcome, Reason, Verdict
from dualcheck.rules.ruleset import ANNEX_IV_WARNING, Measure, RuleSet

ART_4_1_USES = ("wmd", "military_embargo", "military_parts_illegal")
CATCH_ALL = {"wmd": "catch_all_wmd", "military_parts_illegal": "catch_all_military_parts",
             "cyber_repression": "catch_all_cyber"}


def _measure_reason(measure: Measure, tx: Transaction, item_label: str, index: int,
                    as_of: dt.date) -> Reason | None:
    """The reason a sanctions measure binds this listed item, or None when it does not reach it."""
    if tx.type.value not in measure.types or not measure.in_force(as_of):
        return None
    by_destination = tx.destination in measure.destinations
    transit_via = sorted(set(tx.transit_countries) & measure.transit_countries)
    if not by_destination and not transit_via:
        return None
    where = f"destination {tx.destination}" if by_destination else f"transit via {', '.join(transit_via)}"
    dates = f"in force from {measure.valid_from}" if measure.valid_from else \
        "start date not recorded in the reference data: applied to every as-of date"
    detail = f"item {item_label}, {where}: {measure.detail} ({measure.regime}; {dates})"
    if measure.condition == "military":
        military = "military_embargo" in tx.awareness or tx.end_use.civil is False
        if not military:
            if tx.end_use.civil is None:
                return Reason(f"sanctions.{measure.id}", measure.citation,
                              detail + " Applies to military use or military end-users: state end_use.civil.",
                              Outcome.NEEDS_INFORMATION, ("end_use.civil",))
            return None
    missing = (f"items[{index}]: {measure.missing}",) if measure.missing else ()
    return Reason(f"sanctions.{measure.id}", measure.citation, detail, Outcome(measure.effect), missing)


def _licence_types(rules: RuleSet, codes: list[str]) -> list[str]:
    key = ("licence_types", *codes)
    if key not in rules.memo:
        rules.memo[key] = _licence_types_for(rules, codes)
    return list(rules.memo[key])


def _licence_types_for(rules: RuleSet, codes: list[str]) -> list[str]:
    section_i = any(codes_mod.overlaps_any(c, rules.section_i) or rules.annex_iv_entry(c) for c in codes)
    cite = rules.cite("licence_types")
    types = [f"individual export authorisation ({cite}(a))", f"global export authorisation ({cite}(b))",
             "large project authorisation (an individual or global authorisation for one project, Art. 12)"]
    if not section_i:
        types.append(f"national general export authorisation, where the exporter's Member State provides one "
                     f"({cite}(c))")
    return types


def _export_listed(tx: Transaction, label: str, codes: list[str], rules: RuleSet, result: ItemResult,
                   as_of: dt.date) -> None:
    verdict = result.verdict
    checks = check_all(tx, codes, rules, as_of)
    usable = [c for c in checks if c.usable]
    listed = f"item {label} ({', '.join(codes)}) is listed in Annex I"
    if usable:
        verdict.add(Reason("export.listed", rules.cite("export_listed"), listed + "; an authorisation is required"))
        for check in usable:
            verdict.add(Reason(f"eugea.{check.eugea.id}", check.eugea.citation,
                               f"{check.eugea.id} ({check.eugea.name}) is usable: {check.why}",
                               Outcome.GENERAL_AUTHORISATION))
            verdict.authorisations.append(check.eugea.id)
            result.obligations.extend(f"{check.eugea.id}: {o}" for o in check.eugea.obligations)
            result.obligations.extend(f"{check.eugea.id} condition: {c}" for c in check.eugea.conditions)
        return
    for check in checks:
        verdict.add(Reason(f"eugea.{check.eugea.id}", check.eugea.citation,
                           f"{check.eugea.id} not usable: {check.why}",
                           Outcome.NEEDS_INFORMATION if check.missing else None, check.missing))
    if not checks:
        tail = f"no Union general export authorisation covers destination {tx.destination}"
    else:
        tail = "no Union general export authorisation is usable"
    verdict.add(Reason("export.listed", rules.cite("export_listed"),
                       f"{listed}; {tail}: apply for an export authorisation", Outcome.LICENCE_REQUIRED))
    result.licence_types = _licence_types(rules, codes)


def _catch_all(tx: Transaction, label: str, rules: RuleSet, verdict: Verdict) -> None:
    for fact in tx.awareness:
        if fact == "military_embargo":
            countries = [tx.destination] + [p.country for p in tx.parties or [] if p.role == "purchaser"]
            embargoed = [c for c in countries if c and c in rules.arms_embargoes]
            if not embargoed:
                verdict.add(Reason("catch_all.military_embargo", rules.cite("catch_all_military_embargo"),
                                   f"item {label}: military end-use stated, but neither the destination nor the "
                                   "purchasing country is under an arms embargo in the reference data"))
                continue
            regime = rules.arms_embargoes[embargoed[0]]
            verdict.add(Reason("catch_all.military_embargo", rules.cite("catch_all_military_embargo"),
                               f"item {label}: not listed, but {AWARENESS_TEXT[fact]} ({embargoed[0]}: "
                               f"{regime.regime}); the competent authority must authorise it (or decide, when "
                               "the exporter notifies it)", Outcome.LICENCE_REQUIRED))
        else:
            key = CATCH_ALL[fact]
            verdict.add(Reason(f"catch_all.{fact}", rules.cite(key),
                               f"item {label}: not listed, but {AWARENESS_TEXT[fact]}; an authorisation is "
                               "required (informed) or the competent authority must be notified and decides "
                               "(aware)", Outcome.LICENCE_REQUIRED))


def _national(tx: Transaction, item: Item, label: str, rules: RuleSet, as_of: dt.date, verdict: Verdict) -> None:
    codes = item.control_codes or []
    for measure in rules.national_measures:
        if not measure.applies(tx.exporter.country, tx.destination, as_of):
            continue
        by_code = [c for c in codes if c in measure.codes]
        by_hs = item.hs_code and any(item.hs_code.startswith(h) for h in measure.hs_codes)
        if by_code or by_hs:
            article = "national_public_security" if measure.article == 9 else "national_other_list"
            verdict.add(Reason(f"national.{measure.id}", f"{rules.cite(article)}; {measure.citation}",
                               f"item {label}: national measure {measure.id} of {measure.member_state} covers "
                               f"{', '.join(by_code) or 'HS ' + str(item.hs_code)} for {tx.destination}",
                               Outcome(measure.effect)))


def judge_item(tx: Transaction, index: int, movement: str, rules: RuleSet, controls: ControlLookup,
               as_of: dt.date) -> ItemResult:
    item = tx.items[index]
    label = tx.item_label(index)
    result = ItemResult(id=label, verdict=Verdict())
    verdict = result.verdict
    if item.control_codes is None:
        verdict.add(Reason("item.unclassified", rules.cite("export_listed"),
                           f"item {label} is not classified: give its control codes ([] when not listed)",
                           Outcome.NEEDS_INFORMATION, (f"items[{index}].control_codes",)))
        if item.description:
            result.suggestions = controls.suggest(item.description, 5)
        return result
    national_codes = rules.national_codes()
    listed = [c for c in item.control_codes if c not in national_codes]
    if tx.destination is None:
        return result  # the destination verdict already asks for it
    reachable = set(tx.transit_countries) | {tx.destination}
    for measure in rules.measures:
        if reachable.isdisjoint(measure.destinations) and reachable.isdisjoint(measure.transit_countries):
            continue
        if (measure.scope == "annex_i") == bool(listed):
            reason = _measure_reason(measure, tx, label, index, as_of)
            if reason:
                verdict.add(reason)
    aware_4_1: list[str] = [a for a in tx.awareness if a in ART_4_1_USES]
    if movement == "export":
        if listed:
            _export_listed(tx, label, listed, rules, result, as_of)
        else:
            _catch_all(tx, label, rules, verdict)
        _national(tx, item, label, rules, as_of, verdict)
    elif movement == "transfer":
        entries = [(c, rules.annex_iv_entry(c)) for c in listed]
        hits = [(c, e) for c, e in entries if e is not None]
        if hits:
            names = "; ".join(f"{c} under {e.code} ({e.note}, Part {e.part})" for c, e in hits)
            verdict.add(Reason("transfer.annex_iv", rules.cite("transfer_annex_iv"),
                               f"item {label}: {names} [{ANNEX_IV_WARNING}]", Outcome.LICENCE_REQUIRED))
        else:
            verdict.add(Reason("transfer.free", rules.cite("transfer_free"),
                               f"item {label} is not listed in Annex IV [{ANNEX_IV_WARNING}]",
                               Outcome.NO_LICENCE_REQUIRED))
    else:
        _services(tx, label, listed, aware_4_1, movement, rules, verdict)
    if not any(r.outcome for r in verdict.reasons):
        key = "export_not_listed" if movement == "export" else "export_listed"
        verdict.add(Reason("export.not_listed", rules.cite(key),
                           f"item {label} is not listed in Annex I and no catch-all or national measure applies",
                           Outcome.NO_LICENCE_REQUIRED))
    return result


def _services(tx: Transaction, label: str, listed: list[str], aware: list[str], movement: str, rules: RuleSet,
              verdict: Verdict) -> None:
    """Brokering (Art. 6), technical assistance (Art. 8) and transit (Art. 7) of listed items."""
    key = {"brokering": "brokering", "technical_assistance": "technical_assistance", "transit": "transit"}[movement]
    free_key = {"brokering": "brokering_not_required", "technical_assistance": "technical_assistance_free",
                "transit": "transit_free"}[movement]
    if not listed:
        verdict.add(Reason(f"{movement}.not_listed", rules.cite(free_key),
                           f"item {label} is not listed in Annex I", Outcome.NO_LICENCE_REQUIRED))
        return
    if movement == "technical_assistance" and tx.destination in rules.eugeas["EU001"].destinations:
        verdict.add(Reason("technical_assistance.exempt", rules.cite("technical_assistance_exempt"),
                           f"item {label}: technical assistance into {tx.destination}, an EU001 destination",
                           Outcome.NO_LICENCE_REQUIRED))
        return
    if aware:
        uses = "; ".join(AWARENESS_TEXT[a] for a in aware)
        extra = " (the Member State of transit may prohibit it)" if movement == "transit" else ""
        verdict.add(Reason(f"{movement}.art_4_1_use", rules.cite(key),
                           f"item {label} ({', '.join(listed)}) is listed and {uses}: an authorisation or a "
                           f"decision of the competent authority is required{extra}", Outcome.LICENCE_REQUIRED))
        return
    verdict.add(Reason(f"{movement}.no_art_4_1_use", rules.cite(free_key),
                       f"item {label} ({', '.join(listed)}) is listed, but no use in Art. 4(1) is known",
                       Outcome.NO_LICENCE_REQUIRED))
