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
to confirm, never silently passed; among alternatives it keeps the answer undecided, because the
item may be caught by it. A criterion is compared only with a parameter of the same kind of
quantity and the same dimension (`parameters.matches`); one without its parameter is
undetermined and the answer names the parameter to give ("undecided: give X"), never "not
caught". Every criterion shows how it was read. Notes of every provision on a met path are
returned because decontrol notes ("does not control ...") may release the item.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz

from dualcheck.controls.catalog import ControlCatalog, Provision
from dualcheck.controls.parameters import MET, NOT_MET, UNDETERMINED, Criterion, combinator, matches, parse_criteria
from dualcheck.controls.quantities import Stated, parse_stated
from dualcheck.errors import BadInput, NotFound

QUALITATIVE = "qualitative"
_LENGTH_KEYS = {"l", "measured length", "measuring length", "length l", "measurement length"}


def parse_spec(pairs: list[str], *, source: str = "--spec") -> list[Stated]:
    """['power=2kW', 'wavelength=1070 nm', 'mode=multiple transverse mode'] -> stated values."""
    out = []
    for i, pair in enumerate(pairs, start=1):
        key, sep, raw = pair.partition("=")
        if not sep or not key.strip() or not raw.strip():
            raise BadInput(f"expected key=value, got {pair!r}", source=source, location=f"parameter {i}")
        out.append(parse_stated(key.strip().lower(), raw.strip(), source=source))
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


def _pick_spec(criterion: Criterion, spec: list[Stated]) -> Stated | None:
    usable = [s for s in spec if s.shape != "text" and s.key not in _LENGTH_KEYS and matches(criterion, s)]
    if not usable:
        return None
    return max(usable, key=lambda s: fuzz.token_set_ratio(s.key.replace("_", " "), criterion.quantity))


def _length_mm(spec: list[Stated]) -> float | None:
    """The length L of a formula limit, in mm (a parameter named L or measured length)."""
    given = next((s for s in spec if s.key in _LENGTH_KEYS and s.dimension == "length" and s.value is not None), None)
    return given.value * 1000 if given and given.value is not None else None


def _evaluate_criteria(provision: Provision, spec: list[Stated]) -> tuple[str | None, list[dict[str, Any]]]:
    results = []
    length = _length_mm(spec)
    for criterion in parse_criteria(provision.text):
        chosen = _pick_spec(criterion, spec)
        doc = criterion.as_dict()
        if chosen is None:
            doc.update(status=UNDETERMINED, missing=criterion.quantity or criterion.dimension)
        else:
            status, why = criterion.judge(chosen, length if criterion.per_mm else None)
            doc.update(status=status, parameter=chosen.key, given=chosen.raw, given_read_as=chosen.reading(),
                       reason=why)
            if chosen.value is not None and not criterion.per_mm and chosen.shape == "point":
                doc["margin"] = chosen.value - criterion.value
            if status == UNDETERMINED:
                # a stated value that straddles the limit: the criterion still needs its own value
                doc["missing"] = "measured length L (mm)" if criterion.per_mm and length is None \
                    else criterion.quantity or criterion.dimension
        results.append(doc)
    if not results:
        return None, results
    statuses = {r["status"] for r in results}
    if NOT_MET in statuses:
        return NOT_MET, results
    return (UNDETERMINED if UNDETERMINED in statuses else MET), results


def _combine(statuses: list[str], how: str) -> str:
    """AND: qualitative parts are left for a human to confirm. OR: a qualitative alternative may catch the item."""
    relevant = [s for s in statuses if s != QUALITATIVE] or statuses
    if not relevant:
        return QUALITATIVE
    if how == "all":
        if NOT_MET in relevant:
            return NOT_MET
        return MET if all(s == MET for s in relevant) else UNDETERMINED
    if MET in relevant:
        return MET
    if all(s == NOT_MET for s in statuses):
        return NOT_MET
    return UNDETERMINED


def _text_selects(text: str, values: list[Stated]) -> str | None:
    low = re.sub(r"[\"'‘’“”()]", "", text.lower())
    for value in values:
        if value.raw and value.raw in low:
            return f"{value.key}={value.raw}"
    return None


def evaluate(catalog: ControlCatalog, provision: Provision, spec: list[Stated], *,
             children: bool = True) -> Evaluation:
    """The provision's status for the stated parameters; with `children` False only its own criteria count."""
    own_status, criteria = _evaluate_criteria(provision, spec)
    if not children:
        return Evaluation(provision.code, provision.text, own_status or QUALITATIVE, criteria)
    subs = [evaluate(catalog, catalog.provisions[c], spec) for c in provision.children]
    textual = [s for s in spec if s.shape == "text"]
    how = combinator(provision.text)
    if textual and len(subs) > 1 and how == "any":  # a text value chooses among alternatives, never among conditions
        selected = {child.code: _text_selects(child.text, textual) for child in subs}
        if any(selected.values()):
            for child in subs:
                if selected[child.code]:
                    child.selected_by = selected[child.code]
                elif child.status != NOT_MET:
                    child.status = NOT_MET
                    child.selected_by = "ruled out: another alternative matches " + ", ".join(
                        v for v in selected.values() if v)
    parts = [c.status for c in subs]
    child_status = _combine(parts, how) if parts else None
    if own_status is None and child_status is None:
        status = QUALITATIVE
    elif own_status is None:
        status = child_status or QUALITATIVE
    elif child_status is None:
        status = own_status
    else:
        status = _combine([own_status, child_status], "all")
    return Evaluation(provision.code, provision.text, status, criteria, subs, how)


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
    for ancestor in reversed(provision.path):  # a sub-item is caught only within its parents' own thresholds
        own = evaluate(catalog, catalog.provisions[ancestor], spec, children=False)
        if own.criteria:
            own.children, own.status = [result], _combine([own.status, result.status], "all")
            result = own
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
    used = {c.get("parameter") for c in _all_criteria(result)}
    unused = [s.key for s in spec if s.shape != "text" and s.key not in used and s.key not in _LENGTH_KEYS]
    if result.status == MET:
        summary = (f"caught by {', '.join(found.met)}: every numeric criterion on that path is met; "
                   "confirm the qualitative conditions and the notes (a decontrol note may release the item)")
    elif result.status == NOT_MET:
        summary = f"not caught by {provision.code}: every alternative fails at least one stated criterion"
    elif missing:
        summary = f"undecided: give {', '.join(missing)}" + (
            f"; confirm {', '.join(found.qualitative[:5])} from the text" if found.qualitative else "")
    else:
        summary = (f"undecided: {provision.code} has alternatives without numeric thresholds; a human must "
                   f"confirm {', '.join(found.qualitative[:5]) or 'the text'}")
    return {"code": provision.code, "control_list_version": catalog.version.id, "status": result.status,
            "verdict": VERDICTS[result.status], "summary": summary, "spec": [s.as_dict() for s in spec],
            "met": found.met, "not_met": found.not_met, "missing_parameters": missing,
            "parameters_not_compared": unused,
            "qualitative_to_confirm": found.qualitative[:50], "notes_to_consider": notes,
            "evaluation": result.as_dict()}


VERDICTS = {MET: "caught", NOT_MET: "not_caught", UNDETERMINED: "undecided", QUALITATIVE: "undecided"}


def _all_criteria(ev: Evaluation) -> list[dict[str, Any]]:
    return [*ev.criteria, *(c for child in ev.children for c in _all_criteria(child))]
