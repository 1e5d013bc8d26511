"""The transaction facts: parsed from the contract's JSON, validated, one line per error.

Absent optional facts take the ordinary case (CONTRACTS.md); facts that have no default and a
decision needs (control codes, destination, parties) stay None so the engine can ask for them.
Unknown keys (such as a scenario's "expected" or "_reasoning") are ignored.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from enum import Enum
from typing import Annotated, Any, Literal

from followthemoney.types import registry
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator

from dualcheck.errors import BadInput
from dualcheck.rules import codes as codes_mod

COUNTRY_CODES = frozenset(code.upper() for code in registry.country.names if len(code) == 2)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class TransactionType(str, Enum):
    export = "export"
    transfer = "transfer"
    brokering = "brokering"
    technical_assistance = "technical_assistance"
    transit = "transit"


Awareness = Literal["wmd", "military_embargo", "military_parts_illegal", "cyber_repression"]
Purpose = Literal["sale", "repair_replacement", "exhibition", "other"]
Role = Literal["consignee", "end_user", "intermediate_consignee", "purchaser", "broker"]


def _country(value: str) -> str:
    code = value.strip().upper()
    if code not in COUNTRY_CODES:
        raise ValueError(f"unknown country code {value!r} (ISO 3166-1 alpha-2 expected)")
    return code


CountryCode = Annotated[str, AfterValidator(_country)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Exporter(_Model):
    name: str | None = None
    country: CountryCode | None = None
    icp: bool = False


class Party(_Model):
    role: Role
    name: str = Field(min_length=1)
    country: CountryCode | None = None
    address: str | None = None


class Item(_Model):
    id: str | None = None
    description: str | None = None
    control_codes: list[str] | None = None
    hs_code: str | None = None
    quantity: float | None = Field(default=None, ge=0)
    unit: str | None = None
    value: float | None = Field(default=None, ge=0)
    currency: str | None = None

    @field_validator("id", mode="before")
    @classmethod
    def _id_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value

    @field_validator("control_codes")
    @classmethod
    def _codes(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        out = []
        for raw in value:
            code = codes_mod.normalise(raw)
            if not code:
                raise ValueError("empty control code")
            if code not in out:
                out.append(code)
        return out


class EndUse(_Model):
    description: str | None = None
    civil: bool | None = None


class Transaction(_Model):
    id: str | None = None
    type: TransactionType
    exporter: Exporter = Exporter()
    destination: CountryCode | None = None
    transit_countries: list[CountryCode] = []
    date: dt.date | None = None
    parties: list[Party] | None = None
    items: list[Item] = Field(min_length=1)
    end_use: EndUse = EndUse()
    awareness: list[Awareness] = []
    customs_free_zone: bool = False
    intra_group: bool = False
    purpose: Purpose = "sale"
    original_authorisation: str | None = None
    registrations: list[str] = []

    @field_validator("id", mode="before")
    @classmethod
    def _id_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value

    @field_validator("date", mode="before")
    @classmethod
    def _iso_date(cls, value: Any) -> Any:
        if isinstance(value, str) and not _DATE.match(value):
            raise ValueError(f"date {value!r} must be YYYY-MM-DD")
        return value

    @field_validator("registrations")
    @classmethod
    def _registrations(cls, value: list[str]) -> list[str]:
        out = []
        for reg in value:
            code = reg.strip().upper()
            if not re.fullmatch(r"EU00[1-8]", code):
                raise ValueError(f"unknown Union general export authorisation {reg!r} (EU001 to EU008)")
            out.append(code)
        return out

    def item_label(self, index: int) -> str:
        return self.items[index].id or str(index + 1)


def _location(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for piece in loc:
        if isinstance(piece, int):
            parts[-1 if parts else 0:] = [f"{parts[-1] if parts else ''}[{piece}]"]
        else:
            parts.append(str(piece))
    return ".".join(parts)


def parse_transaction(doc: Any, *, source: str | None = None) -> Transaction:
    """Validate a decoded JSON document; raise BadInput naming the first faulty field."""
    if not isinstance(doc, dict):
        raise BadInput("a transaction must be one JSON object", source=source)
    try:
        return Transaction.model_validate(doc)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = _location(tuple(err.get("loc", ())))
        message = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        if err.get("type") == "missing":
            message = "missing (required)"
        raise BadInput(message, source=source, location=f"field {loc}" if loc else None) from None


def load_transaction(text: str, *, source: str | None = None) -> tuple[dict[str, Any], Transaction]:
    """Decode JSON text and validate it; returns the raw document and the facts."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInput(f"malformed JSON: {exc.msg}", source=source,
                       location=f"line {exc.lineno}, column {exc.colno}") from None
    return doc, parse_transaction(doc, source=source)


def check_control_codes(tx: Transaction, is_known: Any, *, source: str | None = None) -> None:
    """Raise BadInput for the first control code neither the control list nor a national measure knows."""
    for index, item in enumerate(tx.items):
        for pos, code in enumerate(item.control_codes or []):
            if not is_known(code):
                raise BadInput(f"unknown control code {code!r}", source=source,
                               location=f"field items[{index}].control_codes[{pos}]")
