"""Licences and their balances, registrations for general authorisations, holds on transactions,
and evidence packs.

Entry points for other domains (all take the caller's SQLAlchemy session; run writes inside
``Database.write_session()`` so the change and its ledger record commit together):

- ``holds.place_hold(session, *, transaction_id, check_id, outcome, reasons, actor)``: hold a
  transaction a check did not clear; ``holds.is_held``; ``holds.release`` / ``holds.reject``
  (role and reason required, four-eyes for PROHIBITED overrides by default).
- ``coverage.find_usable_licences(session, *, destination, end_users, items, as_of)`` with
  ``coverage.ItemDemand`` per item (control codes, quantity, unit, value, currency): usable
  licence lines and the reason each other licence does not fit; ``coverage.plan_allocation``
  spreads an item over several licences in sequence.
- ``usage.consume(...)`` / ``usage.reserve(...)`` apply allocations all-or-nothing under row
  locks; ``usage.consume_reservation`` / ``usage.release_reservation``; ``usage.use_for_transaction``
  does find + plan + charge for a transaction in the ``dualcheck check`` input format.
- ``general.record_general_use(...)`` records an export under EU001-EU008 (needs a registration).
- ``evidence.build_evidence_pack(session, *, transaction_id | since/until, actor)``: the ZIP.
Refusals raise ``errors.Refused`` (exit 1, HTTP 409) or ``errors.NotPermitted`` (HTTP 403).
"""
