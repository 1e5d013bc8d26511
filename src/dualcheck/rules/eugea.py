"""Rule 5: Union general export authorisations (Annex II), one generic evaluator.

Each authorisation is data (rules/data/eugea.yaml + destinations from the reference file); this
module checks destination, item scope (Part 1), the parties' countries (Part 2 and the re-export
bars of Part 3) and the conditions of Part 3. A bar found is final; a fact the conditions need
and the transaction lacks makes the authorisation undecidable (NEEDS_INFORMATION naming it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dualcheck.controls import codes as codes_mod
from dualcheck.rules.context import Context, find_terms
from dualcheck.rules.facts import Item
from dualcheck.rules.ruleset import ANNEX_IV_WARNING, Eugea, RuleSet

AWARENESS_TEXT = {
    "wmd": "the items are or may be intended for weapons of mass destruction or missiles",
    "military_embargo": "the items are or may be intended for a military end-use in an arms-embargoed country",
    "military_parts_illegal": "the items are or may be intended as parts of illegally exported military items",
    "cyber_repression": "the items are or may be intended for internal repression or human-rights violations",
}
PARTY_ROLES = ("consignee", "end_user", "intermediate_consignee")


def related_targets(item: Item, ctx: Context) -> tuple[list[str], str]:
    """What an item's software, technology or equipment is for, and where that was read: its
    related_codes, else the Annex I codes its description names, else the transaction's other items."""
    if item.related_codes is not None:
        return list(item.related_codes), "related_codes"
    named = [c for c in codes_mod.codes_in_text(item.description) if c not in (item.control_codes or [])]
    if named:
        return named, "the item's description"
    others = [c for other in ctx.tx.items if other is not item for c in other.control_codes or []]
    return others, "another item of this transaction"


@dataclass(frozen=True)
class EugeaCheck:
    eugea: Eugea
    usable: bool
    why: str
    missing: tuple[str, ...] = ()


@dataclass(frozen=True)
class Scope:
    """Where one code stands against an authorisation's Part 1."""

    problem: str | None = None          # why it is outside (None = inside)
    ask: str | None = None              # the fact to ask for when it cannot be told yet
    note: str | None = None             # a condition of the scope the answer must carry


def code_scope(gea: Eugea, code: str, rules: RuleSet) -> Scope:
    """The scope answer that depends only on the code (memoised)."""
    key = ("scope", gea.id, code)
    if key not in rules.memo:
        rules.memo[key] = _code_scope(gea, code, rules)
    scope: Scope = rules.memo[key]
    return scope


def _above(code: str, scopes: tuple[str, ...]) -> str | None:
    """A scope lying strictly under `code`: the code is too coarse to tell."""
    return next((s for s in scopes if s != code and codes_mod.is_under(s, code)), None)


def _code_scope(gea: Eugea, code: str, rules: RuleSet) -> Scope:
    scope = gea.items
    group = codes_mod.product_group(code)
    if scope.only_product_groups and group not in scope.only_product_groups:
        groups = "/".join(scope.only_product_groups)
        return Scope(f"{code} is not software or technology (product groups {groups} only)")
    if group in scope.exclude_product_groups:
        return Scope(f"{code} is in product group {group}, excluded from {gea.id}")
    note = None
    if not scope.all_annex_i and not codes_mod.under_any(code, scope.codes):
        related = next((r for r in scope.related if codes_mod.under_any(code, r.codes)), None)
        if related is not None:
            note = "related"
        else:
            finer = _above(code, scope.codes) or next(
                (c for r in scope.related for c in r.codes if c != code and codes_mod.is_under(c, code)), None)
            if finer:
                return Scope(f"{code} is wider than the covered sub-item {finer}: only some of its sub-items are "
                             f"covered by {gea.id}", ask="control_codes")
            return Scope(f"{code} is not among the items {gea.id} covers")
    if scope.exclude_section_i:
        hit = codes_mod.under_any(code, rules.section_i)
        if hit:
            return Scope(f"{code} falls under {hit}, listed in {rules.section_i_citation}")
        finer = _above(code, rules.section_i)
        if finer:
            return Scope(f"{code} includes {finer}, listed in {rules.section_i_citation}: give the sub-item",
                         ask="control_codes")
        entry = rules.annex_iv_entry(code)
        if entry:
            return Scope(f"{code} falls under Annex IV item {entry.code} ({entry.note}), part of "
                         f"{rules.section_i_citation} [{ANNEX_IV_WARNING}]")
    excluded = codes_mod.under_any(code, scope.exclude)
    if excluded:
        return Scope(f"{code} falls under {excluded}, excluded from {gea.id}")
    finer = _above(code, scope.exclude)
    if finer:
        return Scope(f"{code} includes {finer}, excluded from {gea.id}: give the sub-item", ask="control_codes")
    if scope.exclude_related_to and codes_mod.overlaps_any(code, scope.may_relate):
        note = "exclude_related"
    return Scope(note=note)


def item_scope(gea: Eugea, code: str, item: Item, index: int, ctx: Context) -> Scope:
    """The scope answer for one code of one item, using what the item is for (related_codes, or the
    codes its description names); when nothing says, the scope condition goes with the answer."""
    base = code_scope(gea, code, ctx.rules)
    if base.problem or base.note is None:
        return Scope(base.problem, f"items[{index}].{base.ask}" if base.ask else None)
    scope = gea.items
    targets, source = related_targets(item, ctx)
    if base.note == "related":
        rule = next(r for r in scope.related if codes_mod.under_any(code, r.codes))
        texts = " ".join(t for t in (item.description, ctx.tx.end_use.description) if t)
        other_use = find_terms(texts, rule.not_for_uses) if rule.not_for_uses else None
        if other_use:
            return Scope(f"{code} is covered only as {rule.text}, and it is stated to be for {other_use!r}")
        if not targets:
            return Scope(note=f"{code} is covered on condition that it is {rule.text}")
        hit = next((t for t in targets if codes_mod.under_any(t, rule.related_to)), None)
        if hit:
            return Scope(note=f"{code} is covered as {rule.text}: it is for {hit} ({source})")
        return Scope(f"{code} is covered only as {rule.text}, and it is for {', '.join(targets)} ({source})")
    hit = next((t for t in targets if codes_mod.under_any(t, scope.exclude_related_to)), None)
    if hit:
        return Scope(f"{code} is software or technology related to {hit} ({source}), excluded from {gea.id}")
    if not targets:
        return Scope(note=f"{code} is covered on condition that it is not software or technology related to "
                          f"{', '.join(scope.exclude_related_to)} (excluded from {gea.id}, Part 1)")
    return Scope()


def _party_bars(gea: Eugea, ctx: Context) -> tuple[list[str], list[str]]:
    """Parties located outside the destinations the authorisation allows (Part 2, Part 3 re-export)."""
    rules, bars, missing = ctx.rules, [], []
    allowed = set(rules.member_states)
    if gea.re_export is None or gea.re_export.own_destinations:
        allowed |= gea.destinations
    if gea.re_export is not None and gea.re_export.eu001:
        allowed |= rules.eugeas["EU001"].destinations if "EU001" in rules.eugeas else set()
    for i, party in enumerate(ctx.tx.parties or []):
        if party.role not in PARTY_ROLES:
            continue
        if party.country is None:
            missing.append(f"parties[{i}].country")
        elif party.country not in allowed and party.country != ctx.tx.destination:
            where = gea.re_export.citation if gea.re_export else f"{gea.citation}, Part 2"
            bars.append(f"the {party.role.replace('_', ' ')} {party.name!r} is in {party.country}, outside the "
                        f"destinations the authorisation allows ({where})")
    return bars, missing


def _uses_bars(gea: Eugea, ctx: Context) -> list[str]:
    bars = []
    embargoed = ctx.embargoed()
    for use, how in ctx.uses.items():
        if use not in ctx.rules.common_not_usable_awareness and use not in gea.not_usable_awareness:
            continue
        if use == "military_embargo" and how == "stated" and not embargoed:
            continue  # a military end use bars Part 3 (ii) only where an arms embargo applies
        verb = "the exporter is informed that" if how == "informed" else "the exporter is aware that"
        bars.append(f"{verb} {AWARENESS_TEXT[use]}" + (f" ({ctx.military})" if how == "stated" else ""))
    return bars


def _original_bars(gea: Eugea, ctx: Context, as_of: dt.date) -> tuple[list[str], list[str]]:
    tx, needs, bars, missing = ctx.tx, gea.requires, [], []
    original = tx.original
    if needs.original_authorisation and not tx.original_reference:
        missing += ["original_authorisation", "original.authorisation"]
    if needs.original_end_user:
        end_users = [p.name for p in tx.parties or [] if p.role == "end_user"] or \
            [p.name for p in tx.parties or [] if p.role == "consignee"]
        if original is None or not original.end_user:
            missing.append("original.end_user")
        elif not any(" ".join(n.casefold().split()) == " ".join(original.end_user.casefold().split())
                     for n in end_users):
            bars.append(f"valid only for exports to the original end-user {original.end_user!r} (Part 3, point 1)")
    if needs.original_within_years:
        if original is None or original.date is None:
            missing.append("original.date")
        else:
            years = needs.original_within_years
            limit = original.date.replace(year=original.date.year + years) if not (
                original.date.month == 2 and original.date.day == 29) else dt.date(original.date.year + years, 2, 28)
            if as_of > limit:
                bars.append(f"more than {years} years after the original authorisation of {original.date} "
                            "(Part 1, point 1)")
    if original is not None and original.end_use and tx.end_use.description and \
            original.end_use.casefold().strip() != tx.end_use.description.casefold().strip():
        bars.append(f"the end use ({tx.end_use.description!r}) differs from the original one ({original.end_use!r}) "
                    "(Part 3, point 2(e))")
    return bars, missing


def check_eugea(gea: Eugea, ctx: Context, item: Item, index: int, codes: list[str],
                as_of: dt.date) -> EugeaCheck | None:
    """Evaluate one authorisation; None when its destinations or items do not concern the export."""
    tx, rules, needs = ctx.tx, ctx.rules, gea.requires
    place = ctx.place
    key = place.territory if place and place.territory in rules.territory.by_id else tx.destination
    history = gea.covers(key, as_of)
    if history is None:
        return None
    scopes = [item_scope(gea, c, item, index, ctx) for c in codes]
    out = [s.problem for s in scopes if s.problem and not s.ask]
    if out:
        return EugeaCheck(gea, False, "; ".join(out))
    bars: list[str] = []
    missing: list[str] = [s.ask for s in scopes if s.ask]
    asked = [s.problem for s in scopes if s.ask and s.problem]
    if needs.purpose and tx.purpose != needs.purpose:
        bars.append(f"only for purpose {needs.purpose!r} (transaction purpose {tx.purpose!r})")
    if needs.intra_group and not tx.intra_group:
        bars.append("only for exports to a wholly owned subsidiary or sister company (intra_group)")
    if needs.icp and not tx.exporter.icp:
        bars.append("the exporter must implement an internal compliance programme (exporter.icp)")
    if needs.registration and gea.id not in tx.registrations:
        bars.append(f"the exporter must register for {gea.id} before first use (registrations)")
    bars += _uses_bars(gea, ctx)
    if tx.customs_free_zone and gea.customs_free_zone_bars:
        bars.append("not usable for exports to a customs-free zone or free warehouse (Part 3)")
    if needs.civil_end_use:
        if ctx.military:
            bars.append(f"not usable for a military, police, intelligence or other government security end-use "
                        f"({ctx.military})")
        elif tx.end_use.civil is None:
            missing.append("end_use.civil")
            asked.append("usable only for a civil end-use: state end_use.civil")
    if not bars and needs.purpose == tx.purpose:
        more_bars, more_missing = _original_bars(gea, ctx, as_of)
        bars += more_bars
        missing += more_missing
        if needs.reimport_within_days:
            if tx.reimport_by is None:
                missing.append("reimport_by")
            elif tx.reimport_by > (tx.date or as_of) + dt.timedelta(days=needs.reimport_within_days):
                bars.append(f"re-import by {tx.reimport_by} is later than {needs.reimport_within_days} days after the "
                            "export (Part 3, point 1)")
    party_bars, party_missing = _party_bars(gea, ctx)
    bars += party_bars
    missing += party_missing
    if bars:
        return EugeaCheck(gea, False, "; ".join(bars))
    if missing:
        wanted = ", ".join(dict.fromkeys(missing))
        return EugeaCheck(gea, False, "; ".join(asked) or f"its conditions need {wanted}",
                          tuple(dict.fromkeys(missing)))
    notes = [s.note for s in scopes if s.note]
    extra = f"; {'; '.join(notes)}" if notes else ""
    return EugeaCheck(gea, True, f"destination {key} and items {', '.join(codes)} are covered{history}{extra}")


def check_all(ctx: Context, item: Item, index: int, codes: list[str], as_of: dt.date) -> list[EugeaCheck]:
    checks = (check_eugea(g, ctx, item, index, codes, as_of) for g in ctx.rules.eugeas.values())
    return [c for c in checks if c is not None]
