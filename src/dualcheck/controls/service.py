"""Domain operations behind the CLI and the API: load, browse, search, classify, versions.

Both thin layers call these and render the returned plain documents.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from dualcheck import ledger
from dualcheck.controls import sources
from dualcheck.controls.catalog import ControlCatalog, load_catalog
from dualcheck.controls.codes import NOT_LISTED
from dualcheck.controls.loader import LoadResult, load_paths
from dualcheck.controls.models import ControlListVersion
from dualcheck.db.engine import Database
from dualcheck.errors import BadInput, NotFound


def load(db: Database, paths: list[Path], *, actor: str, valid_from: dt.date | None = None,
         on_parsed: Callable[[int], None] | None = None) -> list[LoadResult]:
    from dualcheck.controls.register import flag_items_for_review

    return load_paths(db, paths, actor=actor, valid_from=valid_from, after_load=flag_items_for_review,
                      on_parsed=on_parsed)


def setup_step(db: Database, data_dir: Path) -> str:
    """`dualcheck setup`: load everything under <data_dir>/controls (idempotent)."""
    folder = data_dir / "controls"
    if not folder.is_dir():
        return f"skipped: no folder {folder.name}/ in the data dir"
    results = load(db, [folder], actor="setup")
    loaded = [r for r in results if r.status == "loaded"]
    unchanged = [r for r in results if r.status == "unchanged"]
    return (f"{len(loaded)} control-list version(s) loaded, {len(unchanged)} unchanged, "
            f"{sum(r.status == 'skipped' for r in results)} file(s) skipped (derived copies, other domains)")


def versions(session: Session, list_name: str | None = None) -> list[dict[str, Any]]:
    query = select(ControlListVersion).order_by(ControlListVersion.list_name, ControlListVersion.valid_from)
    if list_name:
        query = query.where(ControlListVersion.list_name == list_name)
    return [{"id": v.id, "list": v.list_name, "valid_from": v.valid_from.isoformat(), "title": v.title,
             "source": v.source, "sha256": v.sha256, "provisions": v.provisions,
             "loaded_at": v.loaded_at.isoformat()} for v in session.execute(query).scalars()]


def loaded_versions(session: Session) -> dict[str, Any]:
    """For /health and data_versions: the latest version of each control list ({} before migration)."""
    if not inspect(session.connection()).has_table(ControlListVersion.__tablename__):
        return {}
    latest: dict[str, Any] = {}
    for v in versions(session):
        current = latest.get(v["list"])
        if current is None or v["valid_from"] >= current["valid_from"]:
            latest[v["list"]] = {"version": v["id"], "valid_from": v["valid_from"], "provisions": v["provisions"],
                                 "sha256": v["sha256"]}
    return latest


def show(catalog: ControlCatalog, code: str, *, depth: int | None = None) -> dict[str, Any]:
    provision = catalog.lookup(code)
    if provision is None:
        raise NotFound(f"control code {code}: not in {catalog.version.id}")
    subtree = [p for p in catalog.subtree(provision.code)
               if depth is None or len(p.path) - len(provision.path) <= depth]
    terms = sorted({t for p in subtree for t in p.terms})
    doc: dict[str, Any] = {"control_list_version": catalog.version.as_dict(), **provision.as_dict(),
                           "subtree": [{"code": p.code, "depth": len(p.path), "text": p.text,
                                        "notes": [{"kind": n.kind, "text": n.text} for n in p.notes]}
                                       for p in subtree[1:]],
                           "definitions": {t: catalog.definitions[t.lower()]["text"] for t in terms
                                           if t.lower() in catalog.definitions},
                           "cross_references": catalog.cross_references(provision.code)}
    doc["general_notes"] = _general_notes(catalog, provision.code)
    return doc


# which general note governs a software (D) or technology (E) entry: nuclear ones for category 0
_GENERAL_NOTES = {("0", "D"): "nuclear_software_note", ("0", "E"): "nuclear_technology_note",
                  ("*", "D"): "general_software_note", ("*", "E"): "general_technology_note"}


def _general_notes(catalog: ControlCatalog, code: str) -> list[dict[str, str]]:
    key = _GENERAL_NOTES.get((code[0], code[1])) or _GENERAL_NOTES.get(("*", code[1]))
    notes = [{"doc": key, **d} for d in catalog.docs.get(key, [])] if key else []
    if code[0] == "5" and code[1] in "ADE" and code[:5] in {"5A002", "5A003", "5A004", "5B002", "5D002", "5E002"}:
        notes += [{"doc": "information_security_note", **d} for d in catalog.docs.get("information_security_note", [])]
    return notes


def show_other(session: Session, list_name: str, code: str, as_of: dt.date | None = None) -> dict[str, Any]:
    """Browse a list other than Annex I (us-ccl, wassenaar, eu-annex-iv, chpl): a code and the lines under it."""
    from dualcheck.controls.catalog import version_in_force, version_rows

    version = version_in_force(session, list_name, as_of or dt.date.today()) or \
        version_in_force(session, list_name, None)
    if version is None:
        raise NotFound(f"no {list_name} version loaded")
    wanted = code.strip().rstrip(".")
    rows = [r for r in version_rows(session, version.id)
            if r.code.lower() == wanted.lower() or r.code.lower().startswith(wanted.lower() + ".")]
    if not rows:
        raise NotFound(f"{list_name} {version.id}: no code {code}")
    return {"list": list_name, "version": version.id, "valid_from": version.valid_from.isoformat(), "code": wanted,
            "lines": [{"code": r.code, "kind": r.kind, "text": r.text, "data": r.data} for r in rows]}


def us_view(catalog: ControlCatalog, eccn: str, country: str | None = None) -> dict[str, Any]:
    """The US CCL entry of an ECCN (reasons for control) and, for a country, the Country Chart answer."""
    entry = catalog.lookup_eccn(eccn)
    if entry is None:
        raise NotFound(f"ECCN {eccn}: not in the loaded US CCL")
    doc: dict[str, Any] = {"eccn": entry.eccn, "heading": entry.heading, "reasons": entry.reasons,
                           "chart_controls": entry.chart_controls, "version": entry.version}
    if country:
        required, reasons = catalog.us_licence_required(eccn, country)
        doc.update(country=country, licence_required=required, licence_reasons=reasons)
    return doc


def search(catalog: ControlCatalog, text: str, *, top: int = 10) -> dict[str, Any]:
    """Full-text search over provisions (the classifier's index without the not-listed logic)."""
    candidates = catalog.index().classify(text, top=top)
    return {"query": text, "control_list_version": catalog.version.id,
            "results": [c.as_dict() for c in candidates]}


def classify_document(session: Session, text: str, *, top: int = 5, as_of: dt.date | None = None,
                      actor: str | None = None) -> dict[str, Any]:
    """The `classify` answer (contract: as_of, control_list_version, candidates); recorded in the ledger."""
    if not text.strip():
        raise BadInput("empty description", source="classify", location="TEXT")
    as_of = as_of or dt.date.today()  # the version in force today, never a future-dated one
    catalog = load_catalog(session, as_of)
    answer = catalog.index().answer(text, top=top)
    candidates = answer.candidates
    doc = {
        "as_of": as_of.isoformat(),
        "control_list_version": catalog.version.id,
        "candidates": [c.as_dict() for c in candidates],
        "not_listed": {"code": NOT_LISTED, "rank": answer.nlr_rank, "likely": answer.nlr_rank == 1,
                       "reasons": answer.nlr_reasons,
                       "note": "suggestion only: not listed is proposed on positive evidence (stated parameters "
                               "below every plausible candidate's thresholds, a decontrol note's wording, or no "
                               "annex term at all); a human decides the classification"},
        "needs_review": answer.review,
        "ranked": answer.ranked(),
        "quantities": answer.quantities,
    }
    if actor is not None:
        ledger.append(session, "classification.suggest", {
            "text": text, "top": top, "as_of": doc["as_of"], "control_list_version": catalog.version.id,
            "candidates": [(c.code, c.score) for c in candidates], "not_listed_rank": answer.nlr_rank},
            actor=actor, subject=catalog.version.id)
    return doc


def bench_classify(catalog: ControlCatalog, cases: list[tuple[str, list[str]]]) -> dict[str, Any]:
    """Top-1/top-5 over labelled cases, NLR ranked where `classify.not_listed` puts it."""
    from dualcheck.controls.codes import in_same_branch

    hits1 = hits5 = nlr_first = controlled = 0
    details = []
    catalog.index()  # build outside the timing
    start = time.perf_counter()
    for text, expected in cases:
        ranked = catalog.index().answer(text, top=5).ranked()

        def correct(code: str, expected: list[str] = expected) -> bool:
            return any(code == e if NOT_LISTED in (code, e) else in_same_branch(code, e) for e in expected)

        first = correct(ranked[0])
        any5 = any(correct(c) for c in ranked[:5])
        hits1 += first
        hits5 += any5
        if NOT_LISTED not in expected:
            controlled += 1
            nlr_first += ranked[0] == NOT_LISTED
        details.append({"description": text, "expected": expected, "ranked": ranked, "top1": first, "top5": any5})
    elapsed = time.perf_counter() - start
    n = len(cases)
    return {"n": n, "top1": round(hits1 / n, 4) if n else None, "top5": round(hits5 / n, 4) if n else None,
            "seconds_per_query": round(elapsed / n, 6) if n else None,
            "nlr_first_on_controlled": round(nlr_first / controlled, 4) if controlled else None,
            "control_list_version": catalog.version.id, "cases": details}


def bench_breakdown(rows: list[dict[str, str]], cases: list[dict[str, Any]]) -> dict[str, Any]:
    """Figures per `language` and, for rows marked `lookalike`, the share with NLR in the top two."""
    out: dict[str, Any] = {}
    if rows and "language" in rows[0]:
        by: dict[str, list[dict[str, Any]]] = {}
        for row, case in zip(rows, cases, strict=True):
            by.setdefault(row["language"].strip() or "?", []).append(case)
        out["by_language"] = {lang: _accuracy(group) for lang, group in sorted(by.items())}
    if rows and "lookalike" in rows[0]:
        looks = [c for r, c in zip(rows, cases, strict=True) if r["lookalike"].strip().lower() in ("true", "1", "yes")]
        if looks:
            out["lookalikes"] = {"n": len(looks), "nlr_in_top2": round(
                sum(NOT_LISTED in c["ranked"][:2] for c in looks) / len(looks), 4)}
    return out


def _accuracy(cases: list[dict[str, Any]]) -> dict[str, Any]:
    from dualcheck.controls.codes import in_same_branch

    def correct(code: str, expected: list[str]) -> bool:
        return any(code == e if NOT_LISTED in (code, e) else in_same_branch(code, e) for e in expected)

    n = len(cases)
    controlled = [c for c in cases if NOT_LISTED not in c["expected"]]
    return {"n": n, "top1": round(sum(correct(c["ranked"][0], c["expected"]) for c in cases) / n, 4),
            "top5": round(sum(any(correct(x, c["expected"]) for x in c["ranked"][:5]) for c in cases) / n, 4),
            "nlr_first_on_controlled": round(sum(c["ranked"][0] == NOT_LISTED for c in controlled) / len(controlled), 4)
            if controlled else None}


def bench_controls_check(catalog: ControlCatalog, cases: list[dict[str, Any]]) -> dict[str, Any]:
    """`controls check` on labelled parameter cases: accuracy per expected verdict and the false "not caught"."""
    from dualcheck.controls.check import check

    per_class: dict[str, list[int]] = {}
    false_not_caught = 0
    details = []
    for case in cases:
        try:
            answer = check(catalog, case["code"], case["specs"])
        except BadInput as exc:  # a parameter the checker cannot read counts as a wrong answer
            answer = {"verdict": "error", "summary": str(exc)}
        got, want = answer["verdict"], case["expected"]
        hit = per_class.setdefault(want, [0, 0])
        hit[0] += got == want
        hit[1] += 1
        false_not_caught += got == "not_caught" and want != "not_caught"
        details.append({"id": case["id"], "code": case["code"], "expected": want, "got": got,
                        "summary": answer["summary"]})
    n = len(cases)
    return {"n": n, "accuracy": round(sum(h[0] for h in per_class.values()) / n, 4) if n else None,
            "accuracy_per_expected": {k: {"correct": v[0], "n": v[1], "accuracy": round(v[0] / v[1], 4)}
                                      for k, v in sorted(per_class.items())},
            "not_caught_where_caught_or_undecided_expected": false_not_caught,
            "control_list_version": catalog.version.id, "cases": details}


def eu_version_required(session: Session) -> None:
    found = session.execute(select(ControlListVersion.id).where(
        ControlListVersion.list_name == sources.EU_ANNEX_I).limit(1)).scalar()
    if not found:
        raise NotFound("no EU Annex I version loaded: run `dualcheck controls load` first")
