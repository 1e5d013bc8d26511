"""How much a name token counts: rare and long tokens count fully, common and short ones less.

The document frequencies of common tokens are data (``data/token_frequencies.json``), computed
from the public sanctions lists by ``benchmarks/screening/make_token_frequencies.py``, so that
"Mohammed", "Bank" or "Trading" cannot make a match on their own, whichever lists are loaded.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

FREQUENCIES_FILE = Path(__file__).resolve().parent / "data" / "token_frequencies.json"
LENGTH_BASE = {1: 0.3, 2: 0.5, 3: 0.8}


class TokenWeights:
    """Token -> weight in (0, 1]; a token absent from the frequency table is taken as rare."""

    def __init__(self, frequencies: dict[str, int], total_names: int, *, floor: float = 0.3) -> None:
        self.frequencies = frequencies
        self.total_names = max(total_names, 2)
        self.floor = floor
        self._cache = _WeightCache(self._computed)

    @property
    def lookup(self) -> Callable[[str], float]:
        """``weight`` as a plain dictionary look-up (computed on a miss): the name comparison asks
        for the weight of every token it pairs, and a method call per token cost more than the rest."""
        return self._cache.__getitem__

    def rarity(self, token: str) -> float:
        """1.0 for a token seen once, towards 0 for a token in every name."""
        df = self.frequencies.get(token)
        if not df:
            return 1.0
        return max(0.0, math.log(self.total_names / df) / math.log(self.total_names))

    def weight(self, token: str) -> float:
        return self._cache[token]

    def _computed(self, token: str) -> float:
        base = 1.0 if token.isdigit() else LENGTH_BASE.get(len(token), 1.0)
        return base * (self.floor + (1 - self.floor) * self.rarity(token))


class _WeightCache(dict[str, float]):
    """Token -> weight, each computed on its first look-up."""

    def __init__(self, compute: Callable[[str], float]) -> None:
        super().__init__()
        self.compute = compute

    def __missing__(self, token: str) -> float:
        value = self[token] = self.compute(token)
        return value


@lru_cache(maxsize=1)
def default_weights() -> TokenWeights:
    doc = json.loads(FREQUENCIES_FILE.read_text(encoding="utf-8"))
    return TokenWeights({str(k): int(v) for k, v in doc["frequencies"].items()}, int(doc["names"]))
