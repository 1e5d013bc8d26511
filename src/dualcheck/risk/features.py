"""Feature engineering for declaration risk, fitted on training rows only.

Everything learned from labels or from the distribution of values (target encodings, frequencies,
unit-value medians per HS code) is computed from the training declarations alone and stored in the
`FeatureEncoder`; rows scored later (validation, test, a new file) only look those statistics up.
An id never seen in training gets the prior fraud rate and a frequency of 0.

On the training rows themselves the target encodings are out-of-fold (K folds, seeded), so a row's
own label never feeds its own feature; frequencies there count the *other* training rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from dualcheck.risk.reader import CATEGORICAL_COLUMNS, Declarations

SMOOTHING = 20.0  # pseudo-count of the prior in the smoothed target encoding
MIN_GROUP = 5  # rows an HS code needs in training before its median unit value is trusted

# Keys encoded by target rate and frequency: every categorical column, HS2/HS4 prefixes and a few pairs.
PAIRS: dict[str, tuple[str, str]] = {
    "Importer-Seller": ("Importer ID", "Seller ID"),
    "Importer-HS6": ("Importer ID", "HS6 Code"),
    "Importer-Declarant": ("Importer ID", "Declarant ID"),
    "Origin-HS6": ("Country of Origin", "HS6 Code"),
}
DERIVED = ("HS2", "HS4")
ENCODED_KEYS: tuple[str, ...] = (*CATEGORICAL_COLUMNS, *DERIVED, *PAIRS)


def key_values(d: Declarations, key: str) -> list[str]:
    """The string value of an encoded key for every row."""
    if key in d.categorical:
        return d.categorical[key]
    if key == "HS2":
        return [h[:2] for h in d.categorical["HS6 Code"]]
    if key == "HS4":
        return [h[:4] for h in d.categorical["HS6 Code"]]
    left, right = PAIRS[key]
    return [f"{a}|{b}" for a, b in zip(d.categorical[left], d.categorical[right], strict=True)]


def log_unit_value(d: Declarations) -> np.ndarray:
    """log((Item Price + 1) / (Net Mass + 1)): price per kg on a log scale, defined for zeros."""
    return np.log1p(d.numeric["Item Price"]) - np.log1p(d.numeric["Net Mass"])


@dataclass
class KeyStats:
    counts: dict[str, int] = field(default_factory=dict)
    positives: dict[str, int] = field(default_factory=dict)

    @staticmethod
    def fit(values: list[str], labels: np.ndarray) -> KeyStats:
        stats = KeyStats()
        for value, label in zip(values, labels.tolist(), strict=True):
            stats.counts[value] = stats.counts.get(value, 0) + 1
            stats.positives[value] = stats.positives.get(value, 0) + int(label)
        return stats

    def encode(self, values: list[str], prior: float) -> tuple[np.ndarray, np.ndarray]:
        """(smoothed fraud rate, count) per value; unseen values get (prior, 0)."""
        counts = np.fromiter((self.counts.get(v, 0) for v in values), dtype=np.float64, count=len(values))
        pos = np.fromiter((self.positives.get(v, 0) for v in values), dtype=np.float64, count=len(values))
        return (pos + SMOOTHING * prior) / (counts + SMOOTHING), counts


@dataclass
class FeatureEncoder:
    """Statistics learned from the training declarations; `transform` builds the feature matrix."""

    prior: float = 0.0
    stats: dict[str, KeyStats] = field(default_factory=dict)
    median_luv: dict[str, dict[str, float]] = field(default_factory=dict)  # "HS6"/"HS4"/"HS2" -> code -> median
    group_sizes: dict[str, dict[str, int]] = field(default_factory=dict)
    global_median_luv: float = 0.0
    rows: int = 0

    @property
    def feature_names(self) -> list[str]:
        names = ["log_item_price", "log_net_mass", "log_unit_value", "tax_rate", "departure_ne_origin",
                 "unit_value_vs_hs_median", "weekday", "day_of_month", "seller_missing", "courier_missing"]
        for key in ENCODED_KEYS:
            names += [f"te:{key}", f"freq:{key}"]
        return names

    # -- fitting ---------------------------------------------------------------------------------
    @staticmethod
    def fit(train: Declarations, *, seed: int = 0, folds: int = 5) -> tuple[FeatureEncoder, np.ndarray]:
        """Learn the statistics from `train`; returns the encoder and the (out-of-fold) training matrix."""
        if train.fraud is None:
            raise ValueError("training declarations need the Fraud label")
        labels = train.fraud.astype(np.int64)
        enc = FeatureEncoder(prior=float(labels.mean()), rows=len(train))
        values = {key: key_values(train, key) for key in ENCODED_KEYS}
        for key in ENCODED_KEYS:
            enc.stats[key] = KeyStats.fit(values[key], labels)
        luv = log_unit_value(train)
        enc.global_median_luv = float(np.median(luv))
        for level, width in (("HS6", 6), ("HS4", 4), ("HS2", 2)):
            groups: dict[str, list[float]] = {}
            for code, value in zip(train.categorical["HS6 Code"], luv.tolist(), strict=True):
                groups.setdefault(code[:width], []).append(value)
            enc.median_luv[level] = {k: float(np.median(v)) for k, v in groups.items()}
            enc.group_sizes[level] = {k: len(v) for k, v in groups.items()}

        # The training matrix: out-of-fold target encodings, frequencies of the other rows.
        matrix = enc._base_features(train)
        rng = np.random.default_rng(seed)
        fold_of = rng.permutation(len(train)) % folds
        columns = []
        for key in ENCODED_KEYS:
            te = np.empty(len(train))
            for k in range(folds):
                inside = fold_of == k
                idx_out = np.flatnonzero(~inside)
                fold_stats = KeyStats.fit([values[key][i] for i in idx_out], labels[idx_out])
                fold_prior = float(labels[idx_out].mean())
                idx_in = np.flatnonzero(inside)
                te[idx_in], _ = fold_stats.encode([values[key][i] for i in idx_in], fold_prior)
            _, counts = enc.stats[key].encode(values[key], enc.prior)
            columns += [te, np.log1p(counts - 1.0)]
        return enc, np.column_stack([matrix, *columns])

    # -- applying --------------------------------------------------------------------------------
    def _base_features(self, d: Declarations) -> np.ndarray:
        luv = log_unit_value(d)
        dep = d.categorical["Country of Departure"]
        org = d.categorical["Country of Origin"]
        return np.column_stack([
            np.log1p(d.numeric["Item Price"]), np.log1p(d.numeric["Net Mass"]), luv, d.numeric["Tax Rate"],
            np.fromiter((a != b for a, b in zip(dep, org, strict=True)), dtype=np.float64, count=len(d)),
            luv - self.reference_luv(d)[0],
            np.fromiter((x.weekday() for x in d.dates), dtype=np.float64, count=len(d)),
            np.fromiter((x.day for x in d.dates), dtype=np.float64, count=len(d)),
            np.fromiter((not s for s in d.categorical["Seller ID"]), dtype=np.float64, count=len(d)),
            np.fromiter((not s for s in d.categorical["Courier ID"]), dtype=np.float64, count=len(d)),
        ])

    def reference_luv(self, d: Declarations) -> tuple[np.ndarray, list[str]]:
        """Median training log unit value for each row's HS6 (falling back to HS4, HS2, all) and its label."""
        out = np.empty(len(d))
        labels: list[str] = []
        for i, code in enumerate(d.categorical["HS6 Code"]):
            for level, width in (("HS6", 6), ("HS4", 4), ("HS2", 2)):
                part = code[:width]
                if self.group_sizes[level].get(part, 0) >= MIN_GROUP:
                    out[i] = self.median_luv[level][part]
                    labels.append(f"HS {part}")
                    break
            else:
                out[i] = self.global_median_luv
                labels.append("all goods")
        return out, labels

    def transform(self, d: Declarations) -> np.ndarray:
        """The feature matrix for declarations not used in fitting (full-training statistics)."""
        columns = [self._base_features(d)]
        for key in ENCODED_KEYS:
            te, counts = self.stats[key].encode(key_values(d, key), self.prior)
            columns += [te[:, None], np.log1p(counts)[:, None]]
        return np.hstack(columns)

    # -- red flags -------------------------------------------------------------------------------
    def reasons(self, d: Declarations, *, top: int = 3) -> list[list[str]]:
        """Human-readable red flags per row, strongest first (at most `top`)."""
        luv = log_unit_value(d)
        ref, ref_labels = self.reference_luv(d)
        prior = max(self.prior, 1e-9)
        rate_keys = (("Importer ID", "importer"), ("Declarant ID", "declarant"), ("Seller ID", "seller"),
                     ("HS6 Code", "HS code"), ("Country of Origin", "origin country"))
        key_vals = {key: d.categorical[key] for key, _ in rate_keys}
        pairs = key_values(d, "Importer-Seller")
        out: list[list[str]] = []
        for i in range(len(d)):
            flags: list[tuple[float, str]] = []
            ratio = math.exp(luv[i] - ref[i])
            if ratio >= 3.0:
                flags.append((math.log(ratio) / math.log(3.0),
                              f"unit value {ratio:.1f}x the median for {ref_labels[i]}"))
            elif ratio <= 1 / 3:
                flags.append((-math.log(ratio) / math.log(3.0),
                              f"unit value {ratio:.2g}x the median for {ref_labels[i]}"))
            for key, word in rate_keys:
                value = key_vals[key][i]
                if not value:
                    continue
                n = self.stats[key].counts.get(value, 0)
                p = self.stats[key].positives.get(value, 0)
                if n >= 3 and p / n >= max(2 * prior, 0.4):
                    flags.append((p / n / prior, f"{word}'s past fraud rate {round(100 * p / n)} % ({p} of {n})"))
            importer = d.categorical["Importer ID"][i]
            if self.stats["Importer ID"].counts.get(importer, 0) == 0:
                flags.append((1.0, "importer without past declarations"))
            elif d.categorical["Seller ID"][i] and self.stats["Importer-Seller"].counts.get(pairs[i], 0) == 0:
                flags.append((1.0, "seller new to this importer"))
            dep, org = d.categorical["Country of Departure"][i], d.categorical["Country of Origin"][i]
            if dep != org:
                flags.append((0.5, f"shipped from {dep}, origin {org}"))
            flags.sort(key=lambda f: -f[0])
            out.append([text for _, text in flags[:top]])
        return out
