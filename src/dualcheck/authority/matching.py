"""Is an application "essentially identical" to a denial another Member State notified?

Regulation (EU) 2021/821, Art. 2(22) (verbatim): "'essentially identical transaction' means a
transaction concerning items with essentially identical parameters or technical characteristics and
involving the same end-user or consignee as another transaction." We approximate that with four
criteria, each scored in [0, 1] and explained (see docs/authority.md):

- destination: the same country of destination (a gate: a different destination never warns);
- items: the closest pair of control codes: the same code 1.0, one under the other (5A002 / 5A002.a) 0.9,
  the same entry but different sub-items (5A002.a / 5A002.b) 0.5, otherwise 0; an item relation of
  at least 0.9 is a gate;
- parties: the best screening name comparison between the application's consignee / end user and the
  denial's consignee / end user (the same end-user OR consignee, as in the definition); at least
  PARTY_GATE is a gate;
- end use: word overlap (Dice coefficient over content words) of the two end-use texts.

score = 0.4 items + 0.4 parties + 0.2 end use; a warning when all gates pass and score >= THRESHOLD.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from dualcheck.controls.codes import normalise_code
from dualcheck.screening.names import compare_names
from dualcheck.screening.normalize import prepare_name
from dualcheck.screening.scoring import default_scorer
from dualcheck.screening.tokens import default_weights

WEIGHTS = {"items": 0.4, "parties": 0.4, "end_use": 0.2}
THRESHOLD = 0.7
ITEM_GATE = 0.9
PARTY_GATE = 0.85
LOOKBACK_YEARS = 3
LEGAL_BASIS = "Regulation (EU) 2021/821, Art. 16(5) (consultation before granting an essentially identical " \
              "transaction denied by another Member State within the last three years); Art. 2(22)"

_WORD_RE = re.compile(r"[a-z0-9]+")
_STOP = frozenset([
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "into", "is", "it", "its", "of", "on",
    "or", "the", "to", "with", "without", "use", "used", "using", "other", "such", "their", "this", "that", "these",
    "those", "within", "which", "who", "will",
])


def lookback_start(as_of: dt.date) -> dt.date:
    """The first day still "within the last three years" of ``as_of`` (29 February falls back to the 28th)."""
    try:
        return as_of.replace(year=as_of.year - LOOKBACK_YEARS)
    except ValueError:
        return as_of.replace(year=as_of.year - LOOKBACK_YEARS, day=28)


def code_relation(a: str, b: str) -> tuple[float, str]:
    a, b = normalise_code(a), normalise_code(b)
    if a == b:
        return 1.0, "same code"
    if a.startswith(b + "."):
        return 0.9, f"{a} falls under {b}"
    if b.startswith(a + "."):
        return 0.9, f"{b} falls under {a}"
    if a.split(".", 1)[0] == b.split(".", 1)[0]:
        return 0.5, "same entry, different sub-items"
    return 0.0, "unrelated codes"


def item_score(app_codes: Iterable[str], denial_codes: Iterable[str]) -> tuple[float, str]:
    best, detail = 0.0, "no related control codes"
    denial = list(denial_codes)
    for a in app_codes:
        for d in denial:
            score, how = code_relation(a, d)
            if score > best:
                best, detail = score, f"{a} vs {d}: {how}"
    return best, detail


def name_score(a: str, b: str) -> tuple[float, str]:
    cmp = compare_names(prepare_name(a), prepare_name(b), default_weights(), default_scorer().params)
    return cmp.score, cmp.explain()


def party_score(app_parties: Sequence[tuple[str, str | None]],
                denial_parties: Sequence[tuple[str, str | None]]) -> tuple[float, str]:
    """The best match between named parties; (role, name) pairs, names may be None."""
    best, detail = 0.0, "no matching consignee or end user"
    for role_a, name_a in app_parties:
        for role_d, name_d in denial_parties:
            if not name_a or not name_d:
                continue
            score, how = name_score(name_a, name_d)
            if score > best:
                best, detail = score, f"{role_a} {name_a!r} ~ denied {role_d} {name_d!r}: {how}"
    return best, detail


def _words(text: str) -> set[str]:
    return {w for w in _WORD_RE.findall(text.casefold()) if w not in _STOP and len(w) > 2}


def end_use_score(a: str, b: str) -> tuple[float, str]:
    wa, wb = _words(a), _words(b)
    if not wa or not wb:
        return 0.0, "end use not stated on both sides"
    common = wa & wb
    score = 2 * len(common) / (len(wa) + len(wb))
    return score, f"{len(common)} shared words" + (f" ({', '.join(sorted(common)[:8])})" if common else "")


@dataclass(frozen=True)
class Comparison:
    denial: dict[str, Any]  # issuing_state, reference, date
    score: float
    criteria: dict[str, dict[str, Any]]
    warning: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"denial": self.denial, "score": round(self.score, 4), "criteria": self.criteria,
                "warning": self.warning, "legal_basis": LEGAL_BASIS if self.warning else None}


def compare(app: dict[str, Any], denial: dict[str, Any]) -> Comparison:
    """Compare one application with one denial; both as plain dicts with destination, items (control_code),
    consignee_name, end_user_name, end_use; the denial also issuing_state, reference, date."""
    same_destination = app["destination"] == denial["destination"]
    items, items_how = item_score([i["control_code"] for i in app["items"]],
                                  [i["control_code"] for i in denial["items"]])
    parties, parties_how = party_score(
        [("consignee", app.get("consignee_name")), ("end user", app.get("end_user_name"))],
        [("consignee", denial.get("consignee_name")), ("end user", denial.get("end_user_name"))])
    end_use, end_use_how = end_use_score(app.get("end_use") or "", denial.get("end_use") or "")
    score = WEIGHTS["items"] * items + WEIGHTS["parties"] * parties + WEIGHTS["end_use"] * end_use
    criteria = {
        "destination": {"match": same_destination, "gate": True,
                        "detail": f"{app['destination']} vs {denial['destination']}"},
        "items": {"score": round(items, 4), "weight": WEIGHTS["items"], "gate": ITEM_GATE, "detail": items_how},
        "parties": {"score": round(parties, 4), "weight": WEIGHTS["parties"], "gate": PARTY_GATE,
                    "detail": parties_how},
        "end_use": {"score": round(end_use, 4), "weight": WEIGHTS["end_use"], "detail": end_use_how},
    }
    if not same_destination:
        score = 0.0
    ref = {"issuing_state": denial["issuing_state"], "reference": denial["reference"], "date": denial["date"]}
    warns = same_destination and items >= ITEM_GATE and parties >= PARTY_GATE and score >= THRESHOLD
    warning = f"consult {denial['issuing_state']} (denial {denial['reference']}, {denial['date']})" if warns else None
    return Comparison(ref, score, criteria, warning)
