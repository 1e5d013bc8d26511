"""A yente-compatible API: OpenSanctions' clients (yente-client, the OpenSanctions API's users)
screen against dualcheck unchanged.

The routes and their request and response shapes are yente's: ``POST /match/{dataset}`` (query
by example), ``GET /search/{dataset}``, ``GET /entities/{id}``, ``GET /catalog``,
``GET /algorithms``, ``GET /healthz``, ``GET /readyz``. A dataset is the name of a loaded list,
or ``default`` for every list. Every match query is a screening: it is scored by the same
matcher and configuration and recorded in the ledger like a screening through ``/api/v1/screen``.
Authentication is the API's own (``Authorization: ApiKey TOKEN``, as yente-client sends it, or
``Bearer TOKEN``); the two probes are public.
"""

from __future__ import annotations

import threading
import weakref
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from dualcheck import ledger
from dualcheck.api.deps import WRITE_SESSION, actor, allow, db_session, get_db
from dualcheck.auth import roles
from dualcheck.db.migrate import is_up_to_date
from dualcheck.errors import BadInput, NotFound
from dualcheck.lists.store import current_versions
from dualcheck.screening.index import Hit, ScreeningIndex
from dualcheck.screening.service import get_index, ledger_payload, result_document
from dualcheck.screening.subjects import QUERY_SCHEMAS, ListedSubject, Subject, query_subject

ALGORITHM = "dualcheck"
ALL_LISTS = "default"
MAX_QUERIES = 100
MAX_LIMIT = 500
# the properties of a followthemoney entity a query reads (yente's names for them)
NAME_PROPS = ("name", "alias", "weakAlias", "previousName", "firstName", "lastName")
COUNTRY_PROPS = ("country", "nationality", "citizenship", "jurisdiction", "mainCountry", "flag")
ID_PROPS = ("idNumber", "passportNumber", "registrationNumber", "taxNumber", "innCode", "ogrnCode",
            "imoNumber", "leiCode", "vatCode", "swiftBic", "registrationNumber")

router = APIRouter(tags=["screening"])
probes = APIRouter(tags=["health"])


class EntityExample(BaseModel):
    id: str | None = None
    schema_: str = Field(alias="schema")
    properties: dict[str, str | list[Any]] = Field(default_factory=dict)


class EntityMatchQuery(BaseModel):
    weights: dict[str, float] = Field(default_factory=dict)
    config: dict[str, str | int | float | bool | None] = Field(default_factory=dict)
    queries: dict[str, EntityExample] = Field(max_length=MAX_QUERIES)


def _values(props: dict[str, str | list[Any]], *names: str) -> list[str]:
    out: list[str] = []
    for name in names:
        value = props.get(name)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str | int | float) and str(item).strip() and str(item).strip() not in out:
                out.append(str(item).strip())
    return out


def _query(example: EntityExample, key: str) -> tuple[Subject, dict[str, Any]]:
    """The screening subject of a yente query entity (BadInput names the query and property)."""
    where = f"queries.{key}"
    if example.schema_ not in QUERY_SCHEMAS:
        raise BadInput(f"schema {example.schema_!r} cannot be matched (one of {', '.join(sorted(QUERY_SCHEMAS))})",
                       location=f"{where}.schema")
    props = example.properties
    names = _values(props, *NAME_PROPS[:4])
    parts = " ".join(_values(props, "firstName", "middleName", "fatherName", "lastName"))
    if parts and parts not in names:
        names.append(parts)
    if not names:
        raise BadInput("has no name (name, alias, firstName/lastName)", location=f"{where}.properties")
    births = _values(props, "birthDate")
    try:
        subject = query_subject(names[0], schema=example.schema_, aliases=names[1:],
                                birth_date=births[0] if births else None, countries=_values(props, *COUNTRY_PROPS),
                                gender=next(iter(_values(props, "gender")), None),
                                identifiers=_values(props, *ID_PROPS), strict_country=False)
    except BadInput as exc:
        raise BadInput(exc.message, location=f"{where}.{exc.location or 'properties'}") from None
    raw = {"name": names[0], "schema": example.schema_, "birth_date": births[0] if births else None,
           "country": next(iter(_values(props, *COUNTRY_PROPS)), None)}
    return subject, raw


def _datasets(index: ScreeningIndex, dataset: str, include: list[str], exclude: list[str]) -> set[str]:
    """The lists a request reads: the path's list (or all of them for ``default``), plus the
    included, less the excluded; 404 for a dataset that is not a loaded list."""
    known = set(index.list_versions)
    for name in (dataset, *include):
        if name != ALL_LISTS and name not in known:
            raise NotFound(f"dataset {name!r} is not a loaded list (one of {ALL_LISTS}, {', '.join(sorted(known))})")
    chosen = known if ALL_LISTS in (dataset, *include) else {dataset, *include}
    return chosen - set(exclude)


def entity_document(entity: ListedSubject) -> dict[str, Any]:
    """A listed entity in yente's entity shape (followthemoney property names)."""
    props: dict[str, list[str]] = {"name": [n.original for n in entity.names]}
    if entity.weak_names:
        props["weakAlias"] = [n.original for n in entity.weak_names]
    if entity.birth_dates:
        props["birthDate"] = list(entity.birth_dates)
    if entity.countries:
        props["country"] = sorted(entity.countries)
    if entity.identifiers:
        props["idNumber"] = sorted(entity.identifiers)
    if entity.gender:
        props["gender"] = [entity.gender]
    if entity.programmes:
        props["programId"] = list(entity.programmes)
    props["topics"] = ["sanction"]
    return {"id": entity.entity_id, "caption": entity.caption, "schema": entity.schema, "properties": props,
            "datasets": [entity.list_name], "referents": [], "target": True}


def _scored_document(hit: Hit, threshold: float) -> dict[str, Any]:
    explanations = {c.feature: {"score": round(c.value, 4), "weight": c.weight, "detail": c.detail}
                    for c in hit.scored.explanation}
    return {**entity_document(hit.entity), "score": round(hit.score, 4), "match": hit.score >= threshold,
            "features": {c.feature: round(c.value, 4) for c in hit.scored.explanation},
            "explanations": explanations}


@router.post("/match/{dataset}", dependencies=allow(roles.OFFICERS),
             summary="Query by example (yente): each query is screened and recorded in the ledger")
def match(dataset: str, body: EntityMatchQuery, request: Request,
          limit: int = Query(5, ge=1, le=MAX_LIMIT),
          threshold: float | None = Query(None, ge=0, le=1, description="a match from this score on (default: "
                                                                          "the configuration's threshold)"),
          cutoff: float = Query(0.5, ge=0, le=1, description="results below this score are not returned"),
          algorithm: str = Query(ALGORITHM),
          include_dataset: list[str] = Query([]), exclude_dataset: list[str] = Query([]),
          exclude_schema: list[str] = Query([]), exclude_entity_ids: list[str] = Query([]),
          topics: list[str] = Query([]), changed_since: str | None = Query(None),
          session: Session = WRITE_SESSION, who: str = Depends(actor)) -> dict[str, Any]:
    del topics, changed_since, algorithm  # every listed entity is a sanctions target; one algorithm
    index = get_index(get_db(request))
    lists = _datasets(index, dataset, include_dataset, exclude_dataset)
    match_at = index.scorer.config.threshold if threshold is None else threshold
    cut = min(cutoff, match_at)
    parsed = {key: _query(example, key) for key, example in body.queries.items()}
    responses: dict[str, Any] = {}
    for key, (subject, raw) in parsed.items():
        hits = [h for h in index.search(subject, cut, limit=10 * limit + len(exclude_entity_ids))
                if h.entity.list_name in lists and h.entity.schema not in exclude_schema
                and h.entity.entity_id not in exclude_entity_ids][:limit]
        doc = result_document(index, subject, raw, [h for h in hits if h.score >= match_at], match_at)
        ledger.append(session, "screening.screen", {**ledger_payload(doc), "via": "yente-match", "query_key": key,
                                                    "datasets": sorted(lists)},
                      actor=who, subject=f"screen:{raw['name'][:150]}")
        responses[key] = {"status": 200, "results": [_scored_document(h, match_at) for h in hits],
                          "total": {"value": len(hits), "relation": "eq"},
                          "query": {"id": body.queries[key].id, "schema": subject.schema,
                                    "properties": body.queries[key].properties}}
    return {"responses": responses, "limit": limit}


@router.get("/search/{dataset}", dependencies=allow(roles.READERS),
            summary="Search the loaded lists by name (yente's shape; not recorded as a screening)")
def search(dataset: str, request: Request, q: str = Query("", max_length=1000),
           limit: int = Query(10, ge=0, le=MAX_LIMIT), offset: int = Query(0, ge=0, le=10_000),
           schema: str | None = Query(None), countries: list[str] = Query([]),
           include_dataset: list[str] = Query([]), exclude_dataset: list[str] = Query([]),
           exclude_schema: list[str] = Query([]), fuzzy: bool = Query(False), simple: bool = Query(False),
           ) -> dict[str, Any]:
    del fuzzy, simple  # the matcher always tolerates spelling variants
    index = get_index(get_db(request))
    lists = _datasets(index, dataset, include_dataset, exclude_dataset)
    if not q.strip():
        found: list[ListedSubject] = [e for e in index if e.list_name in lists]
    else:
        # a text search reads every kind of entity: parties, and vessels and aircraft by their names
        kinds = [schema] if schema in QUERY_SCHEMAS else [None, "Vessel", "Airplane"]
        hits = [h for kind in kinds for h in index.search(query_subject(q, schema=kind), 0.5,
                                                          limit=offset + limit + 200)]
        hits.sort(key=lambda h: (-h.score, h.entity.list_name, h.entity.entity_id))
        seen: set[tuple[str, str]] = set()
        found = []
        for hit in hits:
            if (hit.entity.list_name, hit.entity.entity_id) not in seen:
                seen.add((hit.entity.list_name, hit.entity.entity_id))
                found.append(hit.entity)
    wanted = {c.lower() for c in countries}
    found = [e for e in found if e.list_name in lists and e.schema not in exclude_schema
             and (schema is None or e.schema == schema or schema in ("Thing", "LegalEntity"))
             and (not wanted or wanted & set(e.countries))]
    return {"results": [entity_document(e) for e in found[offset:offset + limit]],
            "facets": {}, "total": {"value": len(found), "relation": "eq"}, "limit": limit, "offset": offset}


_by_id: weakref.WeakKeyDictionary[ScreeningIndex, dict[str, ListedSubject]] = weakref.WeakKeyDictionary()
_by_id_lock = threading.Lock()


def _entity(index: ScreeningIndex, entity_id: str) -> ListedSubject:
    with _by_id_lock:
        table = _by_id.get(index)
        if table is None:
            table = _by_id[index] = {e.entity_id: e for e in index}
    entity = table.get(entity_id)
    if entity is None:
        raise NotFound(f"entity {entity_id!r} is on no loaded list")
    return entity


@router.get("/entities/{entity_id}", dependencies=allow(roles.READERS), summary="One listed entity (yente's shape)")
def fetch(entity_id: str, request: Request, nested: bool = Query(True)) -> dict[str, Any]:
    del nested  # listed entities carry no adjacent entities here
    return entity_document(_entity(get_index(get_db(request)), entity_id))


@router.get("/catalog", dependencies=allow(roles.READERS), summary="The loaded lists as yente's data catalog")
def catalog(request: Request) -> dict[str, Any]:
    index = get_index(get_db(request))
    counts: dict[str, int] = {}
    for entity in index:
        counts[entity.list_name] = counts.get(entity.list_name, 0) + 1
    datasets = []
    for name, info in sorted(index.list_versions.items()):
        published = info.get("published")
        datasets.append({"name": name, "title": name, "version": str(info.get("version")),
                         "entity_count": counts.get(name, 0), "thing_count": counts.get(name, 0),
                         "updated_at": _iso(published), "load": True, "index_current": True,
                         "index_version": str(info.get("version")), "children": []})
    datasets.append({"name": ALL_LISTS, "title": "All loaded lists", "entity_count": len(index.entities),
                     "load": True, "index_current": True, "children": sorted(index.list_versions)})
    return {"datasets": datasets, "current": [d["name"] for d in datasets], "outdated": [], "index_stale": False}


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value)
    try:
        return datetime.fromisoformat(text).isoformat()
    except ValueError:
        return None


@router.get("/algorithms", dependencies=allow(roles.READERS), summary="The matching algorithm (yente's shape)")
def algorithms(request: Request) -> dict[str, Any]:
    config = get_index(get_db(request)).scorer.config
    docs = {f.name: {"description": f.description, "coefficient": f.weight} for f in config.features}
    return {"algorithms": [{"name": ALGORITHM, "description": f"dualcheck's matcher, configuration {config.version}",
                            "features": docs, "docs": docs}],
            "default": ALGORITHM, "best": ALGORITHM}


@probes.get("/healthz", summary="Liveness probe (public)")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@probes.get("/readyz", summary="Readiness probe (public): the database is migrated and a list is loaded")
def readyz(request: Request, session: Session = Depends(db_session)) -> JSONResponse:
    ready = is_up_to_date(get_db(request)) and bool(current_versions(session))
    return JSONResponse({"status": "ok" if ready else "unavailable"}, status_code=200 if ready else 503)
