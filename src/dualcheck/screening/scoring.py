"""Scoring: the configured feature list applied to a query and a listed entity.

In the spirit of nomenklatura's logic_v2: the score is the best main feature (name, weak alias,
identifier) times its weight, plus every qualifier (dates, countries, gender, type) times its
weight, clamped to [0, 1]. The explanation is the same list: what each feature measured and
what it contributed.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from dualcheck.errors import ConfigError
from dualcheck.screening.config import ScoringConfig, default_config
from dualcheck.screening.features import FEATURES, IDLE_WITHOUT_DATA, Context, Detail, Feature, qualifiers_idle
from dualcheck.screening.names import NameComparison
from dualcheck.screening.subjects import Subject
from dualcheck.screening.tokens import TokenWeights, default_weights


@dataclass(frozen=True, slots=True)
class Contribution:
    feature: str
    value: float
    weight: float
    contribution: float
    raw_detail: Detail

    @property
    def detail(self) -> str:
        return self.raw_detail if isinstance(self.raw_detail, str) else self.raw_detail()

    def as_dict(self) -> dict[str, Any]:
        return {"feature": self.feature, "value": round(self.value, 4), "weight": self.weight,
                "contribution": round(self.contribution, 4), "detail": self.detail}


@dataclass(frozen=True, slots=True)
class Scored:
    score: float
    query_name: str
    matched_name: str
    name: NameComparison
    explanation: tuple[Contribution, ...]


class Scorer:
    """A compiled scoring configuration: resolve feature names once, then score many pairs."""

    def __init__(self, config: ScoringConfig | None = None, weights: TokenWeights | None = None) -> None:
        self.config = config or default_config()
        self.weights = weights or default_weights()
        self.params = self.config.name_params()
        unknown = [f.name for f in self.config.features if f.name not in FEATURES]
        if unknown:
            raise ConfigError(f"scoring configuration {self.config.version}: unknown feature {unknown[0]!r}")
        self.mains: list[tuple[str, float, Feature]] = [
            (f.name, f.weight, FEATURES[f.name]) for f in self.config.features if not f.qualifier]
        self.qualifiers: list[tuple[str, float, Feature]] = [
            (f.name, f.weight, FEATURES[f.name]) for f in self.config.features if f.qualifier]
        # most pairs (names alone, or facts on one side only) give the qualifiers nothing to measure
        self.skip_idle_qualifiers = all(name in IDLE_WITHOUT_DATA for name, _, _ in self.qualifiers)

    def score(self, query: Subject, listed: Subject) -> Scored:
        ctx = Context(query=query, listed=listed, weights=self.weights, params=self.params)
        parts: list[Contribution] = []
        main = 0.0
        for name, weight, func in self.mains:
            measured = func(ctx)
            if measured.value > 0:
                contribution = measured.value * weight
                parts.append(Contribution(name, measured.value, weight, contribution, measured.detail))
                main = max(main, contribution)
        if main <= 0:
            return Scored(0.0, ctx.best_pair[0], ctx.best_pair[1], ctx.best_name, tuple(parts))
        total = main
        if self.skip_idle_qualifiers and qualifiers_idle(query, listed):
            return Scored(max(0.0, min(1.0, total)), ctx.best_pair[0], ctx.best_pair[1], ctx.best_name, tuple(parts))
        for name, weight, func in self.qualifiers:
            measured = func(ctx)
            if measured.value > 0:
                contribution = measured.value * weight
                total += contribution
                parts.append(Contribution(name, measured.value, weight, contribution, measured.detail))
        return Scored(max(0.0, min(1.0, total)), ctx.best_pair[0], ctx.best_pair[1], ctx.best_name, tuple(parts))


@lru_cache(maxsize=1)
def default_scorer() -> Scorer:
    return Scorer()
