"""Declaration risk scoring: reader errors, no leakage, quality on the real KCS data, determinism, CLI."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from cli_support import run_cli as _cli
from dualcheck.db.engine import Database
from dualcheck.errors import BadInput
from dualcheck.ledger.chain import iter_records
from dualcheck.risk.features import FeatureEncoder
from dualcheck.risk.model import inspection_metrics, load_model, train_model
from dualcheck.risk.reader import Declarations, read_declarations

FIXTURES = Path(__file__).parent / "fixtures" / "risk"
TRAIN_SMALL = FIXTURES / "train_small.csv"
SCORE_SMALL = FIXTURES / "score_small.csv"


def _edited(tmp_path: Path, row: int, column: str, value: str, name: str = "bad.csv") -> Path:
    """A copy of the small training file with one cell changed (row counted as in a spreadsheet)."""
    rows = list(csv.reader(TRAIN_SMALL.open(newline="")))
    rows[row - 1][rows[0].index(column)] = value
    path = tmp_path / name
    with path.open("w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


@pytest.fixture
def real(data_dir: Path) -> tuple[Declarations, Declarations]:
    trade = data_dir / "trade"
    train = read_declarations(trade / "kcs_df_syn_train_eng.csv", require_label=True)
    test = read_declarations(trade / "kcs_df_syn_test_eng.csv", require_label=True)
    # The last 6,000 training rows (late 2020) and the first 3,000 test rows (April 2021): later in time, unseen.
    return train.take(range(len(train) - 6000, len(train))), test.take(range(3000))


# -- reader --------------------------------------------------------------------------------------------------------

def test_reader_reads_the_real_files(data_dir: Path) -> None:
    d = read_declarations(data_dir / "trade" / "kcs_df_syn_valid_eng.csv", require_label=True)
    assert len(d) == 8134
    assert d.fraud is not None and round(float(d.fraud.mean()), 4) == 0.2095
    assert d.dates[0].isoformat() >= "2021-01-01" and max(d.dates).isoformat() == "2021-03-31"
    assert sum(1 for s in d.categorical["Seller ID"] if not s) > 0  # empty sellers are kept as ""


@pytest.mark.parametrize(("row", "column", "value", "expected"), [
    (5, "Net Mass", "12,5", "bad.csv: row 5, field 'Net Mass': not a number: '12,5'"),
    (7, "Item Price", "-3", "bad.csv: row 7, field 'Item Price': must be a finite number >= 0: '-3'"),
    (9, "Date", "2020-13-01", "bad.csv: row 9, field 'Date': not a YYYY-MM-DD date: '2020-13-01'"),
    (3, "Fraud", "yes", "bad.csv: row 3, field 'Fraud': must be 0 or 1: 'yes'"),
    (4, "Importer ID", "", "bad.csv: row 4, field 'Importer ID': empty"),
    (6, "Declaration ID", "T00001", "bad.csv: row 6, field 'Declaration ID': duplicate declaration id 'T00001'"),
])
def test_reader_errors_name_file_row_and_field(tmp_path: Path, row: int, column: str, value: str,
                                               expected: str) -> None:
    with pytest.raises(BadInput) as err:
        read_declarations(_edited(tmp_path, row, column, value))
    assert str(err.value) == expected


def test_reader_missing_column_and_label(tmp_path: Path) -> None:
    text = TRAIN_SMALL.read_text().splitlines()
    path = tmp_path / "nocol.csv"
    path.write_text("\n".join(line.replace("HS6 Code,", "HS Code,", 1) for line in text) + "\n")
    with pytest.raises(BadInput, match=r"^nocol.csv: row 1: missing column\(s\): 'HS6 Code'$"):
        read_declarations(path)
    unlabelled = tmp_path / "unlabelled.csv"
    unlabelled.write_text("\n".join(line.rsplit(",", 2)[0] for line in text) + "\n")
    assert read_declarations(unlabelled).fraud is None  # fine for scoring
    with pytest.raises(BadInput, match=r"missing column\(s\): 'Fraud'"):
        read_declarations(unlabelled, require_label=True)


# -- no leakage ----------------------------------------------------------------------------------------------------

def test_unseen_ids_get_the_prior_and_test_labels_are_never_used() -> None:
    train = read_declarations(TRAIN_SMALL)
    score = read_declarations(SCORE_SMALL)
    enc, matrix = FeatureEncoder.fit(train, seed=0)
    names = enc.feature_names
    x = enc.transform(score)
    new = score.ids.index("S-NEWIMPORTER")  # importer IMPNEW9 appears only in the scored file
    assert x[new, names.index("te:Importer ID")] == pytest.approx(enc.prior)
    assert x[new, names.index("freq:Importer ID")] == 0.0
    bad = score.ids.index("S-BADIMPORTER")  # IMPBAD1: 14 of 14 fraudulent in training, smoothed toward the prior
    assert x[bad, names.index("te:Importer ID")] == pytest.approx((14 + 20 * enc.prior) / (14 + 20))
    # The statistics come from training rows only: flipping every label of the scored file changes nothing.
    flipped = score.take(range(len(score)))
    assert flipped.fraud is not None
    flipped.fraud = 1 - flipped.fraud
    assert np.array_equal(enc.transform(flipped), x)
    # On training rows the encoding is out of fold: a row's own label does not feed its own feature.
    relabelled = train.take(range(len(train)))
    assert relabelled.fraud is not None
    relabelled.fraud[0] = 1 - relabelled.fraud[0]
    _, matrix2 = FeatureEncoder.fit(relabelled, seed=0)
    col = names.index("te:Importer ID")
    assert matrix2[0, col] == matrix[0, col]
    assert not np.array_equal(matrix2[:, col], matrix[:, col])  # ... while other rows do see it


# -- quality on the real data, determinism ------------------------------------------------------------------------

def test_model_beats_random_on_held_out_real_declarations(real: tuple[Declarations, Declarations]) -> None:
    train, test = real
    assert test.fraud is not None and train.fraud is not None
    m = inspection_metrics(train_model(train, seed=0).predict(test), test.fraud)
    # Measured 0.46 (seed 0) and 0.50 (seed 1) at 10 %; random inspection finds the base rate, 0.21.
    assert m["precision@10%"] > 0.38, m
    assert m["precision@5%"] > 0.45, m
    assert m["roc_auc"] > 0.66, m
    # Control: the same pipeline on shuffled training labels has nothing to learn.
    shuffled = train.take(range(len(train)))
    shuffled.fraud = np.random.default_rng(3).permutation(train.fraud)
    control = inspection_metrics(train_model(shuffled, seed=0).predict(test), test.fraud)
    assert control["precision@10%"] < 0.30, control
    assert control["roc_auc"] < 0.56, control


def test_same_seed_same_scores(tmp_path: Path) -> None:
    train = read_declarations(TRAIN_SMALL)
    score = read_declarations(SCORE_SMALL)
    a = train_model(train, seed=5)
    b = train_model(train, seed=5)
    assert np.array_equal(a.predict(score), b.predict(score))
    a.save(tmp_path / "a.model")
    assert np.array_equal(load_model(tmp_path / "a.model").predict(score), a.predict(score))


# -- command line --------------------------------------------------------------------------------------------------

def test_cli_train_score_end_to_end_with_ledger(tmp_path: Path, sqlite_db: Database, settings_for,  # type: ignore[no-untyped-def]
                                                capsys: pytest.CaptureFixture[str]) -> None:
    settings_for(sqlite_db)
    model = tmp_path / "risk.model"
    code, out, err = _cli(capsys, "risk", "train", str(TRAIN_SMALL), "--out", str(model), "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    digest = hashlib.sha256(model.read_bytes()).hexdigest()
    assert doc["model_sha256"] == digest and doc["rows"] == 160
    meta = load_model(model).metadata
    assert meta["training_sha256"] == hashlib.sha256(TRAIN_SMALL.read_bytes()).hexdigest()
    assert meta["rows"] == 160 and "te:Importer ID" in meta["features"] and "scikit-learn" in meta["versions"]

    scored = tmp_path / "scored.csv"
    code, out, err = _cli(capsys, "risk", "score", str(model), str(SCORE_SMALL), "--out", str(scored),
                          "--format", "json")
    assert code == 0, err
    rows = {r["Declaration ID"]: r for r in csv.DictReader(scored.open(newline=""))}
    assert len(rows) == 8 and sorted(int(r["risk_rank"]) for r in rows.values()) == list(range(1, 9))
    reasons = {k: r["risk_reasons"] for k, r in rows.items()}
    assert reasons["S-OVERVALUE"].startswith("unit value 9.6x the median for HS 851762")
    assert "unit value 0.096x the median for HS 851762" in reasons["S-UNDERVALUE"]
    assert "importer's past fraud rate 100 % (14 of 14)" in reasons["S-BADIMPORTER"]
    assert reasons["S-NEWIMPORTER"] == "importer without past declarations"
    assert reasons["S-NEWSELLER"] == "seller new to this importer"
    assert reasons["S-TRANSHIP"] == "shipped from HK, origin CN"
    assert reasons["S-PLAIN1"] == ""
    score = {k: float(r["risk_score"]) for k, r in rows.items()}
    assert score["S-BADIMPORTER"] > max(score["S-PLAIN1"], score["S-PLAIN2"])

    with sqlite_db.session() as session:
        records = [r for r in iter_records(session) if r.kind.startswith("risk.")]
    assert [r.kind for r in records] == ["risk.train", "risk.score"]
    assert json.loads(records[0].payload)["model_sha256"] == digest
    assert json.loads(records[1].payload)["out_sha256"] == hashlib.sha256(scored.read_bytes()).hexdigest()


def test_cli_bad_input_is_one_line_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = tmp_path / "risk.model"
    bad = _edited(tmp_path, 12, "Tax Rate", "eight")
    code, _, err = _cli(capsys, "risk", "train", str(bad), "--out", str(model))
    assert code == 2 and err == "dualcheck: bad.csv: row 12, field 'Tax Rate': not a number: 'eight'\n"
    assert not model.exists()
    assert _cli(capsys, "risk", "train", str(TRAIN_SMALL), "--out", str(model), "--no-ledger")[0] == 0
    out = tmp_path / "scored.csv"
    code, _, err = _cli(capsys, "risk", "score", str(model), str(bad), "--out", str(out))
    assert code == 2 and "row 12, field 'Tax Rate'" in err and not out.exists()
    code, _, err = _cli(capsys, "risk", "score", str(TRAIN_SMALL), str(SCORE_SMALL), "--out", str(out))
    assert code == 2 and err == "dualcheck: train_small.csv: not a dualcheck risk model (UnpicklingError)\n"
    assert not out.exists()


def test_bench_risk_reports_metrics_and_baselines(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _cli(capsys, "bench", "risk", "--train", str(TRAIN_SMALL), "--valid", str(TRAIN_SMALL),
                          "--test", str(SCORE_SMALL), "--no-valid")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["train_rows"] == 160 and doc["metrics"]["rows"] == 8
    assert set(doc["metrics"]) >= {"precision@1%", "precision@5%", "precision@10%", "recall@10%", "roc_auc"}
    assert doc["published_baselines_arXiv_2208_02484"]["LightGBM"]["precision@5%"] == 0.762
    assert doc["training_seconds"] > 0 and doc["scoring_rows_per_second"] > 0
