"""`controls check`: evaluate a product's parameters against an entry's thresholds.

Each provision of the subtree is evaluated bottom-up:
- its own numeric criteria (AND): each is met, not met (with the margin) or missing (no
  parameter of that dimension/name was given);
- its children, combined as its text says ("any of the following" / "as follows" = any,
  "all of the following" / "both" = all);
- textual parameters select among alternative branches: a value such as
  ``mode="multiple transverse mode"`` or ``type="continuous wave"`` that appears in one
  sibling's text and not in another rules the other sibling out.
A provision with no numeric criteria and no children is qualitative: it is listed for a human
to confirm, never silently passed. Notes of every provision on a met path are returned because
decontrol notes ("does not control ...") may release the item.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz

from dualcheck.controls.catalog import ControlCatalog, Provision
from dualcheck.controls.parameters import Criterion, combinator, parse_criteria
from dualcheck.controls.units import parse_quantity
from dualcheck.errors import BadInput, NotFound

MET, NOT_MET, UNDETERMINED, QUALITATIVE = "met", "not_met", "undetermined", "qualitative"


@dataclass(frozen=True)
class SpecValue:
    key: str
    raw: str
    value: float | None  # base unit, None for text
    dimension: str | None  # None for text; "count" for plain numbers


def parse_spec(pairs: list[str], *, source: str = "--spec") -> list[SpecValue]:
    """['power=2kW', 'wavelength=1070 nm', 'mode=multiple transverse mode'] -> SpecValues."""
    out = []
    for i, pair in enumerate(pairs, start=1):
        key, sep, raw = pair.partition("=")
        if not sep or not key.strip() or not raw.strip():
            raise BadInput(f"expected key=value, got {pair!r}", source=source, location=f"parameter {i}")
        raw = raw.strip()
        if re.match(r"^\s*[-+−]?\d", raw):
            value, unit = parse_quantity(raw, source=source, location=f"parameter {key.strip()}")
            out.append(SpecValue(key.strip().lower(), raw, value, unit.dimension if unit else "count"))
        else:
            out.append(SpecValue(key.strip().lower(), raw.lower(), None, None))
    return out


@dataclass
class Evaluation:
    code: str
    text: str
    status: str
    criteria: list[dict[str, Any]] = field(default_factory=list)
    children: list[Evaluation] = field(default_factory=list)
    combine: str = "any"
    selected_by: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "status": self.status, "text": self.text, "criteria": self.criteria,
                "combine": self.combine, "selected_by": self.selected_by,
                "children": [c.as_dict() for c in self.children]}


def _name_score(key: str, quantity: str) -> float:
    key_words = key.replace("_", " ").replace("-", " ")
    return fuzz.token_set_ratio(key_words, quantity) if quantity else 50.0


def _pick_spec(criterion: Criterion, spec: list[SpecValue]) -> SpecValue | None:
    same_dimension = [s for s in spec if s.value is not None and s.dimension == criterion.dimension]
    if not same_dimension:
        return None
    if criterion.dimension == "count":  # plain numbers: only by name
        best = max(same_dimension, key=lambda s: _name_score(s.key, criterion.quantity))
        return best if _name_score(best.key, criterion.quantity) >= 70 else None
    return max(same_dimension, key=lambda s: _name_score(s.key, criterion.quantity))


def _evaluate_criteria(provision: Provision, spec: list[SpecValue]) -> tuple[str | None, list[dict[str, Any]]]:
    results = []
    for criterion in parse_criteria(provision.text):
        chosen = _pick_spec(criterion, spec)
        doc = criterion.as_dict()
        if chosen is None or chosen.value is None:
            doc.update(status=UNDETERMINED, missing=criterion.quantity or criterion.dimension)
        else:
            met = criterion.holds(chosen.value)
            doc.update(status=MET if met else NOT_MET, parameter=chosen.key, given=chosen.raw,
                       given_base=chosen.value, margin=chosen.value - criterion.value)
        results.append(doc)
    if not results:
        return None, results
    statuses = {r["status"] for r in results}
    if NOT_MET in statuses:
        return NOT_MET, results
    return (UNDETERMINED if UNDETERMINED in statuses else MET), results


def _combine(statuses: list[str], how: str) -> str:
    relevant = [s for s in statuses if s != QUALITATIVE] or statuses
    if not relevant:
        return QUALITATIVE
    if how == "all":
        if NOT_MET in relevant:
            return NOT_MET
        return MET if all(s == MET for s in relevant) else UNDETERMINED
    if MET in relevant:
        return MET
    if all(s == NOT_MET for s in relevant):
        return NOT_MET
    return UNDETERMINED if UNDETERMINED in relevant else QUALITATIVE


def _text_selects(text: str, values: list[SpecValue]) -> str | None:
    low = re.sub(r"[\"'‘’“”()]", "", text.lower())
    for value in values:
        if value.raw and value.raw in low:
            return f"{value.key}={value.raw}"
    return None


def evaluate(catalog: ControlCatalog, provision: Provision, spec: list[SpecValue]) -> Evaluation:
    own_status, criteria = _evaluate_criteria(provision, spec)
    children = [evaluate(catalog, catalog.provisions[c], spec) for c in provision.children]
    textual = [s for s in spec if s.value is None]
    if textual and len(children) > 1:
        selected = {child.code: _text_selects(child.text, textual) for child in children}
        if any(selected.values()):
            for child in children:
                if selected[child.code]:
                    child.selected_by = selected[child.code]
                elif child.status != NOT_MET:
                    child.status = NOT_MET
                    child.selected_by = "ruled out: another alternative matches " + ", ".join(
                        v for v in selected.values() if v)
    how = combinator(provision.text)
    parts = [c.status for c in children]
    child_status = _combine(parts, how) if parts else None
    if own_status is None and child_status is None:
        status = QUALITATIVE
    elif own_status is None:
        status = child_status or QUALITATIVE
    elif child_status is None:
        status = own_status
    else:
        status = _combine([own_status, child_status], "all")
    return Evaluation(provision.code, provision.text, status, criteria, children, how)


@dataclass
class _Findings:
    met: list[str] = field(default_factory=list)
    not_met: list[dict[str, Any]] = field(default_factory=list)
    missing: set[str] = field(default_factory=set)
    qualitative: list[str] = field(default_factory=list)


def _collect(ev: Evaluation, found: _Findings, on_met_path: bool = True) -> None:
    """Walk only the relevant paths: stop under a branch that fails, follow met branches to their end."""
    if ev.status == NOT_MET:
        failing = [c for c in ev.criteria if c["status"] == NOT_MET]
        if failing or ev.selected_by:
            found.not_met.append({"code": ev.code, "criteria": failing, "ruled_out": ev.selected_by})
        else:
            for child in ev.children:
                _collect(child, found, False)
        return
    found.missing.update(c["missing"] for c in ev.criteria if c["status"] == UNDETERMINED)
    if ev.status == QUALITATIVE and not ev.children:
        found.qualitative.append(ev.code)
    if ev.status == MET and on_met_path:
        met_children = [c for c in ev.children if c.status == MET]
        if not met_children:
            found.met.append(ev.code)
        for child in met_children:
            _collect(child, found)
        return
    for child in ev.children:
        _collect(child, found, False)


def check(catalog: ControlCatalog, code: str, pairs: list[str]) -> dict[str, Any]:
    provision = catalog.lookup(code)
    if provision is None:
        raise NotFound(f"control code {code}: not in {catalog.version.id}")
    spec = parse_spec(pairs)
    if not spec:
        raise BadInput("give at least one --spec key=value", source="controls check", location="--spec")
    result = evaluate(catalog, provision, spec)
    found = _Findings()
    _collect(result, found)
    missing = sorted(found.missing)
    notes, seen = [], set()
    for code in found.met:
        p = catalog.provisions[code]
        for ancestor in [*p.path, p.code]:
            if ancestor not in seen:
                seen.add(ancestor)
                notes += [{"code": ancestor, "kind": n.kind, "text": n.text}
                          for n in catalog.provisions[ancestor].notes]
    if result.status == MET:
        summary = (f"caught by {', '.join(found.met)}: every numeric criterion on that path is met; "
                   "confirm the qualitative conditions and the notes (a decontrol note may release the item)")
    elif result.status == NOT_MET:
        summary = f"not caught by {provision.code}: every alternative fails at least one numeric criterion"
    elif result.status == UNDETERMINED:
        summary = f"cannot decide {provision.code}: parameters missing ({', '.join(missing) or 'see criteria'})"
    else:
        summary = f"{provision.code} has no numeric thresholds on this path: a human must decide from the text"
    return {"code": provision.code, "control_list_version": catalog.version.id, "status": result.status,
            "summary": summary, "spec": [{"key": s.key, "value": s.raw, "base_value": s.value,
                                          "dimension": s.dimension} for s in spec],
            "met": found.met, "not_met": found.not_met, "missing_parameters": missing,
            "qualitative_to_confirm": found.qualitative[:50], "notes_to_consider": notes,
            "evaluation": result.as_dict()}
