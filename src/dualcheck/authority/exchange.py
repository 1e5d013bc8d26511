"""The denial exchange file: export our denials, import other states' denials (see docs/authority.md).

Format ``dualcheck.authority.denials`` version 2 (version 1 is still read): {"format", "version",
"exported_at", "issuing_states", "denials": [record, ...]}. Importing validates every record before
writing any; the same file twice changes nothing; a record already held with other content is updated
(e.g. revoked).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dualcheck import ledger
from dualcheck.authority.models import DenialNotification
from dualcheck.authority.parsing import DenialInput, legacy_parties, parse_denial, reason_of
from dualcheck.db.base import utcnow
from dualcheck.db.tenancy import owned_here
from dualcheck.errors import BadInput

FORMAT = "dualcheck.authority.denials"
VERSION = 2
READABLE_VERSIONS = (1, 2)


def _party_doc(party: dict[str, Any] | None) -> dict[str, Any]:
    party = party or {}
    return {"name": party.get("name"), "country": party.get("country"), "address": party.get("address"),
            "identifiers": list(party.get("identifiers") or []), "aliases": list(party.get("aliases") or [])}


def _record(*, issuing_state: str, reference: str, denied_on: Any, notified_on: Any, destination: str,
            parties: list[dict[str, Any]], end_use: str, items: list[dict[str, Any]], reasons: list[dict[str, Any]],
            legal_basis: str, revoked: bool, revoked_on: Any, revocation_reason: str | None) -> dict[str, Any]:
    """One exchanged record (version 2): what authorities tell each other about a denial."""
    by_role = {p["role"]: p for p in parties if p["role"] in ("consignee", "end_user")}
    return {"issuing_state": issuing_state, "reference": reference, "date": denied_on.isoformat(),
            "notified": notified_on.isoformat() if notified_on else None, "destination": destination,
            "consignee": _party_doc(by_role.get("consignee")), "end_user": _party_doc(by_role.get("end_user")),
            "parties": [{"role": p["role"], **_party_doc(p)} for p in parties
                        if p["role"] not in ("consignee", "end_user")],
            "end_use": end_use,
            "items": [{k: v for k, v in i.items() if k in ("control_code", "description", "quantity", "parameters")}
                      for i in items],
            "reasons": reasons, "legal_basis": legal_basis, "revoked": revoked,
            "revocation": {"date": revoked_on.isoformat() if revoked_on else None, "reason": revocation_reason}
            if revoked else None}


def denial_record(d: DenialNotification) -> dict[str, Any]:
    return _record(issuing_state=d.issuing_state, reference=d.reference, denied_on=d.denied_on,
                   notified_on=d.notified_on, destination=d.destination,
                   parties=d.parties or legacy_parties((d.consignee_name, d.consignee_country),
                                                       (d.end_user_name, d.end_user_country)),
                   end_use=d.end_use, items=d.items,
                   reasons=d.reasons_by_criterion or [reason_of(None, d.reasons).as_dict()],
                   legal_basis=d.legal_basis, revoked=d.revoked, revoked_on=d.revoked_on,
                   revocation_reason=d.revocation_reason)


def _record_of(d: DenialInput) -> dict[str, Any]:
    return _record(issuing_state=d.issuing_state, reference=d.reference, denied_on=d.denied_on,
                   notified_on=d.notified_on, destination=d.destination, parties=[p.as_dict() for p in d.parties],
                   end_use=d.end_use, items=[i.as_dict() for i in d.items],
                   reasons=[r.as_dict() for r in d.reasons_by_criterion], legal_basis=d.legal_basis,
                   revoked=d.revoked, revoked_on=d.revoked_on, revocation_reason=d.revocation_reason)


def fingerprint(record: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(record, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def export_document(session: Session, *, include_imported: bool = False) -> dict[str, Any]:
    # ours: the denials another authority shares with us are theirs to exchange
    query = select(DenialNotification).where(owned_here(DenialNotification)).order_by(
        DenialNotification.issuing_state, DenialNotification.reference)
    if not include_imported:
        query = query.where(DenialNotification.origin == "own")
    rows = list(session.execute(query).scalars())
    return {"format": FORMAT, "version": VERSION, "exported_at": utcnow().isoformat(timespec="seconds"),
            "issuing_states": sorted({r.issuing_state for r in rows}),
            "denials": [denial_record(r) for r in rows]}


def write_document(doc: dict[str, Any], path: Path) -> None:
    """Write atomically: a temporary file beside the target, then a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, ensure_ascii=False, indent=2)
            fh.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def parse_document(doc: Any, *, source: str | None) -> list[DenialInput]:
    if not isinstance(doc, dict):
        raise BadInput("expected a JSON object", source=source)
    if doc.get("format") != FORMAT:
        raise BadInput(f"field 'format': expected {FORMAT!r}, got {doc.get('format')!r}", source=source)
    if doc.get("version") not in READABLE_VERSIONS:
        raise BadInput(f"field 'version': unsupported version {doc.get('version')!r} (this release reads "
                       f"{' and '.join(map(str, READABLE_VERSIONS))})", source=source)
    raw = doc.get("denials")
    if not isinstance(raw, list):
        raise BadInput("field 'denials': expected a list", source=source)
    parsed: list[DenialInput] = []
    seen: dict[tuple[str, str], int] = {}
    for i, record in enumerate(raw):
        ref = record.get("reference") if isinstance(record, dict) else None
        where = f"denials[{i}]" + (f" ({ref})" if isinstance(ref, str) and ref.strip() else "")
        d = parse_denial(record, source=source, where=where)
        key = (d.issuing_state, d.reference)
        if key in seen:
            raise BadInput(f"duplicate of denials[{seen[key]}] ({d.issuing_state} {d.reference})", source=source,
                           location=where)
        seen[key] = i
        parsed.append(d)
    return parsed


def import_denials(session: Session, denials: list[DenialInput], *, actor: str, source: str) -> dict[str, Any]:
    """Store the parsed records in the caller's transaction: added, updated, unchanged, kept (our own)."""
    counts = {"added": 0, "updated": 0, "unchanged": 0, "kept_own": 0}
    changed: list[str] = []
    held = {(r.issuing_state, r.reference): r
            for r in session.execute(select(DenialNotification).where(owned_here(DenialNotification))).scalars()}
    for d in denials:
        record = _record_of(d)
        fp = fingerprint(record)
        row = held.get((d.issuing_state, d.reference))
        if row is not None and row.fingerprint == fp:
            counts["unchanged"] += 1
            continue
        if row is not None and row.origin == "own":
            counts["kept_own"] += 1  # our own notification is the master copy
            continue
        if row is None:
            row = DenialNotification(issuing_state=d.issuing_state, reference=d.reference, origin="imported")
            session.add(row)
            counts["added"] += 1
        else:
            row.updated_at = utcnow()
            counts["updated"] += 1
        row.denied_on, row.destination, row.end_use = d.denied_on, d.destination, d.end_use
        row.consignee_name, row.consignee_country = d.consignee.name, d.consignee.country
        row.end_user_name, row.end_user_country = d.end_user.name, d.end_user.country
        row.parties, row.items = [p.as_dict() for p in d.parties], record["items"]
        row.reasons, row.reasons_by_criterion, row.legal_basis = d.reasons, record["reasons"], d.legal_basis
        row.notified_on, row.revoked, row.revoked_on, row.revocation_reason = \
            d.notified_on, d.revoked, d.revoked_on, d.revocation_reason
        row.fingerprint = fp
        changed.append(f"{d.issuing_state} {d.reference}")
    session.flush()
    if changed:
        ledger.append(session, "authority.denials_import", {"source": Path(source).name, **counts,
                                                            "records": changed}, actor=actor)
    return {"records": len(denials), **counts}
