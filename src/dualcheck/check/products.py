"""Items named by product: a transaction item may give ``sku`` instead of its control codes.

The codes, HS code and description then come from the product register (``controls items``):
the codes are those of the product's current classification decision, which the answer cites
(who decided, when, why, against which control-list version). A product without a decision
keeps its codes unknown, so the check answers NEEDS_INFORMATION rather than assume anything;
a decision that a newer control-list version flagged for review is used and warned about.
"""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy.orm import Session

from dualcheck.errors import BadInput, NotFound


def resolve_products(session: Session, doc: Any, *, source: str | None = None) -> tuple[Any, dict[int, dict[str, Any]]]:
    """(the document with register facts filled in, {item position: product facts}).

    Facts the item states itself win over the register's; the input document is not changed."""
    items = doc.get("items") if isinstance(doc, dict) else None
    if not isinstance(items, list) or not any(isinstance(i, dict) and i.get("sku") is not None for i in items):
        return doc, {}
    from dualcheck.controls.register import product_facts

    filled = copy.deepcopy(doc)
    products: dict[int, dict[str, Any]] = {}
    for index, item in enumerate(filled["items"]):
        if not isinstance(item, dict) or item.get("sku") is None:
            continue
        sku = str(item["sku"]).strip()
        try:
            facts = product_facts(session, sku)
        except NotFound:
            raise BadInput(f"product {sku!r} is not in the product register (dualcheck controls items add)",
                           source=source, location=f"field items[{index}].sku") from None
        decision = facts["classification"]
        if item.get("control_codes") is None and decision is not None:
            item["control_codes"] = list(decision["codes"])
        for key in ("hs_code", "description"):
            if item.get(key) is None and facts[key] is not None:
                item[key] = facts[key]
        products[index] = facts
    return filled, products


def product_notes(products: dict[int, dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """The part of each product's facts an answer shows next to its item."""
    notes = {}
    for index, facts in products.items():
        decision = facts["classification"]
        note: dict[str, Any] = {"sku": facts["sku"], "classification": None if decision is None else {
            key: decision[key] for key in ("codes", "rationale", "decided_by", "decided_at", "control_list_version",
                                           "needs_review")}}
        if decision is None:
            note["warning"] = f"product {facts['sku']} has no classification decision: its control codes are unknown"
        elif facts.get("warning"):
            note["warning"] = facts["warning"]
        notes[index] = note
    return notes
