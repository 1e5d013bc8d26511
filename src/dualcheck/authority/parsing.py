"""Reading applications and exchanged denial records from JSON documents, one clear line per fault.

Every field is checked before anything is written; errors name the source, the record and the field.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from dualcheck.controls.codes import is_annex_i_code, normalise_code
from dualcheck.controls.units import parse_number, parse_quantity
from dualcheck.errors import BadInput, ConfigError
from dualcheck.rules.countries import member_states

# The Member States (ISO 3166-1 alpha-2), from the one country table (rules/data/countries.yaml).
MEMBER_STATES = member_states()
TRANSACTION_TYPES = ("export", "brokering", "transit", "technical_assistance")
_COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
MAX_REFERENCE = 100


@dataclass(frozen=True)
class Parameter:
    """A technical parameter of an item: a number in its dimension's base unit, or a text value."""

    name: str
    key: str  # the name compared: casefolded words, without unit words
    value: float | None
    dimension: str | None
    text: str

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.text}


@dataclass(frozen=True)
class Item:
    control_code: str
    description: str
    quantity: float | None = None
    value: float | None = None
    parameters: tuple[Parameter, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"control_code": self.control_code, "description": self.description}
        if self.quantity is not None:
            doc["quantity"] = self.quantity
        if self.value is not None:
            doc["value"] = self.value
        if self.parameters:
            doc["parameters"] = {p.name: p.text for p in self.parameters}
        return doc


@dataclass(frozen=True)
class Party:
    name: str | None
    country: str | None
    role: str = "end_user"
    address: str | None = None
    identifiers: tuple[tuple[str | None, str], ...] = ()  # (type, value)
    aliases: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"role": self.role, "name": self.name, "country": self.country, "address": self.address,
                "identifiers": [{"type": t, "value": v} for t, v in self.identifiers], "aliases": list(self.aliases)}


@dataclass(frozen=True)
class Reason:
    """One reason of a denial, under the criterion it applies (see data/denial_criteria.yaml)."""

    criterion: str
    detail: str
    citation: str | None = None
    label: str | None = None  # the criterion as the issuing state wrote it, when it is not one we know

    def as_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"criterion": self.criterion, "citation": self.citation, "detail": self.detail}
        if self.label:
            doc["label"] = self.label
        return doc


@dataclass(frozen=True)
class ApplicationInput:
    reference: str
    authority_state: str
    applicant: str
    received_on: dt.date
    transaction_type: str
    destination: str
    consignee: Party
    end_user: Party
    end_use: str
    items: tuple[Item, ...]
    other_parties: tuple[Party, ...] = ()

    @property
    def total_value(self) -> float:
        return float(sum(i.value or 0.0 for i in self.items))

    @property
    def parties(self) -> tuple[Party, ...]:
        return tuple(p for p in (self.consignee, self.end_user, *self.other_parties) if p.name)


@dataclass(frozen=True)
class DenialInput:
    issuing_state: str
    reference: str
    denied_on: dt.date
    destination: str
    consignee: Party
    end_user: Party
    end_use: str
    items: tuple[Item, ...]
    reasons: str
    legal_basis: str
    revoked: bool = False
    other_parties: tuple[Party, ...] = ()
    reasons_by_criterion: tuple[Reason, ...] = ()
    notified_on: dt.date | None = None
    revoked_on: dt.date | None = None
    revocation_reason: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def parties(self) -> tuple[Party, ...]:
        return tuple(p for p in (self.consignee, self.end_user, *self.other_parties) if p.name)


def read_json(path: Path) -> Any:
    """A JSON file, or one line naming the file and what is wrong with it."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadInput("no such file", source=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"cannot read: {exc.__class__.__name__}", source=str(path)) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInput(f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})", source=str(path)) from None


class _Fields:
    """Typed access to one JSON object, raising BadInput(source, location='<where>.<field>')."""

    def __init__(self, doc: Any, source: str | None, where: str) -> None:
        if not isinstance(doc, dict):
            raise BadInput(f"expected a JSON object, got {type(doc).__name__}", source=source, location=where or None)
        self.doc, self.source, self.where = doc, source, where

    def _loc(self, name: str) -> str:
        return f"{self.where}.{name}" if self.where else name

    def fail(self, name: str, message: str) -> BadInput:
        return BadInput(message, source=self.source, location=f"field {self._loc(name)!r}")

    def text(self, name: str, *, required: bool = True, max_length: int | None = None) -> str | None:
        value = self.doc.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise self.fail(name, "missing or empty")
            return None
        if not isinstance(value, str):
            raise self.fail(name, f"expected text, got {type(value).__name__}")
        value = " ".join(value.split())
        if max_length and len(value) > max_length:
            raise self.fail(name, f"longer than {max_length} characters")
        return value

    def required_text(self, name: str, *, max_length: int | None = None) -> str:
        value = self.text(name, max_length=max_length)
        assert value is not None
        return value

    def date(self, name: str) -> dt.date:
        value = self.required_text(name)
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise self.fail(name, f"not a YYYY-MM-DD date: {value!r}") from None

    def country(self, name: str, *, required: bool = True, member_state: bool = False) -> str | None:
        value = self.text(name, required=required)
        if value is None:
            return None
        value = value.upper()
        if not _COUNTRY_RE.match(value):
            raise self.fail(name, f"not a two-letter ISO country code: {value!r}")
        if member_state and value not in MEMBER_STATES:
            raise self.fail(name, f"not an EU Member State: {value!r}")
        return value

    def number(self, name: str) -> float | None:
        value = self.doc.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(name, f"expected a number, got {type(value).__name__}")
        if value < 0:
            raise self.fail(name, "must not be negative")
        return float(value)

    def flag(self, name: str) -> bool:
        value = self.doc.get(name, False)
        if not isinstance(value, bool):
            raise self.fail(name, "expected true or false")
        return value

    def sub(self, name: str) -> _Fields:
        value = self.doc.get(name)
        if value is None:
            value = {}
        if not isinstance(value, dict):
            raise self.fail(name, f"expected an object, got {type(value).__name__}")
        return _Fields(value, self.source, self._loc(name))

    def optional_date(self, name: str) -> dt.date | None:
        return self.date(name) if self.text(name, required=False) else None

    def texts(self, name: str) -> tuple[str, ...]:
        """A text or a list of texts (empty entries dropped)."""
        value = self.doc.get(name)
        if value is None:
            return ()
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise self.fail(name, "expected a text or a list of texts")
        return tuple(" ".join(v.split()) for v in values if v.strip())

    def items(self, name: str) -> tuple[Item, ...]:
        value = self.doc.get(name)
        if not isinstance(value, list) or not value:
            raise self.fail(name, "expected a non-empty list of items")
        items = []
        for i, raw in enumerate(value):
            f = _Fields(raw, self.source, f"{self._loc(name)}[{i}]")
            raw_code = f.required_text("control_code")
            code = normalise_code(raw_code)
            if not is_annex_i_code(code):
                raise f.fail("control_code", f"not an Annex I control code: {raw_code!r}")
            items.append(Item(code, f.required_text("description"), f.number("quantity"), f.number("value"),
                              _parameters(f, _first_present(f.doc, PARAMETER_FIELDS))))
        return tuple(items)


PARAMETER_FIELDS = ("parameters", "technical_parameters", "characteristics", "technical_characteristics")
IDENTIFIER_FIELDS = ("identifiers", "identifier", "registration_number", "registration", "ids")
ALIAS_FIELDS = ("aliases", "alias", "other_names", "names")
# unit words written into a parameter's name ("key_length_bits", "range km") are not part of its name
_UNIT_WORDS = frozenset(["bit", "bits", "byte", "bytes", "mm", "cm", "m", "km", "nm", "um", "kg", "g", "w", "kw", "mw",
                         "hz", "khz", "mhz", "ghz", "s", "ms", "ns", "v", "kv", "a", "percent", "pct", "deg",
                         "degrees", "k", "c", "in", "of", "the", "max", "maximum", "min", "minimum"])
_PARAM_WORD_RE = re.compile(r"[a-z0-9]+")
_LEADING_NUMBER = re.compile(r"^\s*([-+]?\d+(?:[.,]\d+)?)\s*(\S.*)?$")


def _first_present(doc: dict[str, Any], names: tuple[str, ...]) -> str:
    return next((n for n in names if doc.get(n) is not None), names[0])


def parameter_key(name: str) -> str:
    words = _PARAM_WORD_RE.findall(name.casefold().replace("_", " "))
    kept = [w for w in words if w not in _UNIT_WORDS] or words
    return " ".join(kept)


def _parameter(name: str, raw: Any, f: _Fields, where: str) -> Parameter:
    """A parameter value: a number, a text such as "256 bit", or {"value": 256, "unit": "bit"}; anything
    else (a range, a list, a flag) is kept as its text and compared as text."""
    unit_text = None
    if isinstance(raw, dict) and "value" in raw:
        unit_text = raw.get("unit")
        raw = raw.get("value")
        if unit_text is not None and not isinstance(unit_text, str):
            raise f.fail(where, "a parameter's unit is a text")
    if raw is None:
        raise f.fail(where, "a parameter has a value")
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raw = json.dumps(raw, ensure_ascii=False, sort_keys=True)
    text = " ".join(f"{raw} {unit_text or ''}".split())
    if not isinstance(raw, str) and not unit_text:
        return Parameter(name, parameter_key(name), float(raw), None, text)
    for candidate in (text, text[:-1]) if text.endswith("s") else (text,):  # "256 bits" as "256 bit"
        try:
            number, unit = parse_quantity(candidate)
            return Parameter(name, parameter_key(name), number, unit.dimension if unit else None, text)
        except (BadInput, ValueError):
            continue
    # a unit we do not convert ("52 µg", "64 lp/mm"): the number counts against the same unit only
    match = _LEADING_NUMBER.match(text)
    if match:
        try:
            number = parse_number(match.group(1))
        except ValueError:
            return Parameter(name, parameter_key(name), None, None, text)
        return Parameter(name, parameter_key(name), number, "unit:" + "".join(match.group(2).casefold().split()), text)
    return Parameter(name, parameter_key(name), None, None, text)


def _parameters(f: _Fields, name: str) -> tuple[Parameter, ...]:
    """{"name": value, ...} or [{"name", "value", "unit"?}, ...]; see docs/authority.md."""
    raw = f.doc.get(name)
    if raw is None:
        return ()
    found = []
    if isinstance(raw, dict):
        for key, value in raw.items():
            if value is not None:  # a parameter left empty is not stated
                found.append(_parameter(str(key), value, f, f"{name}.{key}"))
    elif isinstance(raw, list):
        for i, entry in enumerate(raw):
            if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"].strip():
                raise f.fail(f"{name}[{i}]", "expected an object with a name and a value")
            if entry.get("value") is not None:
                found.append(_parameter(entry["name"].strip(), {"value": entry["value"], "unit": entry.get("unit")},
                                        f, f"{name}[{i}]"))
    else:
        raise f.fail(name, f"expected an object or a list, got {type(raw).__name__}")
    return tuple(found)


def _identifiers(f: _Fields) -> tuple[tuple[str | None, str], ...]:
    """A text, a list of texts or of {"type", "value"} objects, or {type: value}: (type, value) pairs."""
    name = _first_present(f.doc, IDENTIFIER_FIELDS)
    raw = f.doc.get(name)
    if raw is None:
        return ()
    entries = list(raw.items()) if isinstance(raw, dict) else raw if isinstance(raw, list) else [raw]
    found: list[tuple[str | None, str]] = []
    for i, entry in enumerate(entries):
        kind: Any = name if name != "identifiers" else None
        value: Any = entry
        if isinstance(entry, tuple):
            kind, value = entry
        elif isinstance(entry, dict):
            kind = entry.get("type", entry.get("scheme"))
            value = entry.get("value", entry.get("number", entry.get("id")))
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or (kind is not None and not isinstance(kind, str)):
            raise f.fail(f"{name}[{i}]", "expected an identifier text or {\"type\", \"value\"}")
        if value.strip():
            found.append((" ".join(kind.split()) if kind else None, " ".join(value.split())))
    return tuple(found)


def _address(f: _Fields) -> str | None:
    raw = f.doc.get("address")
    if isinstance(raw, dict):
        raw = ", ".join(str(v) for v in raw.values() if isinstance(v, str | int) and str(v).strip())
    elif isinstance(raw, list):
        raw = ", ".join(str(v) for v in raw if isinstance(v, str | int))
    if raw is not None and not isinstance(raw, str):
        raise f.fail("address", "expected a text")
    return " ".join(raw.split()) if raw and raw.strip() else None


def _party_of(sub: _Fields, role: str) -> Party:
    return Party(sub.text("name", required=False), sub.country("country", required=False), role=role,
                 address=_address(sub), identifiers=_identifiers(sub),
                 aliases=sub.texts(_first_present(sub.doc, ALIAS_FIELDS)))


def _party(f: _Fields, name: str) -> Party:
    return _party_of(f.sub(name), name)


def _other_parties(f: _Fields) -> list[Party]:
    """The ``parties`` list: each {"role", "name", ...}; consignee and end user may be given here too."""
    raw = f.doc.get("parties")
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise f.fail("parties", f"expected a list, got {type(raw).__name__}")
    found = []
    for i, entry in enumerate(raw):
        sub = _Fields(entry, f.source, f._loc(f"parties[{i}]"))
        role = (sub.text("role", required=False) or "party").casefold().replace(" ", "_").replace("-", "_")
        found.append(_party_of(sub, role))
    return found


def _transaction_fields(f: _Fields, what: str, state_field: str) -> tuple[Party, Party, tuple[Party, ...], str, str]:
    """Consignee, end user, further parties (at least one party named), the Member State and the destination."""
    consignee, end_user = _party(f, "consignee"), _party(f, "end_user")
    others = []
    for party in _other_parties(f):
        if party.role == "consignee" and not consignee.name:
            consignee = party
        elif party.role == "end_user" and not end_user.name:
            end_user = party
        elif party.name:
            others.append(party)
    if not consignee.name and not end_user.name:
        raise f.fail("end_user", f"{what} names at least a consignee or an end user")
    state = f.country(state_field, member_state=True)
    destination = f.country("destination")
    assert state and destination
    return consignee, end_user, tuple(others), state, destination


def parse_application(doc: Any, *, source: str | None = None) -> ApplicationInput:
    f = _Fields(doc, source, "")
    transaction_type = f.required_text("transaction_type") if "transaction_type" in f.doc else "export"
    if transaction_type not in TRANSACTION_TYPES:
        raise f.fail("transaction_type", f"expected one of {', '.join(TRANSACTION_TYPES)}, got {transaction_type!r}")
    consignee, end_user, others, state, destination = _transaction_fields(f, "an application", "authority_state")
    return ApplicationInput(
        reference=f.required_text("reference", max_length=MAX_REFERENCE), authority_state=state,
        applicant=f.required_text("applicant"), received_on=f.date("received"), transaction_type=transaction_type,
        destination=destination, consignee=consignee, end_user=end_user, other_parties=others,
        end_use=_end_use(f), items=f.items("items"))


def _end_use(f: _Fields) -> str:
    """A text, or {"description": ...} as in the transaction check's format."""
    if isinstance(f.doc.get("end_use"), dict):
        return f.sub("end_use").text("description", required=False) or ""
    return f.text("end_use", required=False) or ""


CRITERIA_FILE = Path(__file__).resolve().parent / "data" / "denial_criteria.yaml"


@lru_cache(maxsize=1)
def denial_criteria() -> dict[str, dict[str, Any]]:
    """Criterion key -> {"citation", "title", "aliases"} (data/denial_criteria.yaml, validated at load)."""
    doc = yaml.safe_load(CRITERIA_FILE.read_text(encoding="utf-8"))
    criteria = doc.get("criteria") if isinstance(doc, dict) else None
    if not isinstance(criteria, dict) or not criteria:
        raise ConfigError(f"{CRITERIA_FILE.name}: expected a 'criteria' mapping")
    for key, entry in criteria.items():
        unknown = set(entry) - {"citation", "title", "aliases"} if isinstance(entry, dict) else {"(not a mapping)"}
        if unknown or not isinstance(entry.get("citation"), str) or not isinstance(entry.get("title"), str):
            raise ConfigError(f"{CRITERIA_FILE.name}: criterion {key!r} needs a citation and a title"
                              + (f", unknown keys {sorted(unknown)}" if unknown else ""))
    return criteria


@lru_cache(maxsize=1)
def _criterion_lookup() -> dict[str, str]:
    lookup = {}
    for key, entry in denial_criteria().items():
        for alias in [key, entry["citation"], *entry.get("aliases", [])]:
            lookup[_criterion_form(str(alias))] = key
    return lookup


def _criterion_form(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.casefold().replace("art.", "")).strip()


def reason_of(criterion: str | None, detail: str, label: str | None = None) -> Reason:
    """A reason under a known criterion (key, citation or alias), else kept as the issuing state wrote it."""
    if not criterion or _criterion_form(criterion) == "unspecified":
        return Reason("unspecified", detail)
    key = _criterion_lookup().get(_criterion_form(criterion))
    if key is None:
        return Reason("other", detail, None, label or (None if criterion == "other" else criterion))
    return Reason(key, detail, denial_criteria()[key]["citation"])


def _reasons(f: _Fields) -> tuple[str, tuple[Reason, ...]]:
    """``reasons``: a text (version 1) or a list of {"criterion", "detail"} (version 2); the summary text too."""
    raw = f.doc.get("reasons")
    if isinstance(raw, list):
        if not raw:
            raise f.fail("reasons", "expected at least one reason")
        found = []
        for i, entry in enumerate(raw):
            if isinstance(entry, str) and entry.strip():
                found.append(reason_of(None, " ".join(entry.split())))
                continue
            sub = _Fields(entry, f.source, f._loc(f"reasons[{i}]"))
            criterion = sub.text("criterion", required=False)
            detail = sub.text("detail", required=False) or sub.text("text", required=False) or criterion
            if not detail:
                raise sub.fail("detail", "missing or empty")
            found.append(reason_of(criterion, detail, sub.text("label", required=False)))
        return "; ".join(r.detail for r in found), tuple(found)
    text = f.required_text("reasons")
    return text, (reason_of(None, text),)


def parse_denial(doc: Any, *, source: str | None, where: str) -> DenialInput:
    """One exchanged denial record (see docs/authority.md); ``where`` names it in errors."""
    f = _Fields(doc, source, where)
    consignee, end_user, others, state, destination = _transaction_fields(f, "a denial", "issuing_state")
    reasons, by_criterion = _reasons(f)
    revocation = f.sub("revocation")
    revoked_on = revocation.optional_date("date")
    revoked = f.flag("revoked") or revoked_on is not None
    return DenialInput(
        issuing_state=state, reference=f.required_text("reference", max_length=MAX_REFERENCE),
        denied_on=f.date("date"), destination=destination, consignee=consignee, end_user=end_user,
        other_parties=others, end_use=_end_use(f), items=f.items("items"),
        reasons=reasons, reasons_by_criterion=by_criterion, legal_basis=f.text("legal_basis", required=False) or "",
        revoked=revoked, notified_on=f.optional_date("notified"), revoked_on=revoked_on,
        revocation_reason=revocation.text("reason", required=False))


def item_view(item: dict[str, Any]) -> dict[str, Any]:
    """A stored item (as ``Item.as_dict`` wrote it) with its parameters read for comparison."""
    params = _parameters(_Fields(item, None, "item"), "parameters") if item.get("parameters") else ()
    return {**item, "_parameters": [{"name": p.name, "key": p.key, "value": p.value, "dimension": p.dimension,
                                     "text": p.text} for p in params]}


def legacy_parties(consignee: tuple[str | None, str | None], end_user: tuple[str | None, str | None]
                   ) -> list[dict[str, Any]]:
    """Parties of a row written before parties were recorded: its consignee and end user columns."""
    return [Party(name, country, role=role).as_dict()
            for role, (name, country) in (("consignee", consignee), ("end_user", end_user)) if name]
