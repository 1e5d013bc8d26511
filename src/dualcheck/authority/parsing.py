"""Reading applications and exchanged denial records from JSON documents, one clear line per fault.

Every field is checked before anything is written; errors name the source, the record and the field.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dualcheck.controls.codes import is_annex_i_code, normalise_code
from dualcheck.errors import BadInput
from dualcheck.rules.countries import member_states

# The Member States (ISO 3166-1 alpha-2), from the one country table (rules/data/countries.yaml).
MEMBER_STATES = member_states()
TRANSACTION_TYPES = ("export", "brokering", "transit", "technical_assistance")
_COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
MAX_REFERENCE = 100


@dataclass(frozen=True)
class Item:
    control_code: str
    description: str
    quantity: float | None = None
    value: float | None = None

    def as_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"control_code": self.control_code, "description": self.description}
        if self.quantity is not None:
            doc["quantity"] = self.quantity
        if self.value is not None:
            doc["value"] = self.value
        return doc


@dataclass(frozen=True)
class Party:
    name: str | None
    country: str | None


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

    @property
    def total_value(self) -> float:
        return float(sum(i.value or 0.0 for i in self.items))


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
    extra: dict[str, Any] = field(default_factory=dict)


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
            items.append(Item(code, f.required_text("description"), f.number("quantity"), f.number("value")))
        return tuple(items)


def _party(f: _Fields, name: str) -> Party:
    sub = f.sub(name)
    return Party(sub.text("name", required=False), sub.country("country", required=False))


def _transaction_fields(f: _Fields, what: str, state_field: str) -> tuple[Party, Party, str, str]:
    """Consignee, end user (at least one named), the Member State and the destination."""
    consignee, end_user = _party(f, "consignee"), _party(f, "end_user")
    if not consignee.name and not end_user.name:
        raise f.fail("end_user", f"{what} names at least a consignee or an end user")
    state = f.country(state_field, member_state=True)
    destination = f.country("destination")
    assert state and destination
    return consignee, end_user, state, destination


def parse_application(doc: Any, *, source: str | None = None) -> ApplicationInput:
    f = _Fields(doc, source, "")
    transaction_type = f.required_text("transaction_type") if "transaction_type" in f.doc else "export"
    if transaction_type not in TRANSACTION_TYPES:
        raise f.fail("transaction_type", f"expected one of {', '.join(TRANSACTION_TYPES)}, got {transaction_type!r}")
    consignee, end_user, state, destination = _transaction_fields(f, "an application", "authority_state")
    return ApplicationInput(
        reference=f.required_text("reference", max_length=MAX_REFERENCE), authority_state=state,
        applicant=f.required_text("applicant"), received_on=f.date("received"), transaction_type=transaction_type,
        destination=destination, consignee=consignee, end_user=end_user,
        end_use=f.text("end_use", required=False) or "", items=f.items("items"))


def parse_denial(doc: Any, *, source: str | None, where: str) -> DenialInput:
    """One exchanged denial record (see docs/authority.md); ``where`` names it in errors."""
    f = _Fields(doc, source, where)
    consignee, end_user, state, destination = _transaction_fields(f, "a denial", "issuing_state")
    return DenialInput(
        issuing_state=state, reference=f.required_text("reference", max_length=MAX_REFERENCE),
        denied_on=f.date("date"), destination=destination, consignee=consignee, end_user=end_user,
        end_use=f.text("end_use", required=False) or "", items=f.items("items"),
        reasons=f.required_text("reasons"), legal_basis=f.text("legal_basis", required=False) or "",
        revoked=f.flag("revoked"))
