"""Generated requests against the served OpenAPI (schemathesis): authenticated, bounded in examples
and time, and every answer is no 5xx and matches the response schema its route declares."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance
from starlette.testclient import TestClient

from auth_support import auth_headers
from dualcheck.api.app import create_app
from dualcheck.api.deps import route_policies
from dualcheck.db.engine import Database
from dualcheck.lists.loader import load_paths
from dualcheck.screening.service import forget_indexes
from ledger_support import ledger_env

__all__ = ["ledger_env"]

FIX = Path(__file__).parent / "fixtures" / "screening"
EXAMPLES = 3  # per operation and role: about 80 operations, the whole run well under a minute
BUDGET_SECONDS = 35
# roles whose routes together cover the whole API; each role's operations are those it may use
ROLES = {"compliance_manager": ("auth", "lists", "screening", "controls", "checks", "ledger", "licences",
                                "redflags", "risk"),
         "admin": ("auth",), "authority_officer": ("authority",)}


@pytest.fixture
def served(sqlite_db: Database, settings_for: Any, ledger_env: pytest.MonkeyPatch) -> tuple[Any, Database]:
    load_paths(sqlite_db, [FIX / "parties_2025-01-01.ftm.json"], actor="test", workers=1)
    forget_indexes()
    return create_app(settings_for(sqlite_db), sqlite_db), sqlite_db


def test_every_api_route_declares_its_response(served: tuple[Any, Database]) -> None:
    app, _db = served
    documented = TestClient(app).get("/api/v1/openapi.json", headers=auth_headers(_db, "viewer")).json()
    for method, path, _roles in route_policies(app, "/api/v1/"):
        if path == "/api/v1/openapi.json":
            continue
        operation = documented["paths"][path][method.lower()]
        ok = [code for code in operation["responses"] if code.startswith("2")]
        assert ok, f"{method} {path} declares no success response"
        content = operation["responses"][ok[0]].get("content")
        if ok[0] != "204":
            assert content and any(c.get("schema") for c in content.values()), \
                f"{method} {path} declares no response schema"
        # errors come from the one handler: their declared shape is ErrorOut, never FastAPI's default
        assert operation["responses"]["422"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")


def _exercise(operation: Any, headers: dict[str, str], deadline: float) -> int:
    """Up to EXAMPLES generated requests to one operation (none past the deadline); the number sent."""
    sent = 0

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, phases=[Phase.explicit, Phase.generate], deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        nonlocal sent
        if time.monotonic() > deadline:
            return
        response = case.call(headers=headers)
        sent += 1
        case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])

    run()
    return sent


def test_generated_requests_get_no_5xx_and_match_the_schema(served: tuple[Any, Database]) -> None:
    app, db = served
    started = time.monotonic()
    calls: dict[str, int] = {}
    failures: list[str] = []
    for role, tags in ROLES.items():
        headers = auth_headers(db, role)
        schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app, headers=headers)
        for result in schema.include(tag_regex="^(" + "|".join(tags) + ")$").get_all_operations():
            operation = result.ok()
            try:
                calls[role] = calls.get(role, 0) + _exercise(operation, headers, started + BUDGET_SECONDS)
            except (Exception, BaseExceptionGroup) as exc:  # every operation's failure, not only the first
                failures.append(f"{role} {operation.label}: {str(exc)[:600]}")
    assert not failures, "\n\n".join(failures)
    assert time.monotonic() - started < BUDGET_SECONDS + 20, "the run went over its time budget"
    assert calls.get("compliance_manager", 0) > 100 and calls.get("admin") and calls.get("authority_officer"), calls
