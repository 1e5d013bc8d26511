"""Registering applications (with the essentially-identical check), decisions, own denial notifications."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dualcheck import ledger
from dualcheck.authority import exchange, matching
from dualcheck.authority.exchange import denial_record, fingerprint
from dualcheck.authority.index import denial_index
from dualcheck.authority.models import Application, ApplicationDecision, DenialNotification
from dualcheck.authority.parsing import MEMBER_STATES, ApplicationInput, item_view, legacy_parties, reason_of
from dualcheck.db.base import utcnow
from dualcheck.db.tenancy import owned_here
from dualcheck.errors import BadInput, NotFound

OUTCOMES = ("granted", "denied", "withdrawn")
DEFAULT_LEGAL_BASIS = "Regulation (EU) 2021/821"
MAX_SHOWN = 10


def check_identical(session: Session, app: dict[str, Any], authority_state: str, as_of: dt.date,
                    config: matching.MatchingConfig | None = None) -> dict[str, Any]:
    """Compare an application (a view as in matching.compare) with the denials that require consultation.

    The denials held are indexed in memory by their parties (whatever their destination); only those with
    a party close to one of the application's are compared in full, and the rest are only counted."""
    config = config or matching.default_config()
    start = matching.lookback_start(as_of, config.lookback_years)
    index = denial_index(session)
    scope = index.scope(authority_state, start, as_of)
    compared = scope.pop("compared")
    results = []
    for no, parties in index.party_matches(app["parties"], config).items():
        view = index.views[no]
        if view["issuing_state"] != authority_state and not view["revoked"] and start <= view["denied_on"] <= as_of:
            results.append(matching.compare(app, view, config, parties))
    results.sort(key=lambda c: (c.warning is None, -c.score, c.denial["issuing_state"], c.denial["reference"]))
    warnings = [c for c in results if c.warning]
    shown = warnings + [c for c in results if not c.warning and c.score > 0][:max(0, MAX_SHOWN - len(warnings))]
    return {"as_of": as_of.isoformat(), "window_start": start.isoformat(), "configuration": config.summary(),
            "compared": compared, "with_a_close_party": len(results), "excluded": scope,
            "warnings": [c.warning for c in warnings],
            "legal_basis": matching.LEGAL_BASIS if warnings else None,
            "comparisons": [c.as_dict() for c in shown]}


def _parties_of(row: Application | DenialNotification) -> list[dict[str, Any]]:
    return row.parties or legacy_parties((row.consignee_name, row.consignee_country),
                                         (row.end_user_name, row.end_user_country))


def _stored_view(a: Application) -> dict[str, Any]:
    return {"destination": a.destination, "items": [item_view(i) for i in a.items],
            "parties": matching.merged_parties(_parties_of(a)), "end_use": a.end_use}


def _record_warnings(session: Session, reference: str, found: list[dict[str, Any]], *, actor: str,
                     found_by: str) -> None:
    for c in found:
        ledger.append(session, "authority.consultation_warning", {
            "application": reference, "warning": c["warning"], "denial": c["denial"], "score": c["score"],
            "criteria": c["criteria"], "legal_basis": c["legal_basis"], "found_by": found_by},
            actor=actor, subject=reference)


def recheck_pending(session: Session, *, actor: str, on: dt.date | None = None) -> list[dict[str, Any]]:
    """Check every pending application again against the denials held now (after an import): a denial
    notified after an application was registered still has to be consulted on before it is granted.
    The window runs to the later of the receipt date and ``on`` (today). New warnings are added to
    the application's consultations and recorded; warnings already known are not repeated."""
    today = on or utcnow().date()
    raised = []
    pending = session.execute(select(Application).where(Application.status == "pending").order_by(Application.id))
    for app in pending.scalars():
        check = check_identical(session, _stored_view(app), app.authority_state, max(app.received_on, today))
        known = {(c["denial"]["issuing_state"], c["denial"]["reference"]) for c in app.consultations}
        new = [c for c in check["comparisons"]
               if c["warning"] and (c["denial"]["issuing_state"], c["denial"]["reference"]) not in known]
        if new:
            app.consultations = [*app.consultations, *new]
            _record_warnings(session, app.reference, new, actor=actor, found_by="denials import")
            raised.append({"application": app.reference, "warnings": [c["warning"] for c in new]})
    return raised


def import_and_recheck(session: Session, denials: list[Any], *, actor: str, source: str,
                       on: dt.date | None = None) -> dict[str, Any]:
    """Import exchanged denials; when any was added or changed, re-check the pending applications."""
    summary = exchange.import_denials(session, denials, actor=actor, source=source)
    changed = summary["added"] + summary["updated"]
    summary["new_consultations"] = recheck_pending(session, actor=actor, on=on) if changed else []
    return summary


def app_view(a: ApplicationInput) -> dict[str, Any]:
    return {"destination": a.destination, "items": [item_view(i.as_dict()) for i in a.items],
            "parties": matching.merged_parties([p.as_dict() for p in a.parties]), "end_use": a.end_use}


def register(session: Session, app: ApplicationInput, *, actor: str,
             config: matching.MatchingConfig | None = None) -> dict[str, Any]:
    """Store a new application, check it against other states' denials, record both in the ledger."""
    if session.execute(select(Application.id).where(Application.reference == app.reference)).first():
        raise BadInput(f"application {app.reference!r} is already registered", location="reference")
    check = check_identical(session, app_view(app), app.authority_state, app.received_on, config)
    row = Application(
        reference=app.reference, authority_state=app.authority_state, applicant=app.applicant,
        received_on=app.received_on, transaction_type=app.transaction_type, destination=app.destination,
        consignee_name=app.consignee.name, consignee_country=app.consignee.country,
        end_user_name=app.end_user.name, end_user_country=app.end_user.country, end_use=app.end_use,
        parties=[p.as_dict() for p in app.parties],
        items=[i.as_dict() for i in app.items], total_value=app.total_value, status="pending",
        consultations=[c for c in check["comparisons"] if c["warning"]])
    session.add(row)
    session.flush()
    ledger.append(session, "authority.application", {
        "reference": app.reference, "authority_state": app.authority_state, "applicant": app.applicant,
        "received": app.received_on.isoformat(), "destination": app.destination,
        "items": [i.control_code for i in app.items], "total_value": app.total_value,
        "compared": check["compared"], "warnings": check["warnings"],
        "configuration": check["configuration"]}, actor=actor, subject=app.reference)
    _record_warnings(session, app.reference, row.consultations, actor=actor, found_by="registration")
    return {"application": application_doc(row), "check": check}


def application_doc(a: Application, decision: ApplicationDecision | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "reference": a.reference, "authority_state": a.authority_state, "applicant": a.applicant,
        "received": a.received_on.isoformat(), "transaction_type": a.transaction_type, "destination": a.destination,
        "consignee": {"name": a.consignee_name, "country": a.consignee_country},
        "end_user": {"name": a.end_user_name, "country": a.end_user_country}, "parties": _parties_of(a),
        "end_use": a.end_use, "items": a.items, "total_value": a.total_value, "status": a.status,
        "consultations": [c["warning"] for c in a.consultations],
        "consultation_details": [{"denial": c["denial"], "score": c["score"], "explanation": c.get("explanation")}
                                 for c in a.consultations]}
    if decision is not None:
        doc["decision"] = {"outcome": decision.outcome, "date": decision.decided_on.isoformat(),
                           "reasons": decision.reasons, "legal_basis": decision.legal_basis,
                           "decided_by": decision.decided_by,
                           "processing_days": (decision.decided_on - a.received_on).days,
                           "consulted": decision.consulted or [], "notice": decision.notice}
    return doc


def get_application(session: Session, reference: str) -> Application:
    row = session.execute(select(Application).where(Application.reference == reference)).scalar_one_or_none()
    if row is None:
        raise NotFound(f"application {reference!r} not found")
    return row


def show(session: Session, reference: str) -> dict[str, Any]:
    app = get_application(session, reference)
    decision = session.execute(select(ApplicationDecision).where(
        ApplicationDecision.application_id == app.id)).scalar_one_or_none()
    return application_doc(app, decision)


def parse_consulted(entries: list[Any] | None, decided_on: dt.date) -> list[dict[str, str]]:
    """Consultations as "DE:2026-04-15" or {"state": "DE", "date": "2026-04-15"}: the state and the date
    are both required (the record of a consultation names whom and when)."""
    found: dict[str, dict[str, str]] = {}
    for i, entry in enumerate(entries or []):
        where = f"consulted[{i}]"
        if isinstance(entry, dict):
            state, when = str(entry.get("state") or ""), str(entry.get("date") or "")
        elif isinstance(entry, str):
            state, _, when = entry.replace("=", ":").partition(":")
        else:
            raise BadInput("expected STATE:YYYY-MM-DD", location=where)
        state, when = state.strip().upper(), when.strip()
        if state not in MEMBER_STATES:
            raise BadInput(f"not an EU Member State: {state!r}", location=where)
        if not when:
            raise BadInput(f"give the date {state} was consulted: {state}:YYYY-MM-DD", location=where)
        try:
            on = dt.date.fromisoformat(when)
        except ValueError:
            raise BadInput(f"not a YYYY-MM-DD date: {when!r}", location=where) from None
        if on > decided_on:
            raise BadInput(f"consulted on {on}, after the decision date {decided_on}", location=where)
        found[state] = {"state": state, "date": on.isoformat()}
    return [found[s] for s in sorted(found)]


def _grant_notice(app: Application, consulted: list[dict[str, str]], reason: str, on: dt.date) -> dict[str, Any]:
    """What a grant over a consultation warning tells the other Member States and the Commission (Art. 16,
    paraphrased: a state that grants after consultation informs them)."""
    return {"to": ["the other Member States", "the European Commission"], "legal_basis": matching.LEGAL_BASIS,
            "authority_state": app.authority_state, "application": app.reference, "granted_on": on.isoformat(),
            "destination": app.destination, "parties": _parties_of(app), "end_use": app.end_use,
            "items": app.items, "reasons_for_granting": reason, "consulted": consulted,
            "essentially_identical_denials": [{**c["denial"], "score": c["score"],
                                               "explanation": c.get("explanation")} for c in app.consultations]}


def decide(session: Session, reference: str, outcome: str, *, reason: str, actor: str,
           legal_basis: str | None = None, on: dt.date | None = None, consulted: list[Any] | None = None,
           criteria: list[str] | None = None) -> dict[str, Any]:
    """Decide a pending application. Granting one with consultation warnings needs every warned state
    consulted (``consulted``: state and date), and records the notice sent to the other states and the
    Commission. A denial creates our own denial notification, its reasons under ``criteria``."""
    if outcome not in OUTCOMES:
        raise BadInput(f"expected one of {', '.join(OUTCOMES)}, got {outcome!r}", location="outcome")
    reason = " ".join((reason or "").split())
    if not reason:
        raise BadInput("a decision states its reasons", location="reason")
    app = get_application(session, reference)
    if app.status != "pending":
        raise BadInput(f"application {reference!r} is already {app.status}", location="reference")
    on = on or utcnow().date()
    if on < app.received_on:
        raise BadInput(f"decision date {on} is before the application was received ({app.received_on})",
                       location="date")
    consulted_list = parse_consulted(consulted, on)
    notice = None
    if outcome == "granted" and app.consultations:
        missing = sorted({c["denial"]["issuing_state"] for c in app.consultations}
                         - {c["state"] for c in consulted_list})
        if missing:
            warnings = "; ".join(c["warning"] for c in app.consultations if c["denial"]["issuing_state"] in missing)
            raise BadInput(f"{warnings}: consult before granting (Art. 16(5)); name each consulted state and "
                           "date as STATE:YYYY-MM-DD", location="consulted")
        notice = _grant_notice(app, consulted_list, reason, on)
    reasons = [reason_of(c, reason).as_dict() for c in criteria or []] or [reason_of(None, reason).as_dict()]
    basis = " ".join((legal_basis or DEFAULT_LEGAL_BASIS).split())
    decision = ApplicationDecision(application_id=app.id, outcome=outcome, decided_on=on, reasons=reason,
                                   legal_basis=basis, decided_by=actor, consulted=consulted_list, notice=notice)
    app.status = outcome
    session.add(decision)
    session.flush()
    payload: dict[str, Any] = {"reference": reference, "outcome": outcome, "date": on.isoformat(), "reasons": reason,
                               "legal_basis": basis, "consulted": consulted_list}
    denial = None
    if outcome == "denied":
        payload["reasons_by_criterion"] = reasons
        denial = DenialNotification(
            issuing_state=app.authority_state, reference=app.reference, denied_on=on, notified_on=on,
            destination=app.destination, consignee_name=app.consignee_name, consignee_country=app.consignee_country,
            end_user_name=app.end_user_name, end_user_country=app.end_user_country, end_use=app.end_use,
            parties=_parties_of(app), items=app.items, reasons=reason, reasons_by_criterion=reasons,
            legal_basis=basis, revoked=False, origin="own", fingerprint="")
        denial.fingerprint = fingerprint(denial_record(denial))
        session.add(denial)
        session.flush()
        payload["denial_notification"] = {"issuing_state": denial.issuing_state, "reference": denial.reference}
    ledger.append(session, "authority.decision", payload, actor=actor, subject=reference)
    if notice is not None:
        ledger.append(session, "authority.grant_notice", notice, actor=actor, subject=reference)
    doc = application_doc(app, decision)
    if denial is not None:
        doc["denial_notification"] = denial_record(denial)
    return doc


def revoke_denial(session: Session, reference: str, *, actor: str, reason: str,
                  on: dt.date | None = None) -> dict[str, Any]:
    """Revoke one of our own denials (it stays in the exchange, flagged revoked)."""
    row = _own_denial(session, reference)
    if row.revoked:
        raise BadInput(f"denial {reference!r} is already revoked", location="reference")
    row.revoked, row.revoked_on, row.revocation_reason = True, on or utcnow().date(), " ".join(reason.split())
    row.updated_at = utcnow()
    row.fingerprint = fingerprint(denial_record(row))
    ledger.append(session, "authority.denial_revoked", {"issuing_state": row.issuing_state, "reference": reference,
                                                        "reason": reason}, actor=actor, subject=reference)
    return denial_record(row)


def _own_denial(session: Session, reference: str) -> DenialNotification:
    row = session.execute(select(DenialNotification).where(DenialNotification.reference == reference,
                                                           DenialNotification.origin == "own",
                                                           owned_here(DenialNotification))).scalar_one_or_none()
    if row is None:
        raise NotFound(f"own denial {reference!r} not found")
    return row


def share_denial(session: Session, reference: str, *, shared: bool, actor: str) -> dict[str, Any]:
    """Let every other tenant (the other Member States' authorities on this server) read one of our
    own denials, so their essentially-identical checks find it; or stop sharing it."""
    row = _own_denial(session, reference)
    if row.shared != shared:
        row.shared = shared
        row.updated_at = utcnow()
        ledger.append(session, "authority.denial_shared", {"issuing_state": row.issuing_state, "reference": reference,
                                                           "shared": shared}, actor=actor, subject=reference)
    return {**denial_record(row), "shared": row.shared}
