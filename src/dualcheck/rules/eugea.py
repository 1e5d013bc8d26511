"""Rule 5: Union general export authorisations EU001-EU008 (Annex II), one generic evaluator.

Each authorisation is data (rules/data/eugea.yaml + destinations from the reference file); this
module only checks destination, item scope, requirements and the conditions of Part 3.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dualcheck.rules import codes as codes_mod
from dualcheck.rules.facts import Transaction
from dualcheck.rules.ruleset import ANNEX_IV_WARNING, Eugea, RuleSet

AWARENESS_TEXT = {
    "wmd": "the items are or may be intended for weapons of mass destruction or missiles",
    "military_embargo": "the items are or may be intended for a military end-use in an arms-embargoed country",
    "military_parts_illegal": "the items are or may be intended as parts of illegally exported military items",
    "cyber_repression": "the items are or may be intended for internal repression or human-rights violations",
}


@dataclass(frozen=True)
class EugeaCheck:
    eugea: Eugea
    usable: bool
    why: str
    missing: tuple[str, ...] = ()


def out_of_scope(gea: Eugea, code: str, rules: RuleSet) -> str | None:
    """Why `code` is outside the authorisation's Part 1, or None when it is inside (memoised)."""
    key = ("scope", gea.id, code)
    if key not in rules.memo:
        rules.memo[key] = _out_of_scope(gea, code, rules)
    why: str | None = rules.memo[key]
    return why


def _out_of_scope(gea: Eugea, code: str, rules: RuleSet) -> str | None:
    scope = gea.items
    group = codes_mod.product_group(code)
    if scope.only_product_groups and group not in scope.only_product_groups:
        return f"{code} is not software or technology (product groups {'/'.join(scope.only_product_groups)} only)"
    if group in scope.exclude_product_groups:
        return f"{code} is in product group {group}, excluded from {gea.id}"
    if not scope.all_annex_i and not codes_mod.under_any(code, scope.codes):
        wider = codes_mod.overlaps_any(code, scope.codes)
        if wider:
            return f"{code} is wider than the covered sub-item {wider}: classify the item to that level"
        return f"{code} is not among the items {gea.id} covers"
    if scope.exclude_section_i:
        hit = codes_mod.overlaps_any(code, rules.section_i)
        if hit:
            return f"{code} falls under {hit}, listed in {rules.section_i_citation}"
        entry = rules.annex_iv_entry(code)
        if entry:
            return (f"{code} falls under Annex IV item {entry.code} ({entry.note}), part of "
                    f"{rules.section_i_citation} [{ANNEX_IV_WARNING}]")
    excluded = codes_mod.overlaps_any(code, scope.exclude)
    if excluded:
        return f"{code} falls under {excluded}, excluded from {gea.id}"
    return None


def check_eugea(gea: Eugea, tx: Transaction, codes: list[str], rules: RuleSet, as_of: dt.date) -> EugeaCheck | None:
    """Evaluate one authorisation; None when its destinations or items do not concern the export."""
    history = gea.covers(tx.destination, as_of)
    if history is None:
        return None
    scope_problems = [p for p in (out_of_scope(gea, c, rules) for c in codes) if p]
    if scope_problems:
        return EugeaCheck(gea, False, "; ".join(scope_problems))
    needs = gea.requires
    if "purpose" in needs and tx.purpose != needs["purpose"]:
        return EugeaCheck(gea, False, f"only for purpose {needs['purpose']!r} (transaction purpose {tx.purpose!r})")
    if needs.get("intra_group") and not tx.intra_group:
        return EugeaCheck(gea, False, "only for exports to a wholly owned subsidiary or sister company (intra_group)")
    if needs.get("icp") and not tx.exporter.icp:
        return EugeaCheck(gea, False, "the exporter must implement an internal compliance programme (exporter.icp)")
    if needs.get("registration") and gea.id not in tx.registrations:
        return EugeaCheck(gea, False, f"the exporter must register for {gea.id} before first use (registrations)")
    aware = [a for a in tx.awareness if a in rules.common_not_usable_awareness or a in gea.not_usable_awareness]
    if aware:
        return EugeaCheck(gea, False, "not usable where " + "; ".join(AWARENESS_TEXT[a] for a in aware))
    if tx.customs_free_zone:
        return EugeaCheck(gea, False, "not usable for exports to a customs-free zone or free warehouse")
    if needs.get("civil_end_use"):
        if tx.end_use.civil is None:
            return EugeaCheck(gea, False, "usable only for a civil end-use: state end_use.civil", ("end_use.civil",))
        if not tx.end_use.civil:
            return EugeaCheck(gea, False, "not usable for a military, police, intelligence or other government "
                                          "security end-use")
    if needs.get("original_authorisation") and not tx.original_authorisation:
        return EugeaCheck(gea, False, "needs the reference of the original export authorisation",
                          ("original_authorisation",))
    return EugeaCheck(gea, True, f"destination {tx.destination} and items {', '.join(codes)} are covered{history}")


def check_all(tx: Transaction, codes: list[str], rules: RuleSet, as_of: dt.date) -> list[EugeaCheck]:
    return [c for c in (check_eugea(g, tx, codes, rules, as_of) for g in rules.eugeas.values()) if c is not None]
