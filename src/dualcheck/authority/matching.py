"""Is an application "essentially identical" to a denial another Member State notified?

Regulation (EU) 2021/821, Art. 2(22) (verbatim): "'essentially identical transaction' means a
transaction concerning items with essentially identical parameters or technical characteristics and
involving the same end-user or consignee as another transaction." Two criteria are therefore required
and two are context (numbers in data/essentially_identical.yaml, explained in docs/authority.md):

- parties (required): each party of the application against each party of the denial, across roles
  (a denied end user may come back as a consignee), with the screening engine's scorer: names in any
  script, aliases, countries and identifiers; agreeing addresses add a little;
- items (required): the closest pair of items: the same control code, or one under the other, and,
  where both sides state the same parameter, values within the configured tolerance;
- destination and end use (context): shown to the officer; they may lift a borderline party score
  over the line, never hold a warning back.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from dualcheck.controls.codes import normalise_code
from dualcheck.screening.config import load_validated
from dualcheck.screening.normalize import prepare_name
from dualcheck.screening.scoring import default_scorer
from dualcheck.screening.subjects import Subject, query_subject

LEGAL_BASIS = "Regulation (EU) 2021/821, Art. 16(5) (consultation before granting an essentially identical " \
              "transaction denied by another Member State within the last three years); Art. 2(22)"
CONFIG_FILE = Path(__file__).resolve().parent / "data" / "essentially_identical.yaml"
ROLE_NAMES = {"end_user": "end user", "consignee": "consignee"}

_WORD_RE = re.compile(r"[a-z0-9]+")
_STOP = frozenset([
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "in", "into", "is", "it", "its", "of", "on",
    "or", "the", "to", "with", "without", "use", "used", "using", "other", "such", "their", "this", "that", "these",
    "those", "within", "which", "who", "will",
])


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ItemRules(_Section):
    same_code: float = Field(ge=0, le=1)
    parent_child: float = Field(ge=0, le=1)
    same_entry: float = Field(ge=0, le=1)
    required: float = Field(ge=0, le=1)
    parameter_tolerance: float = Field(ge=0)
    parameter_mismatch: float = Field(ge=0, le=1)


class PartyRules(_Section):
    required: float = Field(ge=0, le=1)
    floor: float = Field(ge=0, le=1)
    address_bonus: float = Field(ge=0, le=1)
    address_min_name: float = Field(ge=0, le=1)


class ContextRules(_Section):
    destination: float = Field(ge=0, le=1)
    end_use: float = Field(ge=0, le=1)


class Weights(_Section):
    items: float = Field(ge=0)
    parties: float = Field(ge=0)
    destination: float = Field(ge=0)
    end_use: float = Field(ge=0)


class MatchingConfig(_Section):
    version: str
    lookback_years: int = Field(ge=1, le=10)
    items: ItemRules
    parties: PartyRules
    context: ContextRules
    weights: Weights

    def summary(self) -> dict[str, Any]:
        return {"version": self.version, "items_required": self.items.required,
                "parameter_tolerance": self.items.parameter_tolerance, "parties_required": self.parties.required}


def load_config(path: Path | None = None, **overrides: Any) -> MatchingConfig:
    """The matching configuration (refusing unknown keys); ``overrides`` as {"items.parameter_tolerance": 0.2}."""
    def edit(doc: Any) -> Any:
        for dotted, value in overrides.items():
            section, key = dotted.split(".", 1)
            doc[section][key] = value
        return doc

    return load_validated(path or CONFIG_FILE, MatchingConfig, edit)


@lru_cache(maxsize=1)
def default_config() -> MatchingConfig:
    return load_config()


def lookback_start(as_of: dt.date, years: int | None = None) -> dt.date:
    """The first day still "within the last three years" of ``as_of`` (29 February falls back to the 28th)."""
    years = default_config().lookback_years if years is None else years
    try:
        return as_of.replace(year=as_of.year - years)
    except ValueError:
        return as_of.replace(year=as_of.year - years, day=28)


# --- items -----------------------------------------------------------------------------------------

def code_relation(a: str, b: str, config: MatchingConfig | None = None) -> tuple[float, str]:
    rules = (config or default_config()).items
    a, b = normalise_code(a), normalise_code(b)
    if a == b:
        return rules.same_code, "same code"
    if a.startswith(b + "."):
        return rules.parent_child, f"{a} falls under {b}"
    if b.startswith(a + "."):
        return rules.parent_child, f"{b} falls under {a}"
    if a.split(".", 1)[0] == b.split(".", 1)[0]:
        return rules.same_entry, "same entry, different sub-items"
    return 0.0, "unrelated codes"


def _param_index(item: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["key"]: p for p in item.get("_parameters") or ()}


def parameters_agree(a: dict[str, Any], b: dict[str, Any], tolerance: float) -> tuple[list[str], list[str]]:
    """The parameters both items state, split into (agreeing, disagreeing) descriptions."""
    pa, pb = _param_index(a), _param_index(b)
    agree: list[str] = []
    disagree: list[str] = []
    for key in sorted(pa.keys() & pb.keys()):
        x, y = pa[key], pb[key]
        shown = f"{x['name']} {x['text']} / {y['text']}"
        if x["value"] is not None and y["value"] is not None and x["dimension"] == y["dimension"]:
            biggest = max(abs(x["value"]), abs(y["value"]))
            ok = biggest == 0 or abs(x["value"] - y["value"]) / biggest <= tolerance + 1e-9
        else:
            ok = " ".join(x["text"].casefold().split()) == " ".join(y["text"].casefold().split())
        (agree if ok else disagree).append(shown)
    return agree, disagree


def item_pair(a: dict[str, Any], b: dict[str, Any], config: MatchingConfig) -> tuple[float, str]:
    score, how = code_relation(a["control_code"], b["control_code"], config)
    detail = f"{a['control_code']} vs {b['control_code']}: {how}"
    if score <= 0:
        return score, detail
    agree, disagree = parameters_agree(a, b, config.items.parameter_tolerance)
    tolerance = f"{config.items.parameter_tolerance:.0%}"
    if disagree:
        score *= config.items.parameter_mismatch
        detail += f"; parameters differ beyond {tolerance}: {', '.join(disagree)}"
    if agree:
        detail += f"; parameters within {tolerance}: {', '.join(agree)}"
    if not agree and not disagree and a.get("_parameters") and b.get("_parameters"):
        detail += "; no parameter stated on both sides"
    return score, detail


def item_score(app_items: Sequence[dict[str, Any]], denial_items: Sequence[dict[str, Any]],
               config: MatchingConfig | None = None) -> tuple[float, str]:
    config = config or default_config()
    best, detail = 0.0, "no related control codes"
    for a in app_items:
        for d in denial_items:
            score, how = item_pair(a, d, config)
            if score > best:
                best, detail = score, how
    return best, detail


# --- parties ---------------------------------------------------------------------------------------

def merged_parties(parties: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The named parties of one transaction, those written with the same name pooling what each role
    states (a denial's consignee and end user are often one company, its identifiers given once)."""
    pooled: dict[str, dict[str, Any]] = {}
    for party in parties:
        if not party.get("name"):
            continue
        key = " ".join(party["name"].casefold().split())
        held = pooled.setdefault(key, {"name": party["name"], "country": None, "address": None, "identifiers": [],
                                       "aliases": []})
        held["country"] = held["country"] or party.get("country")
        held["address"] = held["address"] or party.get("address")
        for field in ("identifiers", "aliases"):
            held[field] += [v for v in party.get(field) or () if v not in held[field]]
    return [{**party, **{k: v for k, v in pooled[" ".join(party["name"].casefold().split())].items() if k != "name"}}
            for party in parties if party.get("name")]


def identifier_values(party: dict[str, Any]) -> tuple[str, ...]:
    """The identifier values of a party ({"type", "value"} entries, or bare texts)."""
    return tuple(sorted(i["value"] if isinstance(i, dict) else str(i) for i in party.get("identifiers") or ()))


def party_subject(party: dict[str, Any]) -> Subject:
    return _subject(party["name"], party.get("country"), identifier_values(party), tuple(party.get("aliases") or ()))


@lru_cache(maxsize=50_000)
def _subject(name: str, country: str | None, identifiers: tuple[str, ...], aliases: tuple[str, ...]) -> Subject:
    return query_subject(name, country=country, identifiers=list(identifiers), aliases=list(aliases),
                         strict_country=False)


@lru_cache(maxsize=50_000)
def _address_words(address: str) -> frozenset[str]:
    return frozenset(prepare_name(address).tokens)


def address_score(a: str | None, b: str | None) -> float | None:
    """Dice coefficient of the two addresses' words (transliterated as names are); None without both."""
    if not a or not b:
        return None
    wa, wb = _address_words(a), _address_words(b)
    if not wa or not wb:
        return None
    return 2 * len(wa & wb) / (len(wa) + len(wb))


def name_score(a: str, b: str) -> tuple[float, str]:
    """The screening score of two bare names (no country, no identifiers) and its explanation."""
    scored = default_scorer().score(_subject(a, None, (), ()), _subject(b, None, (), ()))
    return scored.score, scored.name.explain()


@dataclass(frozen=True)
class PartyMatch:
    score: float
    app_party: dict[str, Any] | None
    denial_party: dict[str, Any] | None
    detail: str


NO_PARTY = PartyMatch(0.0, None, None, "no matching party")


def party_pair(a: dict[str, Any], d: dict[str, Any], config: MatchingConfig,
               subjects: tuple[Subject, Subject] | None = None) -> PartyMatch:
    qa, qd = subjects or (party_subject(a), party_subject(d))
    scored = default_scorer().score(qa, qd)
    score = scored.score
    parts = [f"{scored.query_name!r} ~ {scored.matched_name!r}: {scored.name.explain()}" if scored.name.pairs
             else f"{a['name']!r} / {d['name']!r}"]
    parts += [c.detail for c in scored.explanation if c.feature != "name_match"]
    addr = address_score(a.get("address"), d.get("address"))
    if addr is not None:
        if score >= config.parties.address_min_name and addr > 0:
            bonus = config.parties.address_bonus * addr
            score = min(1.0, score + bonus)
            parts.append(f"addresses agree {addr:.0%} (+{bonus:.2f})")
        else:
            parts.append(f"addresses agree {addr:.0%}")
    role_a, role_d = ROLE_NAMES.get(a["role"], a["role"]), ROLE_NAMES.get(d["role"], d["role"])
    return PartyMatch(score, a, d, f"application {role_a} ~ denied {role_d}: " + "; ".join(parts))


def party_score(app_parties: Sequence[dict[str, Any]], denial_parties: Sequence[dict[str, Any]],
                config: MatchingConfig | None = None) -> PartyMatch:
    """The best pair of parties, each compared with each whatever their roles."""
    config = config or default_config()
    best = NO_PARTY
    for a in app_parties:
        for d in denial_parties:
            if a.get("name") and d.get("name"):
                found = party_pair(a, d, config)
                if found.score > best.score:
                    best = found
    return best


# --- context ---------------------------------------------------------------------------------------

def _words(text: str) -> set[str]:
    return {w for w in _WORD_RE.findall(text.casefold()) if w not in _STOP and len(w) > 2}


def end_use_score(a: str, b: str) -> tuple[float, str]:
    wa, wb = _words(a), _words(b)
    if not wa or not wb:
        return 0.0, "end use not stated on both sides"
    common = wa & wb
    score = 2 * len(common) / (len(wa) + len(wb))
    return score, f"{len(common)} shared words" + (f" ({', '.join(sorted(common)[:8])})" if common else "")


# --- one comparison --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Comparison:
    denial: dict[str, Any]  # issuing_state, reference, date
    score: float
    criteria: dict[str, dict[str, Any]]
    warning: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"denial": self.denial, "score": round(self.score, 4), "criteria": self.criteria,
                "warning": self.warning, "legal_basis": LEGAL_BASIS if self.warning else None,
                "explanation": explain(self.criteria) if self.warning else None}


def explain(criteria: dict[str, dict[str, Any]]) -> list[str]:
    """One line per criterion, as the officer reads it."""
    c = criteria
    return [f"same end user or consignee ({c['parties']['score']:.2f}): {c['parties']['detail']}",
            f"essentially identical items ({c['items']['score']:.2f}): {c['items']['detail']}",
            f"destination (context): {c['destination']['detail']}",
            f"end use (context, {c['end_use']['score']:.2f}): {c['end_use']['detail']}"]


def compare(app: dict[str, Any], denial: dict[str, Any], config: MatchingConfig | None = None,
            parties: PartyMatch | None = None) -> Comparison:
    """Compare one application with one denial, both views with destination, parties (role, name, country,
    address, identifiers, aliases), items (control_code, _parameters) and end_use; the denial also
    issuing_state, reference, date. ``parties`` is the party comparison when the caller has it already."""
    config = config or default_config()
    items, items_how = item_score(app["items"], denial["items"], config)
    found = parties or party_score(app["parties"], denial["parties"], config)
    same_destination = app["destination"] == denial["destination"]
    end_use, end_use_how = end_use_score(app.get("end_use") or "", denial.get("end_use") or "")
    context = config.context.destination * same_destination + config.context.end_use * end_use
    w = config.weights
    score = (w.items * items + w.parties * found.score + w.destination * same_destination
             + w.end_use * end_use) / (w.items + w.parties + w.destination + w.end_use)
    rules = config.parties
    same_party = found.score >= rules.required or (found.score >= rules.floor
                                                   and found.score + context >= rules.required)
    warns = items >= config.items.required and same_party
    criteria = {
        "parties": {"score": round(found.score, 4), "required": rules.required, "floor": rules.floor,
                    "met": same_party, "detail": found.detail,
                    "context_added": round(context, 4) if found.score < rules.required else 0.0},
        "items": {"score": round(items, 4), "required": config.items.required,
                  "met": items >= config.items.required, "detail": items_how},
        "destination": {"match": same_destination, "required": False,
                        "detail": f"{app['destination']} vs {denial['destination']}"
                                  + ("" if same_destination else " (another destination: a re-routing counts "
                                                                 "as the same transaction)")},
        "end_use": {"score": round(end_use, 4), "required": False, "detail": end_use_how},
    }
    ref = {"issuing_state": denial["issuing_state"], "reference": denial["reference"], "date": denial["date"]}
    warning = f"consult {denial['issuing_state']} (denial {denial['reference']}, {denial['date']})" if warns else None
    return Comparison(ref, score, criteria, warning)
