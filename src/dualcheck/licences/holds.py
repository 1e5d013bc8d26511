"""Holds: transactions a check did not clear wait here until an officer releases or rejects them.

For the check domain:
- ``place_hold(session, *, transaction_id, check_id, outcome, reasons, actor)`` holds a transaction
  whose check gave PROHIBITED, LICENCE_REQUIRED (without a usable licence) or NEEDS_INFORMATION.
  A newer hold for the same transaction supersedes an open older one.
- ``is_held(session, transaction_id)`` says whether a transaction is waiting.
For officers:
- ``release(session, hold_id, *, actor, role, reason, roles=None)`` / ``reject(...)``: the actor must
  hold the role (an authenticated user's ``roles``, else a role given with ``grant_role``) and the
  role must be allowed for the outcome (``DUALCHECK_HOLDS_*``); a reason is required. Outcomes
  under four-eyes (default PROHIBITED) need a second release by a different officer; with
  four-eyes turned off the override is still recorded as such.
Every step is a ledger record (``hold.place``, ``hold.release``, ``hold.reject``, ``hold.role``)
with subject = transaction id.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, selectinload

from dualcheck.db.base import utcnow
from dualcheck.errors import BadInput, NotFound
from dualcheck.ledger import append
from dualcheck.licences.errors import NotPermitted, Refused
from dualcheck.licences.models import Hold, HoldDecision, OfficerRole
from dualcheck.licences.settings import hold_settings

# the check's outcomes that are held, RED_FLAGS: a cleared transaction with high red flags, and
# FOREIGN_NEXUS: a cleared transaction with a party hit on a US, UK or other foreign list only
HELD_OUTCOMES = ("PROHIBITED", "LICENCE_REQUIRED", "NEEDS_INFORMATION", "RED_FLAGS", "FOREIGN_NEXUS")
OPEN_STATUSES = ("held", "awaiting_second")
# Built once (place_hold runs for most checks): the open holds of one transaction, locked.
_OPEN_HOLDS_FOR_UPDATE = select(Hold).where(Hold.transaction_id == bindparam("transaction_id"),
                                            Hold.status.in_(OPEN_STATUSES)).with_for_update()


def hold_document(hold: Hold) -> dict[str, Any]:
    return {"id": hold.id, "transaction_id": hold.transaction_id, "check_id": hold.check_id,
            "outcome": hold.outcome, "reasons": hold.reasons, "status": hold.status, "four_eyes": hold.four_eyes,
            "placed_at": hold.placed_at.isoformat(), "placed_by": hold.placed_by,
            "resolved_at": hold.resolved_at.isoformat() if hold.resolved_at else None,
            "decisions": [{"action": d.action, "actor": d.actor, "role": d.role, "reason": d.reason,
                           "at": d.created_at.isoformat(), "ledger_seq": d.ledger_seq} for d in hold.decisions]}


def place_hold(session: Session, *, transaction_id: str, check_id: str | None, outcome: str,
               reasons: list[Any], actor: str) -> Hold:
    if outcome not in HELD_OUTCOMES:
        raise BadInput(f"only {', '.join(HELD_OUTCOMES)} are held, not {outcome}", location="outcome")
    if not transaction_id:
        raise BadInput("a hold needs the transaction id", location="transaction_id")
    superseded = supersede_open_holds(session, transaction_id)
    settings = hold_settings()
    hold = Hold(id=str(uuid.uuid4()), transaction_id=transaction_id, check_id=check_id, outcome=outcome,
                reasons=reasons, status="held", four_eyes=outcome in settings.four_eyes_outcomes, placed_by=actor)
    session.add(hold)
    session.flush()  # callers use the stored hold at once (placed_at is set on insert)
    append(session, "hold.place", {"hold_id": hold.id, "check_id": check_id, "outcome": outcome, "reasons": reasons,
                                   "four_eyes": hold.four_eyes, "supersedes": superseded,
                                   "settings": settings.as_record()},
           actor=actor, subject=transaction_id)
    return hold


def supersede_open_holds(session: Session, transaction_id: str) -> list[str]:
    """Mark the open holds of a transaction superseded (by a newer check); returns their ids."""
    superseded = []
    for old in session.execute(_OPEN_HOLDS_FOR_UPDATE, {"transaction_id": transaction_id}).scalars():
        old.status, old.resolved_at = "superseded", utcnow()
        superseded.append(old.id)
    return superseded


def supersede_by_covered_check(session: Session, *, transaction_id: str, check_id: str, reservation_id: str,
                               actor: str) -> list[str]:
    """A newer check found every item covered by licences on record and reserved them: the
    transaction's open holds are superseded (ledger record ``hold.supersede``), not left for an
    officer to release by hand."""
    superseded = supersede_open_holds(session, transaction_id)
    if superseded:
        append(session, "hold.supersede", {"holds": superseded, "check_id": check_id,
                                           "licence_reservation": reservation_id}, actor=actor, subject=transaction_id)
    return superseded


def is_held(session: Session, transaction_id: str) -> bool:
    return session.execute(select(Hold.id).where(Hold.transaction_id == transaction_id,
                                                 Hold.status.in_(OPEN_STATUSES)).limit(1)).first() is not None


def get_hold(session: Session, hold_id: str, *, lock: bool = False) -> Hold:
    query = select(Hold).where(Hold.id == hold_id).options(selectinload(Hold.decisions))
    hold = session.execute(query.with_for_update() if lock else query).scalar_one_or_none()
    if hold is None:
        raise NotFound(f"hold {hold_id!r} not found")
    return hold


def list_holds(session: Session, *, status: str | None = "open", transaction_id: str | None = None) -> list[Hold]:
    query = select(Hold).options(selectinload(Hold.decisions)).order_by(Hold.placed_at)
    if status == "open":
        query = query.where(Hold.status.in_(OPEN_STATUSES))
    elif status:
        query = query.where(Hold.status == status)
    if transaction_id:
        query = query.where(Hold.transaction_id == transaction_id)
    return list(session.execute(query).scalars())


def _authorise(session: Session, hold: Hold, actor: str, role: str, reason: str, action: str,
               roles: frozenset[str] | None) -> None:
    if not reason.strip():
        raise BadInput("a reason is required", location="reason")
    if hold.status not in OPEN_STATUSES:
        raise Refused(f"hold {hold.id} is already {hold.status}")
    # an authenticated user's roles come with its identity; a named officer's from the granted roles
    if role not in roles if roles is not None else session.get(OfficerRole, (actor, role)) is None:
        raise NotPermitted(f"{actor} does not hold the role {role}")
    allowed = hold_settings().roles_for(hold.outcome) if action == "release" else hold_settings().all_roles
    if role not in allowed:
        raise NotPermitted(f"role {role} may not {action} a {hold.outcome} hold "
                           f"(allowed: {', '.join(sorted(allowed))})")


def _decide(session: Session, hold: Hold, action: str, actor: str, role: str, reason: str,
            extra: dict[str, Any]) -> Hold:
    record = append(session, f"hold.{action}", {"hold_id": hold.id, "check_id": hold.check_id,
                                                "outcome": hold.outcome, "role": role, "reason": reason,
                                                "status_after": hold.status, "settings": hold_settings().as_record(),
                                                **extra},
                    actor=actor, subject=hold.transaction_id)
    hold.decisions.append(HoldDecision(action=action, actor=actor, role=role, reason=reason, ledger_seq=record.seq))
    session.flush()
    return hold


def release(session: Session, hold_id: str, *, actor: str, role: str, reason: str,
            roles: frozenset[str] | None = None) -> Hold:
    """Release a hold; under four-eyes the first release waits for a second, different officer."""
    hold = get_hold(session, hold_id, lock=True)
    _authorise(session, hold, actor, role, reason, "release", roles)
    four_eyes_now = hold.outcome in hold_settings().four_eyes_outcomes
    extra: dict[str, Any] = {"four_eyes": hold.four_eyes or four_eyes_now,
                             "override": hold.outcome == "PROHIBITED"}
    if hold.four_eyes or four_eyes_now:
        if hold.status == "held":
            hold.status = "awaiting_second"
            extra["stage"] = "first approval; a second officer must release too"
            return _decide(session, hold, "release", actor, role, reason, extra)
        first = next(d for d in reversed(hold.decisions) if d.action == "release")
        if first.actor == actor:
            raise NotPermitted(f"four-eyes: {actor} gave the first approval; a different officer must give the second")
        extra["stage"] = "second approval"
        extra["first_approval_by"] = first.actor
    hold.status, hold.resolved_at = "released", utcnow()
    return _decide(session, hold, "release", actor, role, reason, extra)


def reject(session: Session, hold_id: str, *, actor: str, role: str, reason: str,
           roles: frozenset[str] | None = None) -> Hold:
    """Reject the transaction for good (one officer suffices to say no)."""
    hold = get_hold(session, hold_id, lock=True)
    _authorise(session, hold, actor, role, reason, "reject", roles)
    hold.status, hold.resolved_at = "rejected", utcnow()
    return _decide(session, hold, "reject", actor, role, reason, {})


def grant_role(session: Session, *, officer: str, role: str, actor: str, revoke: bool = False) -> None:
    """Give (or take away) a role that decides holds (a server role named in the hold settings) to a
    named officer of the CLI's own database; recorded in the ledger as a settings change."""
    known = hold_settings().all_roles
    if role not in known:
        raise BadInput(f"role {role!r} does not decide holds (roles that do: {', '.join(sorted(known))})",
                       location="role")
    existing = session.get(OfficerRole, (officer, role))
    if revoke and existing is not None:
        session.delete(existing)
    elif not revoke and existing is None:
        session.add(OfficerRole(actor=officer, role=role, granted_by=actor))
    else:
        return
    session.flush()
    append(session, "hold.role", {"officer": officer, "role": role, "granted": not revoke}, actor=actor,
           subject=officer)
