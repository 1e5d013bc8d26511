"""Response models of the /api/v1 routes, and the one error shape.

Each model names the fields a client may rely on (the contract fields and the identifiers); a
document may carry more (``extra="allow"``), so a field added by a domain does not break the API,
while a field removed or retyped fails the route instead of reaching a client. The OpenAPI that
``/api/v1/openapi.json`` serves is built from these models, and a schemathesis run in the test
suite checks every answer against it.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

# ---- the shape every refusal and error has (app.error_response builds it) ----


class ErrorOut(BaseModel):
    detail: Any = Field(description="One line saying what is wrong (field, row or reason).")
    errors: list[dict[str, Any]] | None = Field(default=None, description="422 only: each invalid field.")


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut, "description": text} for code, text in (
        (400, "A request the domain refuses."),
        (401, "No valid credentials."),
        (403, "The role, the token's scopes or the CSRF token do not allow this."),
        (404, "Not found, or another tenant's."),
        (409, "A business refusal (no balance, a decided hold ...)."),
        (413, "The request body is over the limit."),
        (422, "Invalid input: the field at fault is named."),
        (500, "A server bug; the request id names it in the log."),
        (503, "A setting or a service the request needs is missing."),
    )
}


class Document(BaseModel):
    """A JSON object whose named fields are guaranteed; others may follow."""

    model_config = ConfigDict(extra="allow")


# ---- screening ----


class ScreenResult(Document):
    query: dict[str, Any]
    threshold: float
    list_versions: dict[str, Any]
    hits: list[dict[str, Any]]


class BatchScreenResult(Document):
    results: list[ScreenResult]


class Counterparty(Document):
    id: int
    ref: str
    name: str
    aliases: list[str]
    attributes: dict[str, Any]


class Counterparties(Document):
    total: int
    counterparties: list[Counterparty]


class HitDecision(Document):
    id: int
    party_name: str
    list: str
    entity_id: str
    status: str
    reason: str


class HitDecisions(Document):
    decisions: list[HitDecision]


class ScreeningRun(Document):
    id: int
    kind: str
    screened: int | None
    hits: int | None
    new_hits: int | None


class ScreeningRuns(Document):
    runs: list[ScreeningRun]


class RunHits(Document):
    run: int
    hits: list[dict[str, Any]]


# ---- lists ----


class ListVersion(Document):
    name: str
    version: int
    published: str
    entities: int
    sha256: str


class ListStatus(Document):
    lists: list[ListVersion]


class ListVersions(Document):
    versions: list[ListVersion]


class ListEntity(Document):
    entity: dict[str, Any]
    version: ListVersion


class ListDiff(Document):
    list_name: str = Field(alias="list")
    added: int
    removed: int
    modified: int
    changes: list[Any]


# ---- controls ----


class ControlVersions(Document):
    versions: list[dict[str, Any]]


class Classification(Document):
    control_list_version: Any
    candidates: list[dict[str, Any]]


class ProductItem(Document):
    sku: str
    description: str


class ProductClassification(Document):
    id: int
    sku: str
    codes: list[str]
    rationale: str


class ReviewQueue(Document):
    review: list[dict[str, Any]]


# ---- checks and red flags ----


class CheckResult(Document):
    outcome: str
    reasons: list[Any]


class CheckSummary(Document):
    check_id: str
    outcome: str
    as_of: str


class TransactionChecks(Document):
    transaction_id: str
    checks: list[CheckSummary]


# ---- ledger ----


class LedgerVerification(Document):
    ok: bool
    records: int
    summary: str


class LedgerRecord(Document):
    seq: int
    record_id: str
    kind: str
    actor: str
    created_at: str
    subject: str | None
    payload: Any
    prev_hash: str
    hash: str


class LedgerRecords(Document):
    records: list[LedgerRecord]


class Checkpoint(Document):
    seq: int
    head_hash: str
    merkle_root: str
    key_id: str
    signature: str


class Checkpoints(Document):
    checkpoints: list[Checkpoint]


class LedgerExport(Document):
    format: Any
    checkpoint: Checkpoint
    public_key: str
    records: list[dict[str, Any]]


class ExportVerification(Document):
    ok: bool
    records: int
    summary: str


# ---- licences and holds ----


class StoredLicence(Document):
    reference: str
    id: str
    created: bool


class LicenceSummary(Document):
    reference: str
    kind: str
    status: str


class Licences(Document):
    licences: list[LicenceSummary]


class LicenceStatus(Document):
    reference: str
    status: str


class Coverage(Document):
    as_of: str
    covered: bool
    items: list[dict[str, Any]]


class Charges(Document):
    transaction_id: str | None = None
    charges: list[dict[str, Any]]
    ledger_seq: int | None


class ReleasedReservation(Document):
    reservation_id: str
    released: list[dict[str, Any]]
    ledger_seq: int | None


class ExpiryWarnings(Document):
    warnings: list[dict[str, Any]]


class HoldDecisionOut(Document):
    action: str
    actor: str
    role: str
    reason: str
    ledger_seq: int | None


class Hold(Document):
    id: str
    transaction_id: str
    check_id: str | None
    outcome: str
    status: str
    four_eyes: bool
    decisions: list[HoldDecisionOut]


class Holds(Document):
    holds: list[Hold]


class RoleGranted(Document):
    officer: str
    role: str
    granted: bool


# ---- authority ----


class Application(Document):
    reference: str
    authority_state: str
    destination: str | None
    status: str


class RegisteredApplication(Document):
    application: Application
    check: dict[str, Any]


class SharedDenial(Document):
    reference: str
    shared: bool


class DenialExchange(Document):
    version: int
    denials: list[dict[str, Any]]


# ---- risk ----


class RiskScores(Document):
    model_sha256: str
    rows: int
    ledger_seq: int
    results: list[dict[str, Any]]
