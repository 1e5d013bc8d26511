"""The roles, and which roles may act in each part of the API.

One role per user. An admin manages users, roles and tokens of its tenant and nothing else:
compliance work and its records are kept apart from the administration of identities.
"""

from __future__ import annotations

VIEWER = "viewer"
OFFICER = "officer"
COMPLIANCE_MANAGER = "compliance_manager"
AUDITOR = "auditor"
ADMIN = "admin"
AUTHORITY_OFFICER = "authority_officer"

ROLES = (VIEWER, OFFICER, COMPLIANCE_MANAGER, AUDITOR, ADMIN, AUTHORITY_OFFICER)

# reference data (lists, control lists) is common to every tenant
REFERENCE_READERS = frozenset({VIEWER, OFFICER, COMPLIANCE_MANAGER, AUDITOR, AUTHORITY_OFFICER})
# a tenant's business records: counterparties, checks, holds, licences ...
READERS = frozenset({VIEWER, OFFICER, COMPLIANCE_MANAGER, AUDITOR})
# screening, checks, hit decisions, licence use
OFFICERS = frozenset({OFFICER, COMPLIANCE_MANAGER})
MANAGERS = frozenset({COMPLIANCE_MANAGER})
# the ledger and evidence packs
RECORD_READERS = frozenset({COMPLIANCE_MANAGER, AUDITOR})
AUTHORITY = frozenset({AUTHORITY_OFFICER})
AUTHORITY_READERS = frozenset({AUTHORITY_OFFICER, AUDITOR})
ADMINS = frozenset({ADMIN})
# risk scores of declarations: exporters and customs/licensing authorities alike
RISK_SCORERS = OFFICERS | AUTHORITY
EVERYONE = frozenset(ROLES)

# token scopes: a token may be narrowed to some API domains and/or to reading only
READ_SCOPE = "read"
DOMAIN_SCOPES = ("auth", "authority", "checks", "controls", "ledger", "licences", "lists", "redflags", "risk",
                 "screening")
SCOPES = (READ_SCOPE, *DOMAIN_SCOPES)
