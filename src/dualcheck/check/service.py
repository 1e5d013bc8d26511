"""One transaction check: parse, look up controls, screen parties, apply the rules, store the
answer and record it in the ledger, in one database transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from pathlib import Path
from typing import Any

from dualcheck.check.controls_view import control_lookup
from dualcheck.check.licensing import (
    LicenceCover,
    find_cover,
    registrations_on_record,
    release_superseded,
    reserve_cover,
    with_registrations,
)
from dualcheck.check.products import product_notes, resolve_products
from dualcheck.check.screening_view import screen_transaction
from dualcheck.check.store import save_check
from dualcheck.db.base import utcnow
from dualcheck.db.engine import Database
from dualcheck.errors import BadInput
from dualcheck.ledger import append
from dualcheck.ledger.canonical import canonical_json
from dualcheck.licences.holds import supersede_by_covered_check
from dualcheck.redflags.transaction import check_transaction
from dualcheck.rules import Determination, Outcome, RuleSet, Transaction, determine, parse_transaction
from dualcheck.rules.facts import check_control_codes


def parse_as_of(value: str | None, tx: Transaction) -> dt.date:
    """The as-of date: given, else the transaction date, else today (UTC)."""
    if value is None:
        return tx.date or utcnow().date()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise BadInput(f"{value!r} is not a date (YYYY-MM-DD)", location="as_of") from None


def answer(det: Determination, *, tx: Transaction, as_of: dt.date, screening: dict[str, Any],
           versions: dict[str, Any], us_view: dict[str, Any], settings: dict[str, Any]) -> dict[str, Any]:
    """The contract's output document (without the stored check's id)."""
    return {
        "transaction_id": tx.id,
        "type": tx.type.value,
        "outcome": det.outcome.value,
        "items": [i.to_dict() for i in det.items],
        "authorisations": det.authorisations,
        "reasons": [r.to_dict() for r in det.reasons],
        "missing_facts": det.missing,
        "rules": det.rules_applied(),
        "holds_requested": [r.to_dict() for r in det.holds],
        "from_act_text": det.from_act_text,
        "screening": screening,
        "data_versions": versions,
        "as_of": as_of.isoformat(),
        "settings": settings,
        "us_view": us_view,
    }


def run_check(db: Database, doc: Any, rules: RuleSet, data_dir: Path, *, as_of: str | None = None,
              actor: str, source: str | None = None, store: bool = True) -> dict[str, Any]:
    """Check one transaction document; store it and append the ledger record in one transaction.

    The determination only reads (one consistent snapshot); the write transaction that stores the
    answer, its ledger record and its hold starts afterwards, so the database's write lock (all of
    SQLite) is held for the writes alone, not for the screening and the rules.
    """
    parse_transaction(doc, source=source)  # the document as given must be well-formed
    national = rules.national_codes()
    with db.session() as session:
        filled, products = resolve_products(session, doc, source=source)
        tx = parse_transaction(filled, source=source)
        when = parse_as_of(as_of, tx)
        registered = registrations_on_record(session, filled, when) if isinstance(filled, dict) else {}
        if registered:
            filled = with_registrations(filled, registered)
            tx = parse_transaction(filled, source=source)
        controls = control_lookup(session, data_dir, when)
        check_control_codes(tx, lambda c: c in national or controls.is_known(c), source=source)
        facts, screening = screen_transaction(db, session, tx)
        det = determine(tx, rules, controls, facts, when)
        cover = find_cover(session, filled, det, when, source=source)
    listed = sorted({c for item in tx.items for c in item.control_codes or [] if c not in national})
    us_view = {"label": "United States EAR view, for information only: not part of the EU outcome",
               **(controls.us_view(listed, tx.destination) if listed and tx.destination else {"items": []})}
    versions = {"lists": facts.list_versions, "control_list": controls.info, "rule_set": rules.version,
                "rule_sources": rules.sources}
    settings = {"screening_threshold": facts.threshold, "strong_threshold": facts.strong_threshold,
                "scoring": screening.get("scoring")}
    result = answer(det, tx=tx, as_of=when, screening=screening, versions=versions, us_view=us_view,
                    settings=settings)
    annotate_items(result, det, products, cover)
    if registered:
        result["registrations_on_record"] = registered
    flags = check_transaction(filled, data_dir, source=source, tx=tx)
    # advisory: red flags never change the legal outcome, but high ones hold a cleared transaction
    result["red_flags"] = {key: flags[key] for key in ("highest_severity", "flags", "facts_not_given",
                                                       "catalogue_version")}
    result["check_id"] = check_id = str(uuid.uuid4())
    if not store:
        return result
    input_sha = hashlib.sha256(canonical_json(doc).encode()).hexdigest()
    with db.write_session() as session:
        held = [r.to_dict() for r in det.holds]
        transaction_id = tx.id or check_id
        if tx.id:
            superseded = release_superseded(session, tx.id, check_id, actor)
            if superseded:
                result["reservations_released"] = superseded
        reservation = (reserve_cover(session, cover, transaction_id=transaction_id, as_of=when, actor=actor)
                       if cover is not None and cover.covered else None)
        if reservation is not None:
            result["licence_reservation"] = {"id": reservation["reservation_id"],
                                             "charges": reservation["charges"]}
            superseded_holds = supersede_by_covered_check(session, transaction_id=transaction_id, check_id=check_id,
                                                          reservation_id=reservation["reservation_id"], actor=actor)
            if superseded_holds:
                result["holds_superseded"] = superseded_holds
        elif cover is not None and cover.covered:  # a balance moved between reading and reserving
            result["licences_cover"] = False
            for item in result["items"]:
                item.pop("covered_by", None)
        # the hold is placed first so that the answer's hash, in the check's ledger record, covers it
        if reservation is None and det.outcome not in (Outcome.NO_LICENCE_REQUIRED,
                                                       Outcome.GENERAL_AUTHORISATION):
            # the officer reviewing the hold sees the high red flags next to the legal reasons
            reasons = [r.to_dict() for r in det.reasons]
            result["hold"] = place_hold_if_available(session, tx, check_id, det.outcome.value,
                                                     reasons + [h for h in held if h not in reasons]
                                                     + red_flag_reasons(flags["flags"]), actor)
        elif held:
            # a hit on a foreign (US, UK) list only: the EU outcome clears, the transaction waits
            result["hold"] = place_hold_if_available(session, tx, check_id, "FOREIGN_NEXUS",
                                                     held + red_flag_reasons(flags["flags"]), actor)
        elif flags["highest_severity"] == "high":
            result["hold"] = place_hold_if_available(session, tx, check_id, "RED_FLAGS",
                                                     red_flag_reasons(flags["flags"]), actor)
        result_sha = hashlib.sha256(canonical_json(result).encode()).hexdigest()
        record = append(session, "check", {
            "check_id": check_id, "transaction_id": tx.id, "outcome": det.outcome.value,
            "as_of": when.isoformat(), "input_sha256": input_sha, "result_sha256": result_sha,
            "authorisations": det.authorisations, "data_versions": versions, "settings": settings,
            "licence_reservation": reservation["reservation_id"] if reservation else None,
        }, actor=actor, subject=transaction_id)
        save_check(session, {
            "id": check_id, "transaction_id": tx.id, "outcome": det.outcome.value, "as_of": when,
            "created_at": utcnow(), "actor": actor, "input_sha256": input_sha, "rule_set_version": rules.version,
            "ledger_seq": record.seq, "request": doc, "result": result})
    return result


def annotate_items(result: dict[str, Any], det: Determination, products: dict[int, dict[str, Any]],
                   cover: LicenceCover | None) -> None:
    """Each answered item with the product it was named by and the licence lines that cover it."""
    notes = product_notes(products)
    for index, (item, doc) in enumerate(zip(det.items, result["items"], strict=True)):
        if index in notes:
            note = notes[index]
            doc["product"] = note
            if note.get("warning"):
                result.setdefault("warnings", []).append(f"item {item.id}: {note['warning']}")
        covered = cover.item_doc(item.id) if cover is not None else None
        if covered is not None:
            doc.update(covered)
    if cover is not None:
        result["licences_cover"] = cover.covered


def red_flag_reasons(flags: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The high red flags as hold reasons, in the shape of the check's reasons."""
    return [{"rule": f["id"], "citation": f["citation"], "detail": f"{f['text']} ({f['action']})"}
            for f in flags if f["severity"] == "high"]


def place_hold_if_available(session: Any, tx: Transaction, check_id: str, outcome: str,
                            reasons: list[dict[str, Any]], actor: str) -> dict[str, Any] | None:
    """Integration point with the licences domain: hold a transaction the check did not clear, or
    one it cleared that carries high red flags (outcome "RED_FLAGS") or a hit on a foreign list
    only (outcome "FOREIGN_NEXUS")."""
    try:
        from dualcheck.licences.holds import place_hold
    except ImportError:
        return None
    hold = place_hold(session, transaction_id=tx.id or check_id, check_id=check_id, outcome=outcome,
                      reasons=reasons, actor=actor)
    return {"id": hold.id, "status": hold.status}
