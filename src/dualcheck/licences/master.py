"""Licence masters and registrations for Union general export authorisations: read, validate, store.

A licence file (YAML or JSON) holds one licence, a list of them, or ``{"licences": [...]}``::

    reference: DE-2026-0001          # the authority's reference, unique
    kind: individual                 # individual | global | large_project | national_general | eu_general
    authority: BAFA
    holder: Example GmbH
    valid_from: 2026-01-01
    valid_until: 2027-12-31
    destinations: [CN]               # ISO 3166-1 alpha-2; required except for eu_general
    end_users: [Example End User Ltd]   # required for individual licences; empty = any end user
    lines:
      - control_codes: [5A002.a]
        description: encryption modules
        quantity: 100                # omitted = not limited
        unit: pcs
        value: 120000                # omitted = not limited
        currency: EUR
        tolerance_percent: 10        # use may exceed the authorised amounts by this share

A registration for EU001-EU008 has ``kind: eu_general``, ``authorisation: EU001``,
``registered_on`` and the registration ``reference``; it has no lines or balances (general
authorisations are not limited in amount) but its use is recorded for reporting.
Every stored licence is recorded in the ledger (kind ``licence.register``).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from dualcheck.errors import BadInput, NotFound
from dualcheck.ledger import append
from dualcheck.licences.amounts import normalise_unit, quantity_units, value_units
from dualcheck.licences.models import Licence, LicenceLine

KINDS = ("individual", "global", "large_project", "national_general", "eu_general")
GENERAL_AUTHORISATIONS = tuple(f"EU00{i}" for i in range(1, 9))
_CODE = re.compile(r"^[0-9][A-E][0-9]{3}([.][a-z0-9]+)*$|^[A-Z0-9][A-Za-z0-9.\-]{1,31}$")


class LineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    control_codes: list[str] = Field(min_length=1)
    description: str = ""
    quantity: Decimal | None = Field(default=None, ge=0, allow_inf_nan=False)
    unit: str | None = None
    value: Decimal | None = Field(default=None, ge=0, allow_inf_nan=False)
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    tolerance_percent: Decimal = Field(default=Decimal(0), ge=0, le=100, allow_inf_nan=False)

    @field_validator("control_codes")
    @classmethod
    def _codes(cls, codes: list[str]) -> list[str]:
        cleaned = [c.strip().rstrip(".") for c in codes]
        for code in cleaned:
            if not _CODE.match(code):
                raise ValueError(f"not a control code: {code!r}")
        return cleaned

    @model_validator(mode="after")
    def _units(self) -> LineIn:
        if self.quantity is not None and not self.unit:
            raise ValueError("a line with a quantity needs its unit")
        if self.value is not None and not self.currency:
            raise ValueError("a line with a value needs its currency")
        return self


class LicenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reference: str = Field(min_length=1, max_length=100)
    kind: Literal["individual", "global", "large_project", "national_general", "eu_general"]
    authority: str = Field(min_length=1, max_length=200)
    holder: str | None = None
    authorisation: str | None = None
    registered_on: dt.date | None = None
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    destinations: list[str] = []
    end_users: list[str] = []
    conditions: dict[str, Any] = {}
    lines: list[LineIn] = []

    @field_validator("destinations")
    @classmethod
    def _countries(cls, values: list[str]) -> list[str]:
        out = [v.strip().upper() for v in values]
        for v in out:
            if not re.fullmatch(r"[A-Z]{2}", v):
                raise ValueError(f"not an ISO 3166-1 alpha-2 code: {v!r}")
        return out

    @model_validator(mode="after")
    def _by_kind(self) -> LicenceIn:
        if self.kind == "eu_general":
            if self.authorisation not in GENERAL_AUTHORISATIONS:
                raise ValueError(f"authorisation must be one of {', '.join(GENERAL_AUTHORISATIONS)}")
            if self.registered_on is None:
                raise ValueError("a registration needs registered_on")
            if self.lines:
                raise ValueError("a registration for a general authorisation has no lines")
            self.valid_from = self.valid_from or self.registered_on
        else:
            if self.authorisation is not None:
                raise ValueError("authorisation is only for kind eu_general")
            if not self.lines:
                raise ValueError("a licence needs at least one line")
            if not self.destinations:
                raise ValueError("a licence needs its destinations")
            if self.kind == "individual" and not self.end_users:
                raise ValueError("an individual licence names its end users")
            if self.valid_from is None:
                raise ValueError("valid_from is required")
        if self.valid_until and self.valid_from and self.valid_until < self.valid_from:
            raise ValueError("valid_until is before valid_from")
        return self


def _location(err: Any) -> str:
    return ".".join(str(p) for p in err["loc"]) or "licence"


def parse_licence(doc: Any, *, source: str | None = None, where: str = "") -> LicenceIn:
    try:
        return LicenceIn.model_validate(doc)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = _location(err)
        raise BadInput(err["msg"].removeprefix("Value error, "), source=source,
                       location=f"{where}{loc}" if loc != "licence" or not where else where.rstrip(", ")) from None


class _TextDatesLoader(yaml.SafeLoader):
    """Safe YAML that leaves dates as text, so that a bad date is reported with its field name."""


_TextDatesLoader.add_constructor("tag:yaml.org,2002:timestamp",
                                 lambda loader, node: loader.construct_scalar(node))  # type: ignore[arg-type]


def read_licence_file(path: Path) -> list[LicenceIn]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"cannot read ({exc})", source=str(path)) from None
    try:
        doc = json.loads(text) if path.suffix.lower() == ".json" else yaml.load(text, Loader=_TextDatesLoader)
    except (ValueError, yaml.YAMLError) as exc:
        first = str(exc).strip().splitlines()[0]
        raise BadInput(f"not valid {'JSON' if path.suffix.lower() == '.json' else 'YAML'} ({first})",
                       source=str(path)) from None
    items = doc.get("licences") if isinstance(doc, dict) and "licences" in doc else doc
    items = items if isinstance(items, list) else [items]
    return [parse_licence(item, source=str(path), where=f"licence {i + 1}, " if len(items) > 1 else "")
            for i, item in enumerate(items)]


def _line(line: LineIn, number: int) -> LicenceLine:
    quantity, value, tolerance = line.quantity, line.value, line.tolerance_percent
    return LicenceLine(
        line_no=number, control_codes=line.control_codes, description=line.description,
        unit=normalise_unit(line.unit), quantity_authorised=quantity_units(quantity) if quantity is not None else None,
        currency=line.currency, value_authorised=value_units(value) if value is not None else None,
        tolerance_permille=int(tolerance * 10), quantity_used=0, quantity_reserved=0, value_used=0, value_reserved=0,
    )


def store_licence(session: Session, data: LicenceIn, *, actor: str) -> tuple[Licence, bool]:
    """Store a licence (in the caller's write transaction); (licence, created). The same document
    stored again is a no-op; a different document under an existing reference is refused."""
    document = data.model_dump(mode="json")
    existing = session.execute(select(Licence).where(Licence.reference == data.reference)).scalar_one_or_none()
    if existing is not None:
        if existing.conditions.get("_document") == document:
            return existing, False
        raise BadInput("a different licence with this reference exists already", location=f"reference {data.reference}")
    assert data.valid_from is not None
    licence = Licence(
        id=str(uuid.uuid4()), reference=data.reference, kind=data.kind, authority=data.authority, holder=data.holder,
        authorisation=data.authorisation, registered_on=data.registered_on, valid_from=data.valid_from,
        valid_until=data.valid_until, destinations=data.destinations, end_users=data.end_users, status="active",
        conditions={**data.conditions, "_document": document}, created_by=actor,
        lines=[_line(line, i + 1) for i, line in enumerate(data.lines)],
    )
    session.add(licence)
    session.flush()
    append(session, "licence.register", {"licence_id": licence.id, "licence": document}, actor=actor,
           subject=licence.reference)
    return licence, True


def get_licence(session: Session, reference: str) -> Licence:
    licence = session.execute(select(Licence).where(Licence.reference == reference)).scalar_one_or_none()
    if licence is None:
        raise NotFound(f"licence {reference!r} not found")
    return licence


def set_status(session: Session, reference: str, status: str, *, reason: str, actor: str) -> Licence:
    if status not in ("active", "suspended", "revoked"):
        raise BadInput("status must be active, suspended or revoked", location="status")
    licence = get_licence(session, reference)
    previous, licence.status = licence.status, status
    append(session, "licence.status", {"licence_id": licence.id, "from": previous, "to": status, "reason": reason},
           actor=actor, subject=reference)
    return licence
