"""Rule 2, Union restrictive measures on goods by country (sanctions.yaml), for one item.

A measure binds when it is in force on the as-of date, covers the transaction type, reaches one
of its countries (destination, a party located there, a stated end use, the goods' location, or
transit) and covers the item (Annex I or not, HS code). Facts it needs and lacks (an HS code,
whether the end use is military, the contract date for a transition clause, the outcome of
checking a goods annex) give NEEDS_INFORMATION naming them.
"""

from __future__ import annotations

import datetime as dt

from dualcheck.rules.context import Context
from dualcheck.rules.facts import Item
from dualcheck.rules.outcome import Outcome, Reason
from dualcheck.rules.ruleset import ACT_TEXT_WARNING, Measure, from_act_text


def _hs_matches(measure: Measure, hs_code: str) -> bool:
    code = "".join(ch for ch in hs_code if ch.isdigit())
    if measure.doc.hs_prefixes and any(code.startswith(p) for p in measure.doc.hs_prefixes):
        return True
    return bool(measure.hs_codes) and code[:6] in measure.hs_codes


def _reason(measure: Measure, detail: str, outcome: Outcome | None, missing: tuple[str, ...] = (),
            citation: str | None = None, verify: bool | None = None) -> Reason:
    flagged = measure.verify if verify is None else verify
    if flagged:
        detail += f" [{ACT_TEXT_WARNING}]"
    return Reason(f"sanctions.{measure.id}", citation or measure.doc.citation, detail, outcome, missing, flagged)


def measure_reason(measure: Measure, ctx: Context, item: Item, index: int, label: str, listed: bool,
                   movement: str, as_of: dt.date) -> Reason | None:
    """The reason a measure binds (or asks about) this item, or None when it does not concern it."""
    doc = measure.doc
    if movement not in doc.types or not measure.in_force(as_of):
        return None
    if (doc.items == "annex_i" and not listed) or (doc.items == "not_listed" and listed):
        return None
    ways = ctx.reached(measure, movement)
    if not ways:
        return None
    tail = f"{doc.regime}; in force from {doc.valid_from}" + (f" to {doc.valid_to}" if doc.valid_to else "")
    detail = f"item {label}, {'; '.join(ways)}: {doc.detail} ({tail})"
    if doc.hs_prefixes or measure.hs_codes:
        if not item.hs_code:
            return _reason(measure, detail + " The measure works by HS code: give the item's HS code.",
                           Outcome.NEEDS_INFORMATION, (f"items[{index}].hs_code",))
        if not _hs_matches(measure, item.hs_code):
            return None
        detail += f" HS code {item.hs_code} is covered."
    if doc.condition == "military" and not ctx.military:
        if ctx.tx.end_use.civil is None:
            return _reason(measure, detail + " Applies to military use or military end-users: state end_use.civil.",
                           Outcome.NEEDS_INFORMATION, ("end_use.civil",))
        return None
    effect = Outcome(doc.effect)
    if doc.transition is not None and as_of <= doc.transition.until:
        rule = doc.transition
        if ctx.tx.contract_date is None:
            return _reason(measure, f"{detail} Transition: {rule.detail}; give the contract date.",
                           Outcome.NEEDS_INFORMATION, ("contract_date",))
        if ctx.tx.contract_date < rule.contract_before and rule.civil_only and ctx.military:
            detail += (f" The transition clause for contracts concluded before {rule.contract_before} is only for "
                       f"non-military use by a non-military end user ({ctx.military}).")
        elif ctx.tx.contract_date < rule.contract_before:
            verify = from_act_text(rule.source) or measure.verify
            if rule.effect == "NOT_APPLICABLE":
                return _reason(measure, f"{detail} Not applied: {rule.detail} (contract of {ctx.tx.contract_date}).",
                               None, citation=rule.citation, verify=verify)
            return _reason(measure, f"{detail} Transition: {rule.detail} (contract of {ctx.tx.contract_date}).",
                           Outcome(rule.effect), citation=rule.citation, verify=verify)
    if effect == Outcome.NEEDS_INFORMATION:
        checked = item.sanctions_annexes.get(measure.id)
        if checked == "not_listed":
            return _reason(measure, f"{detail} The exporter checked the item against {doc.annex}: not listed.", None)
        if checked == "listed":
            return _reason(measure, f"{detail} The exporter checked the item against {doc.annex}: listed.",
                           Outcome.PROHIBITED)
        wanted: tuple[str, ...] = (f"items[{index}].sanctions_annexes.{measure.id}",)
        if not item.hs_code:  # the goods annexes are read by customs (CN/HS) code
            wanted = (f"items[{index}].hs_code", *wanted)
        return _reason(measure, f"{detail} Check the item against {doc.annex} (not in the reference data) and "
                                f"state the result in items[{index}].sanctions_annexes.{measure.id}.",
                       effect, wanted)
    return _reason(measure, detail, effect)
