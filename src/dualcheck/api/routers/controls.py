"""API routes for the controls domain: browse, search, diff, classify, check parameters, product register."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from dualcheck.api import responses
from dualcheck.api.deps import WRITE_SESSION, actor, allow, db_session
from dualcheck.auth import roles
from dualcheck.controls import service
from dualcheck.controls.catalog import ControlCatalog, load_catalog

router = APIRouter(tags=["controls"])


def _catalog(session: Session, as_of: dt.date | None) -> ControlCatalog:
    """The control lists in force on `as_of`, by default today (a future-dated version is not yet law)."""
    return load_catalog(session, as_of or dt.date.today())


class ClassifyRequest(BaseModel):
    text: str = Field(min_length=1, description="Free-text product description or data sheet text.")
    top: int = Field(5, ge=1, le=50)
    as_of: dt.date | None = None


class CheckRequest(BaseModel):
    code: str = Field(min_length=2, description="Entry or sub-item, e.g. 6A005")
    spec: dict[str, str] = Field(description='Parameters, e.g. {"power": "2 kW", "wavelength": "1070 nm"}')
    as_of: dt.date | None = None


class ItemRequest(BaseModel):
    sku: str = Field(min_length=1, max_length=120)
    description: str
    parameters: dict[str, Any] = Field(default_factory=dict)
    hs_code: str | None = None


class DecisionRequest(BaseModel):
    codes: list[str] = Field(description="Control codes; [] = not listed")
    rationale: str = Field(min_length=1)


@router.get("/controls/versions", dependencies=allow(roles.REFERENCE_READERS), response_model=responses.ControlVersions)
def versions(list_name: str | None = Query(None, alias="list"),
             session: Session = Depends(db_session)) -> dict[str, Any]:
    return {"versions": service.versions(session, list_name)}


@router.get("/controls/provisions/{code}", dependencies=allow(roles.REFERENCE_READERS),
            response_model=responses.Document)
def show(code: str, as_of: dt.date | None = None, depth: int | None = Query(None, ge=0),
         list_name: str = Query("eu-annex-i", alias="list"), session: Session = Depends(db_session)) -> dict[str, Any]:
    if list_name != "eu-annex-i":
        return service.show_other(session, list_name, code, as_of)
    return service.show(_catalog(session, as_of), code, depth=depth)


@router.get("/controls/search", dependencies=allow(roles.REFERENCE_READERS), response_model=responses.Document)
def search(q: str = Query(..., min_length=1), top: int = Query(10, ge=1, le=100), as_of: dt.date | None = None,
           session: Session = Depends(db_session)) -> dict[str, Any]:
    return service.search(_catalog(session, as_of), q, top=top)


@router.get("/controls/diff", dependencies=allow(roles.REFERENCE_READERS), response_model=responses.Document)
def diff(from_ref: str = Query(..., alias="from"), to_ref: str = Query(..., alias="to"),
         list_name: str = Query("eu-annex-i", alias="list"), session: Session = Depends(db_session)) -> dict[str, Any]:
    from dualcheck.controls.diff import diff_versions

    return diff_versions(session, list_name, from_ref, to_ref)


@router.post("/classify", dependencies=allow(roles.OFFICERS), response_model=responses.Classification)
def classify(body: ClassifyRequest, session: Session = WRITE_SESSION,
             who: str = Depends(actor)) -> dict[str, Any]:
    return service.classify_document(session, body.text, top=body.top, as_of=body.as_of, actor=who)


@router.post("/controls/check", dependencies=allow(roles.REFERENCE_READERS), response_model=responses.Document)
def check(body: CheckRequest, session: Session = Depends(db_session)) -> dict[str, Any]:
    from dualcheck.controls.check import check as run_check

    return run_check(_catalog(session, body.as_of), body.code, [f"{k}={v}" for k, v in body.spec.items()])


@router.get("/controls/coverage", dependencies=allow(roles.REFERENCE_READERS), response_model=responses.Document)
def coverage(as_of: dt.date | None = None, session: Session = Depends(db_session)) -> dict[str, Any]:
    from dualcheck.controls.parameters import threshold_coverage

    catalog = _catalog(session, as_of)
    return {"control_list_version": catalog.version.id, **threshold_coverage(catalog)}


@router.get("/controls/us/{eccn}", dependencies=allow(roles.REFERENCE_READERS), response_model=responses.Document)
def us_view(eccn: str, country: str | None = None, session: Session = Depends(db_session)) -> dict[str, Any]:
    catalog = _catalog(session, None)
    return service.us_view(catalog, eccn, country)


@router.put("/controls/items", dependencies=allow(roles.OFFICERS), response_model=responses.ProductItem)
def put_item(body: ItemRequest, session: Session = WRITE_SESSION,
             who: str = Depends(actor)) -> dict[str, Any]:
    from dualcheck.controls.register import item_doc, upsert_item

    upsert_item(session, body.sku, body.description, body.parameters, actor=who, hs_code=body.hs_code)
    return item_doc(session, body.sku)


@router.get("/controls/items/{sku}", dependencies=allow(roles.READERS), response_model=responses.ProductItem)
def get_item(sku: str, session: Session = Depends(db_session)) -> dict[str, Any]:
    from dualcheck.controls.register import item_doc

    return item_doc(session, sku)


@router.post("/controls/items/{sku}/classifications", dependencies=allow(roles.OFFICERS),
             response_model=responses.ProductClassification)
def decide(sku: str, body: DecisionRequest, session: Session = WRITE_SESSION,
           who: str = Depends(actor)) -> dict[str, Any]:
    from dualcheck.controls.register import decide as record
    from dualcheck.controls.register import decision_doc

    return decision_doc(record(session, sku, body.codes, body.rationale, actor=who))


@router.get("/controls/review", dependencies=allow(roles.READERS), response_model=responses.ReviewQueue)
def review(session: Session = Depends(db_session)) -> dict[str, Any]:
    from dualcheck.controls.register import review_queue

    return {"review": review_queue(session)}
