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

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from dualcheck.controls import codes as codes_mod
from dualcheck.errors import BadInput
from dualcheck.rules.countries import COUNTRY_CODES
from dualcheck.rules.territory import default_table

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_AUTHORISATION_ID = re.compile(r"^EU\d{3}$")


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
    """An ISO 3166-1 alpha-2 code; a subdivision code or territory name gives its State's code."""
    code = value.strip().upper()
    if code in COUNTRY_CODES:
        return code
    try:
        return default_table().resolve(value).country
    except ValueError:
        raise ValueError(f"unknown country code {value!r} (ISO 3166-1 alpha-2 expected)") from None


CountryCode = Annotated[str, AfterValidator(_country)]
Decision = Literal["authorisation_required", "prohibited", "not_required"]
Ta4Exemption = Literal["eu001_country", "public_domain", "basic_research", "member_state_authority",
                       "member_state_armed_forces", "mtcr_exception", "minimum_for_authorised_export"]


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
    # optional facts the rules use where given: what software, technology or test equipment is for
    # (Annex II scopes such as EU005 and EU007), whether the item is a cyber-surveillance item in the
    # sense of Art. 2(20), and the outcome of checking the item against a sanctions goods annex
    related_codes: list[str] | None = None
    cyber_surveillance: bool | None = None
    sanctions_annexes: dict[str, Literal["listed", "not_listed"]] = {}

    @field_validator("id", mode="before")
    @classmethod
    def _id_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value

    @field_validator("control_codes", "related_codes")
    @classmethod
    def _codes(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        out = []
        for raw in value:
            code = codes_mod.normalise_code(raw)
            if not code:
                raise ValueError("empty control code")
            if code not in out:
                out.append(code)
        return out


class EndUse(_Model):
    description: str | None = None
    civil: bool | None = None
    country: CountryCode | None = None       # where the end use is stated to take place


class AuthorityDecision(_Model):
    article: str = Field(min_length=1)
    decision: Decision
    reference: str | None = None
    date: dt.date | None = None

    @field_validator("article", mode="before")
    @classmethod
    def _article(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value


class Original(_Model):
    """The original export of items now re-exported after repair or replacement (EU003)."""

    end_user: str | None = None
    end_use: str | None = None
    authorisation: str | None = None
    date: dt.date | None = None


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
    informed: list[Awareness] = []
    authority_decisions: list[AuthorityDecision] = []
    goods_location: CountryCode | None = None
    non_union_goods: bool | None = None
    original: Original | None = None
    reimport_by: dt.date | None = None
    contract_date: dt.date | None = None
    technical_assistance_exemption: Ta4Exemption | None = None
    # set from `destination` when it names a territory (ES-CN, Heligoland): see territory.yaml
    destination_territory: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _territory(cls, data: Any) -> Any:
        """A destination naming a territory keeps its State's code and remembers the territory."""
        if isinstance(data, dict) and isinstance(data.get("destination"), str):
            raw = data["destination"]
            if raw.strip().upper() not in COUNTRY_CODES:
                try:
                    place = default_table().resolve(raw)
                except ValueError:
                    return data  # the field validator reports it
                data = {**data, "destination": place.country, "destination_territory": place.territory}
            elif "destination_territory" in data:
                data = {k: v for k, v in data.items() if k != "destination_territory"}
        return data

    @field_validator("id", mode="before")
    @classmethod
    def _id_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) else value

    @property
    def original_reference(self) -> str | None:
        return (self.original.authorisation if self.original else None) or self.original_authorisation

    @field_validator("date", "reimport_by", "contract_date", mode="before")
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
            if not _AUTHORISATION_ID.match(code):
                raise ValueError(f"{reg!r} is not a Union general export authorisation number (EUnnn)")
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
