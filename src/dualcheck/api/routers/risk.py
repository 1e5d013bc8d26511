"""API route of the risk domain: score a batch of declarations with the deployed risk model.

The model is the file named by the environment variable DUALCHECK_RISK_MODEL, else `risk.model` in
DUALCHECK_HOME (written by `dualcheck risk train ... --out`). Clients cannot name a model file: a model
is a pickle and loading one runs code.
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from dualcheck.api import responses
from dualcheck.api.deps import WRITE_SESSION, actor, allow, get_settings_dep
from dualcheck.auth import roles
from dualcheck.config import Settings
from dualcheck.errors import ConfigError
from dualcheck.ledger import append
from dualcheck.risk.model import RiskModel, load_model
from dualcheck.risk.reader import declarations_from_records
from dualcheck.risk.service import score_declarations

router = APIRouter(prefix="/risk", tags=["risk"])
MAX_BATCH = 10_000
_cache: dict[tuple[str, float], tuple[RiskModel, str]] = {}
_lock = threading.Lock()


class ScoreIn(BaseModel):
    declarations: list[dict[str, Any]] = Field(..., min_length=1, max_length=MAX_BATCH,
                                               description="Declarations, column name -> value (docs/risk.md).")
    reasons: int = Field(3, ge=0, le=10, description="Red flags per declaration.")


def model_path(settings: Settings) -> Path:
    configured = os.environ.get("DUALCHECK_RISK_MODEL")
    return Path(configured) if configured else settings.home / "risk.model"


def _model(settings: Settings) -> tuple[RiskModel, str]:
    path = model_path(settings)
    if not path.is_file():
        raise ConfigError("no risk model deployed: write one with `dualcheck risk train ... --out` to "
                          "DUALCHECK_HOME/risk.model or set DUALCHECK_RISK_MODEL")
    key = (str(path.resolve()), path.stat().st_mtime)
    with _lock:
        if key not in _cache:
            _cache.clear()
            _cache[key] = (load_model(path), hashlib.sha256(path.read_bytes()).hexdigest())
        return _cache[key]


@router.post("/score", dependencies=allow(roles.RISK_SCORERS), response_model=responses.RiskScores)
def score(body: ScoreIn, settings: Settings = Depends(get_settings_dep), session: Session = WRITE_SESSION,
          who: str = Depends(actor)) -> dict[str, Any]:
    """Risk score, rank (1 = inspect first) and red flags for each declaration; recorded as `risk.score`."""
    model, model_sha = _model(settings)
    d = declarations_from_records(body.declarations)
    scored = score_declarations(model, d, top_reasons=body.reasons)
    results: list[dict[str, Any]] = [{"declaration_id": d.ids[i], "risk_score": round(float(scored.scores[i]), 6),
                "risk_rank": int(scored.ranks[i]), "reasons": scored.reasons[i]} for i in range(len(d))]
    top = sorted(results, key=lambda r: r["risk_rank"])[:10]
    record = append(session, "risk.score", {"model_sha256": model_sha, "input_sha256": d.sha256, "rows": len(d),
                                            "top": top}, actor=who, subject=f"risk-score:{d.sha256[:16]}")
    return {"model_sha256": model_sha, "rows": len(d), "ledger_seq": record.seq, "results": results}
