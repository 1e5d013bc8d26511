"""Scoring a declaration file end to end and writing the scored CSV (all or nothing)."""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dualcheck.errors import BadInput
from dualcheck.risk.model import RiskModel, ranks
from dualcheck.risk.reader import Declarations

SCORE_COLUMNS = ("risk_score", "risk_rank", "risk_reasons")


@dataclass
class Scored:
    declarations: Declarations
    scores: np.ndarray
    ranks: np.ndarray
    reasons: list[list[str]]


def score_declarations(model: RiskModel, d: Declarations, *, top_reasons: int = 3) -> Scored:
    scores = model.predict(d)
    return Scored(declarations=d, scores=scores, ranks=ranks(scores), reasons=model.encoder.reasons(d, top=top_reasons))


def write_scored_csv(source: Path, scored: Scored, out: Path) -> str:
    """Copy `source` row by row with the score columns added; atomic. Returns the output's sha256."""
    tmp = out.with_name(out.name + ".part")
    with source.open(encoding="utf-8-sig", newline="") as fh, tmp.open("w", encoding="utf-8", newline="") as dst:
        reader = csv.reader(fh)
        writer = csv.writer(dst, lineterminator="\n")
        header = next(reader)
        clash = [c for c in SCORE_COLUMNS if c in header]
        if clash:
            tmp.unlink()
            raise BadInput(f"already has column(s) {', '.join(clash)}", source=source.name, location="row 1")
        writer.writerow([*header, *SCORE_COLUMNS])
        i = 0
        for row in reader:
            if not row or all(not cell.strip() for cell in row):
                continue
            writer.writerow([*row, f"{scored.scores[i]:.6f}", int(scored.ranks[i]), "; ".join(scored.reasons[i])])
            i += 1
    if i != len(scored.scores):  # the file changed under us
        tmp.unlink()
        raise BadInput("file changed while it was being scored", source=source.name)
    tmp.replace(out)
    return hashlib.sha256(out.read_bytes()).hexdigest()
