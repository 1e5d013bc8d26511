"""Training, saving, loading and scoring of the declaration risk model.

The model is scikit-learn's HistGradientBoostingClassifier on the features of
`dualcheck.risk.features`, seeded and with a fixed number of iterations (no early stopping), so the
same training file and seed give the same scores. A saved model is a pickle holding the encoder, the
classifier and metadata (training file sha256, rows, features, library versions). Loading a pickle
runs code: load only model files you made or trust.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import math
import pickle
import platform
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from dualcheck.errors import BadInput
from dualcheck.risk.features import FeatureEncoder
from dualcheck.risk.reader import Declarations

MODEL_FORMAT = "dualcheck-risk-model/1"
RATES = (0.01, 0.05, 0.10)
# Published on the same split (arXiv 2208.02484, Table 3; HS10 version of the data): precision at 5 % / 10 %.
PUBLISHED_BASELINES = {
    "LightGBM": {"precision@5%": 0.762, "precision@10%": 0.641},
    "XGBoost": {"precision@5%": 0.675, "precision@10%": 0.579},
    "logistic regression": {"precision@5%": 0.258, "precision@10%": 0.248},
    "random": {"precision@5%": 0.216, "precision@10%": 0.216},
}
DEFAULT_PARAMS: dict[str, Any] = {
    "learning_rate": 0.05, "max_iter": 300, "max_leaf_nodes": 31, "min_samples_leaf": 40,
    "l2_regularization": 1.0, "early_stopping": False,
}


def _versions() -> dict[str, str]:
    import scipy
    import sklearn

    from dualcheck import __version__
    return {"dualcheck": __version__, "scikit-learn": sklearn.__version__, "numpy": np.__version__,
            "scipy": scipy.__version__, "python": platform.python_version()}


@dataclass
class RiskModel:
    encoder: FeatureEncoder
    classifier: Any
    metadata: dict[str, Any]

    def predict(self, d: Declarations) -> np.ndarray:
        """Fraud probability per declaration."""
        return np.asarray(self.classifier.predict_proba(self.encoder.transform(d))[:, 1], dtype=np.float64)

    def to_bytes(self) -> bytes:
        buf = io.BytesIO()
        pickle.dump({"format": MODEL_FORMAT, "metadata": self.metadata, "encoder": self.encoder,
                     "classifier": self.classifier}, buf, protocol=pickle.HIGHEST_PROTOCOL)
        return buf.getvalue()

    def save(self, path: Path) -> str:
        """Write the model atomically; returns the file's sha256."""
        data = self.to_bytes()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        tmp.write_bytes(data)
        tmp.replace(path)
        return hashlib.sha256(data).hexdigest()


def load_model(path: Path) -> RiskModel:
    if not path.is_file():
        raise BadInput("model file not found", source=str(path))
    try:
        with path.open("rb") as fh:
            doc = pickle.load(fh)  # our own model format: see the module docstring
    except Exception as exc:
        raise BadInput(f"not a dualcheck risk model ({type(exc).__name__})", source=path.name) from None
    if not isinstance(doc, dict) or doc.get("format") != MODEL_FORMAT:
        raise BadInput(f"not a dualcheck risk model (expected format {MODEL_FORMAT})", source=path.name)
    return RiskModel(encoder=doc["encoder"], classifier=doc["classifier"], metadata=doc["metadata"])


def train_model(train: Declarations, *, seed: int = 0, params: dict[str, Any] | None = None) -> RiskModel:
    """Fit the encoder and the classifier on labelled declarations."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    if train.fraud is None:
        raise BadInput("training needs the 'Fraud' column", source=train.source)
    if len(set(train.fraud.tolist())) < 2:
        raise BadInput("training needs both fraud (1) and clean (0) declarations", source=train.source)
    started = time.perf_counter()
    encoder, matrix = FeatureEncoder.fit(train, seed=seed)
    settings = {**DEFAULT_PARAMS, **(params or {})}
    classifier = HistGradientBoostingClassifier(random_state=seed, **settings)
    classifier.fit(matrix, train.fraud.astype(np.int64))
    metadata = {
        "format": MODEL_FORMAT,
        "trained_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "training_files": train.source, "training_sha256": train.sha256, "rows": len(train),
        "fraud_rate": round(float(train.fraud.mean()), 6), "seed": seed, "params": settings,
        "features": encoder.feature_names, "versions": _versions(),
        "date_range": [min(train.dates).isoformat(), max(train.dates).isoformat()],
        "training_seconds": round(time.perf_counter() - started, 3),
    }
    return RiskModel(encoder=encoder, classifier=classifier, metadata=metadata)


def ranks(scores: np.ndarray) -> np.ndarray:
    """Rank 1 = highest score; ties keep file order."""
    order = np.argsort(-scores, kind="stable")
    out = np.empty(len(scores), dtype=np.int64)
    out[order] = np.arange(1, len(scores) + 1)
    return out


def inspection_metrics(scores: np.ndarray, labels: np.ndarray, rates: tuple[float, ...] = RATES) -> dict[str, Any]:
    """Precision and recall when inspecting the top `rate` share of declarations, and ROC AUC."""
    from sklearn.metrics import roc_auc_score

    order = np.argsort(-scores, kind="stable")
    positives = int(labels.sum())
    doc: dict[str, Any] = {"rows": len(labels), "fraud_rate": round(float(labels.mean()), 4)}
    for rate in rates:
        k = max(1, math.ceil(rate * len(labels)))
        hits = int(labels[order[:k]].sum())
        pct = f"{round(rate * 100)}%"
        doc[f"precision@{pct}"] = round(hits / k, 4)
        doc[f"recall@{pct}"] = round(hits / positives, 4) if positives else None
        doc[f"inspected@{pct}"] = k
    doc["roc_auc"] = round(float(roc_auc_score(labels, scores)), 4) if 0 < positives < len(labels) else None
    return doc
