"""`dualcheck bench api`: bounded, loopback only, screenings, checks and hold releases mixed, every
answered request recorded (the shorter version of the one-minute load test in docs/benchmarks.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from cli_support import run_cli
from dualcheck.db.engine import Database
from dualcheck.ledger import verify
from dualcheck.licences.models import Hold
from dualcheck.lists.loader import load_paths
from dualcheck.screening.service import forget_indexes

FIX = Path(__file__).parent / "fixtures" / "screening"


def test_bench_api_reports_the_contract_figures(sqlite_db: Database, settings_for: Any, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    settings_for(sqlite_db)
    load_paths(sqlite_db, [FIX / "parties_2025-01-01.ftm.json"], actor="test", workers=1)
    forget_indexes()
    out = tmp_path / "api.json"
    code, stdout, err = run_cli(capsys, "bench", "api", "--clients", "8", "--seconds", "4", "--json", str(out))
    assert code == 0, err
    figures = json.loads(out.read_text())
    assert json.loads(stdout) == figures
    assert set(figures) >= {"clients", "requests", "requests_per_second", "latency_ms_p50", "latency_ms_p95",
                            "errors", "ledger_records_missing"}
    assert figures["clients"] == 8 and figures["requests"] > 8 and figures["errors"] == 0, figures
    assert figures["ledger_records_missing"] == 0
    assert 0 < figures["latency_ms_p50"] <= figures["latency_ms_p95"]
    kinds = figures["by_kind"]
    # every kind ran, concurrently: checks placed holds and the clients released them
    assert all(kinds[k]["requests"] > 0 and kinds[k]["errors"] == 0 for k in ("screen", "check", "release")), kinds
    assert sum(k["requests"] for k in kinds.values()) == figures["requests"]
    assert figures["load_average_1min"] >= 0
    with sqlite_db.session() as session:
        released = session.execute(select(func.count()).select_from(Hold).where(Hold.status == "released")
                                   ).scalar_one()
        assert released == kinds["release"]["requests"]
        assert verify(session).ok
    code, _, err = run_cli(capsys, "bench", "api", "--url", "http://192.0.2.1:8000", "--seconds", "1")
    assert code == 2 and "loopback" in err
    code, _, err = run_cli(capsys, "bench", "api", "--mix", "screen,delete", "--seconds", "1")
    assert code == 2 and "unknown request kind delete" in err
