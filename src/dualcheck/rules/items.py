"""Rules 2-5 for one item: sanctions by country, listed items by transaction type, catch-all
controls (Art. 4, 5) and national measures, then the Union general export authorisations.
"""

from __future__ import annotations

import datetime as dt

from dualcheck.controls import codes as codes_mod
from dualcheck.rules.context import Context, find_terms
from dualcheck.rules.eugea import AWARENESS_TEXT, check_all
from dualcheck.rules.facts import Item
from dualcheck.rules.lookups import ControlLookup
from dualcheck.rules.outcome import ItemResult, Outcome, Reason, Verdict
from dualcheck.rules.ruleset import ANNEX_IV_WARNING, RuleSet
from dualcheck.rules.sanctions import measure_reason
from dualcheck.rules.services import decided, services

CATCH_ALL = {"wmd": "catch_all_wmd", "military_embargo": "catch_all_military_embargo",
             "military_parts_illegal": "catch_all_military_parts"}


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


def _export_listed(ctx: Context, item: Item, index: int, label: str, codes: list[str], result: ItemResult,
                   as_of: dt.date) -> None:
    rules, verdict = ctx.rules, result.verdict
    checks = check_all(ctx, item, index, codes, as_of)
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
        tail = f"no Union general export authorisation covers destination {ctx.tx.destination}"
    else:
        tail = "no Union general export authorisation is usable"
    verdict.add(Reason("export.listed", rules.cite("export_listed"),
                       f"{listed}; {tail}: apply for an export authorisation", Outcome.LICENCE_REQUIRED))
    result.licence_types = _licence_types(rules, codes)


def _military_embargo(ctx: Context, label: str, how: str, verdict: Verdict) -> None:
    rules = ctx.rules
    embargoed = ctx.embargoed()
    if not embargoed:
        political = ctx.political_only()
        extra = f" ({'; '.join(political)}; {rules.cite('arms_embargo_definition')})" if political else ""
        verdict.add(Reason("catch_all.military_embargo", rules.cite("catch_all_military_embargo"),
                           f"item {label}: military end-use ({ctx.military or 'stated'}), but neither the destination "
                           f"nor the purchasing country is under an arms embargo{extra}"))
        return
    country, embargo = embargoed[0]
    verify = "verify" in embargo.source
    where = f"{country}: {embargo.regime}; {embargo.legal_act or 'no legal act named in the reference data'}"
    why = ctx.military if how == "stated" else AWARENESS_TEXT["military_embargo"]
    verdict.add(Reason("catch_all.military_embargo",
                       ctx.cite_use("military_embargo", "catch_all_military_embargo", "catch_all_aware"),
                       f"item {label}: not listed, but {why}, and {where} is an arms embargo "
                       f"({rules.cite('arms_embargo_definition')})" + _how(how), Outcome.LICENCE_REQUIRED,
                       verify=verify))


def _how(how: str) -> str:
    if how == "informed":
        return "; the competent authority informed the exporter: an authorisation is required"
    return "; the exporter is aware: notify the competent authority, which decides whether an authorisation is " \
           "required"


def _catch_all(ctx: Context, item: Item, index: int, label: str, verdict: Verdict) -> None:
    rules = ctx.rules
    for use, how in ctx.uses.items():
        if use == "cyber_repression":
            _cyber(ctx, item, index, label, how, verdict)
            continue
        if how != "informed" and decided(ctx, ("4",)):
            verdict.add(Reason(f"catch_all.{use}", rules.cite("authority_decision"),
                               f"item {label}: the competent authority decided after notification that no "
                               f"authorisation is required ({decided(ctx, ('4',))})"))
            continue
        if use == "military_embargo":
            _military_embargo(ctx, label, how, verdict)
            continue
        verdict.add(Reason(f"catch_all.{use}", ctx.cite_use(use, CATCH_ALL[use], "catch_all_aware"),
                           f"item {label}: not listed, but {AWARENESS_TEXT[use]}" + _how(how),
                           Outcome.LICENCE_REQUIRED))


def _cyber(ctx: Context, item: Item, index: int, label: str, how: str, verdict: Verdict) -> None:
    """Art. 5 reaches only cyber-surveillance items (Art. 2(20))."""
    rules = ctx.rules
    definition = rules.cite("cyber_surveillance_definition")
    is_cyber = item.cyber_surveillance
    word = find_terms(item.description, rules.stated.cyber_surveillance_terms)
    if is_cyber is None and word:
        is_cyber = True
    hs = "".join(ch for ch in item.hs_code or "" if ch.isdigit())
    if is_cyber is None and hs and not any(hs.startswith(h) for h in rules.stated.cyber_surveillance_hs_headings):
        verdict.add(Reason("catch_all.cyber_repression", rules.cite("catch_all_cyber"),
                           f"item {label} (HS {item.hs_code}) is declared under a heading no cyber-surveillance item "
                           f"falls under and its description names none: Art. 5 does not apply ({definition})"))
        return
    if is_cyber is None:
        if item.description:
            verdict.add(Reason("catch_all.cyber_repression", rules.cite("catch_all_cyber"),
                               f"item {label}: its description names no cyber-surveillance function; Art. 5 "
                               f"applies only to cyber-surveillance items ({definition}): state "
                               f"items[{index}].cyber_surveillance", Outcome.NEEDS_INFORMATION,
                               (f"items[{index}].cyber_surveillance",)))
        else:
            verdict.add(Reason("catch_all.cyber_repression", rules.cite("catch_all_cyber"),
                               f"item {label}: whether it is a cyber-surveillance item ({definition}) is not known",
                               Outcome.NEEDS_INFORMATION, (f"items[{index}].cyber_surveillance",)))
        return
    if not is_cyber:
        verdict.add(Reason("catch_all.cyber_repression", rules.cite("catch_all_cyber"),
                           f"item {label} is not a cyber-surveillance item ({definition}): Art. 5 does not apply"))
        return
    if how != "informed" and decided(ctx, ("5",)):
        verdict.add(Reason("catch_all.cyber_repression", rules.cite("authority_decision"),
                           f"item {label}: the competent authority decided no authorisation is required"))
        return
    basis = f"described as {word!r}" if word and item.cyber_surveillance is None else "stated"
    verdict.add(Reason("catch_all.cyber_repression", ctx.cite_use("cyber_repression", "catch_all_cyber",
                                                                 "catch_all_cyber_aware"),
                       f"item {label}: a non-listed cyber-surveillance item ({basis}; {definition}) and "
                       f"{AWARENESS_TEXT['cyber_repression']}" + _how(how), Outcome.LICENCE_REQUIRED))


def _national(ctx: Context, item: Item, label: str, as_of: dt.date, verdict: Verdict) -> None:
    tx, rules = ctx.tx, ctx.rules
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


def judge_item(ctx: Context, index: int, movement: str, controls: ControlLookup, as_of: dt.date) -> ItemResult:
    tx, rules = ctx.tx, ctx.rules
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
    if tx.destination is None:
        return result  # the destination verdict already asks for it
    national_codes = rules.national_codes()
    listed = [c for c in item.control_codes if c not in national_codes]
    for measure in rules.measures:
        reason = measure_reason(measure, ctx, item, index, label, bool(listed), movement, as_of)
        if reason:
            verdict.add(reason)
    if movement == "export":
        if listed:
            _export_listed(ctx, item, index, label, listed, result, as_of)
        else:
            _catch_all(ctx, item, index, label, verdict)
        _national(ctx, item, label, as_of, verdict)
    elif movement == "transfer":
        _transfer(rules, label, listed, verdict)
    else:
        services(ctx, item, index, label, listed, movement, verdict)
    if not any(r.outcome for r in verdict.reasons):
        key = "export_not_listed" if movement == "export" else "export_listed"
        verdict.add(Reason("export.not_listed", rules.cite(key),
                           f"item {label} is not listed in Annex I and no catch-all or national measure applies"
                           if not listed else f"item {label}: no rule requires an authorisation",
                           Outcome.NO_LICENCE_REQUIRED))
    return result


def _transfer(rules: RuleSet, label: str, listed: list[str], verdict: Verdict) -> None:
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
