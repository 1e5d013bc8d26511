"""`dualcheck risk ...` and `dualcheck bench risk`: declaration risk scoring (docs/risk.md)."""

from __future__ import annotations

import hashlib
import os
import platform
import time
from pathlib import Path
from typing import Any

import typer

from dualcheck import ledger
from dualcheck.cli.common import FormatOption, OutputFormat, console, database, emit, emit_json, progress, settings
from dualcheck.errors import BadInput
from dualcheck.risk.model import PUBLISHED_BASELINES, inspection_metrics, load_model, train_model
from dualcheck.risk.reader import Declarations, read_declarations
from dualcheck.risk.service import score_declarations, write_scored_csv

app = typer.Typer(help="Declaration risk: train a fraud-risk model on labelled declarations, score new ones.",
                  no_args_is_help=True)

LedgerOption = typer.Option(None, "--ledger/--no-ledger",
                            help="Record in the ledger. Default: when DUALCHECK_DATABASE_URL is set.")


def _use_ledger(flag: bool | None) -> bool:
    return bool(settings().database_url) if flag is None else flag


def _record(kind: str, payload: dict[str, Any], subject: str) -> int:
    db = database()
    with db.write_session() as session:
        record = ledger.append(session, kind, payload, actor=settings().actor, subject=subject)
    return record.seq


def _render_train(doc: dict[str, Any]) -> None:
    console.print(f"model written: {doc['model']} (sha256 {doc['model_sha256'][:16]}...)")
    console.print(f"trained on {doc['rows']} declarations from {doc['training_files']}, "
                  f"fraud rate {doc['fraud_rate']:.1%}, {doc['training_seconds']} s")
    if doc.get("validation"):
        v = doc["validation"]
        console.print(f"validation ({v['rows']} rows, model fitted on the training file only): "
                      f"precision@5% {v['precision@5%']}, precision@10% {v['precision@10%']}, "
                      f"ROC AUC {v['roc_auc']}")
    if doc.get("ledger_seq") is not None:
        console.print(f"ledger record #{doc['ledger_seq']} (risk.train)")


def train(
    train_file: Path = typer.Argument(..., help="Labelled declarations (CSV with a Fraud column)."),
    valid_file: Path = typer.Argument(None, help="Optional later labelled declarations: reported, then added."),
    out: Path = typer.Option(..., "--out", help="Where to write the model file."),
    seed: int = typer.Option(0, "--seed", help="Random seed (same seed, same model, same scores)."),
    refit: bool = typer.Option(True, "--refit/--no-refit",
                               help="With VALID: fit the saved model on TRAIN+VALID (default) or TRAIN only."),
    record: bool | None = LedgerOption,
    fmt: OutputFormat = FormatOption,
) -> None:
    """Train a risk model; with VALID, report its precision on VALID first. Recorded as `risk.train`."""
    with progress("risk train", total=4 if valid_file else 2) as advance:
        train_d = read_declarations(train_file, require_label=True)
        valid_d = read_declarations(valid_file, require_label=True) if valid_file else None
        advance(1)
        validation = None
        model = train_model(train_d, seed=seed)
        advance(1)
        if valid_d is not None:
            assert valid_d.fraud is not None
            validation = inspection_metrics(model.predict(valid_d), valid_d.fraud)
            advance(1)
            if refit:
                model = train_model(Declarations.concat([train_d, valid_d]), seed=seed)
            advance(1)
    if validation is not None:
        model.metadata["validation"] = {"file": valid_d.source if valid_d else None,
                                        "sha256": valid_d.sha256 if valid_d else None, **validation}
    digest = model.save(out)
    doc: dict[str, Any] = {"model": str(out), "model_sha256": digest,
                           **{k: model.metadata[k] for k in ("training_files", "training_sha256", "rows",
                                                             "fraud_rate", "seed", "training_seconds")},
                           "features": len(model.metadata["features"]), "validation": validation, "ledger_seq": None}
    if _use_ledger(record):
        payload = {"model_sha256": digest, "model_file": out.name, "training_files": model.metadata["training_files"],
                   "training_sha256": model.metadata["training_sha256"], "rows": model.metadata["rows"],
                   "seed": seed, "features": model.metadata["features"], "versions": model.metadata["versions"],
                   "validation": validation}
        doc["ledger_seq"] = _record("risk.train", payload, f"risk-model:{digest[:16]}")
    emit(doc, fmt, _render_train)


def _render_score(doc: dict[str, Any]) -> None:
    console.print(f"scored {doc['rows']} declarations -> {doc['out']} ({doc['scoring_seconds']} s)")
    for row in doc["top"]:
        console.print(f"  #{row['rank']:<4} {row['declaration_id']}  {row['risk_score']:.3f}  "
                      f"{'; '.join(row['reasons']) or '-'}")
    if doc.get("metrics"):
        m = doc["metrics"]
        console.print(f"labelled file: precision@5% {m['precision@5%']}, precision@10% {m['precision@10%']}, "
                      f"ROC AUC {m['roc_auc']}")
    if doc.get("ledger_seq") is not None:
        console.print(f"ledger record #{doc['ledger_seq']} (risk.score)")


def score(
    model_file: Path = typer.Argument(..., help="A model written by `dualcheck risk train`."),
    declarations_file: Path = typer.Argument(..., help="Declarations to score (CSV, same layout)."),
    out: Path = typer.Option(..., "--out", help="Scored CSV: the input columns plus risk_score, risk_rank, "
                                                "risk_reasons."),
    top: int = typer.Option(10, "--top", min=0, help="Show this many highest-risk declarations."),
    reasons: int = typer.Option(3, "--reasons", min=0, max=10, help="Red flags per declaration."),
    record: bool | None = LedgerOption,
    fmt: OutputFormat = FormatOption,
) -> None:
    """Score declarations: risk score, rank (1 = inspect first) and the top red flags per row."""
    model = load_model(model_file)
    model_sha = hashlib.sha256(model_file.read_bytes()).hexdigest()
    with progress("risk score", total=2) as advance:
        d = read_declarations(declarations_file)
        advance(1)
        started = time.perf_counter()
        scored = score_declarations(model, d, top_reasons=reasons)
        seconds = time.perf_counter() - started
        out_sha = write_scored_csv(declarations_file, scored, out)
        advance(1)
    order = scored.ranks.argsort()[:top]
    doc: dict[str, Any] = {
        "out": str(out), "out_sha256": out_sha, "rows": len(d), "model_sha256": model_sha,
        "scoring_seconds": round(seconds, 3),
        "top": [{"rank": int(scored.ranks[i]), "declaration_id": d.ids[i],
                 "risk_score": round(float(scored.scores[i]), 6), "reasons": scored.reasons[i]} for i in order],
        "metrics": inspection_metrics(scored.scores, d.fraud) if d.fraud is not None else None,
        "ledger_seq": None,
    }
    if _use_ledger(record):
        doc["ledger_seq"] = _record("risk.score", {"model_sha256": model_sha, "file": d.source, "file_sha256": d.sha256,
                                                   "rows": len(d), "out_file": out.name, "out_sha256": out_sha,
                                                   "top": doc["top"][:10]}, f"risk-score:{d.sha256[:16]}")
    emit(doc, fmt, _render_score)


app.command("train")(train)
app.command("score")(score)


def bench_risk(
    train_file: Path = typer.Option(None, "--train", help="Default: <data dir>/trade/kcs_df_syn_train_eng.csv."),
    valid_file: Path = typer.Option(None, "--valid", help="Default: <data dir>/trade/kcs_df_syn_valid_eng.csv."),
    test_file: Path = typer.Option(None, "--test", help="Default: <data dir>/trade/kcs_df_syn_test_eng.csv."),
    no_valid: bool = typer.Option(False, "--no-valid", help="Train on the training file only."),
    seed: int = typer.Option(0, "--seed"),
) -> None:
    """Train on train(+valid), score test: precision/recall at 1/5/10 % inspection, ROC AUC, speed (JSON)."""
    trade = settings().effective_data_dir / "trade"
    train_file = train_file or trade / "kcs_df_syn_train_eng.csv"
    valid_file = valid_file or trade / "kcs_df_syn_valid_eng.csv"
    test_file = test_file or trade / "kcs_df_syn_test_eng.csv"
    with progress("bench risk", total=3) as advance:
        started = time.perf_counter()
        parts = [read_declarations(train_file, require_label=True)]
        if not no_valid:
            parts.append(read_declarations(valid_file, require_label=True))
        test = read_declarations(test_file, require_label=True)
        read_seconds = time.perf_counter() - started
        advance(1)
        train_d = Declarations.concat(parts) if len(parts) > 1 else parts[0]
        started = time.perf_counter()
        model = train_model(train_d, seed=seed)
        train_seconds = time.perf_counter() - started
        advance(1)
        started = time.perf_counter()
        scores = model.predict(test)
        score_seconds = time.perf_counter() - started
        started = time.perf_counter()
        model.encoder.reasons(test)
        reason_seconds = time.perf_counter() - started
        advance(1)
    if test.fraud is None:
        raise BadInput("the test file needs the 'Fraud' column", source=test.source)
    emit_json({
        "train": train_d.source, "train_rows": len(train_d), "test": test.source, "seed": seed,
        "metrics": inspection_metrics(scores, test.fraud),
        "published_baselines_arXiv_2208_02484": PUBLISHED_BASELINES,
        "read_seconds": round(read_seconds, 3),
        "training_seconds": round(train_seconds, 3),
        "training_rows_per_second": round(len(train_d) / train_seconds),
        "scoring_seconds": round(score_seconds, 3),
        "scoring_rows_per_second": round(len(test) / score_seconds),
        "reasons_seconds": round(reason_seconds, 3),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "versions": model.metadata["versions"],
    })
