"""Classification assistance: rank Annex I provisions for a free-text product description.

Retrieval is BM25 over every item provision, each indexed with its own text (counted twice)
and the text of its ancestors and entry heading (so "as follows:" sub-items inherit their
context). The query is normalised (spelling variants, vendor vocabulary from
``data/vocabulary.yaml``, light stemming) and words missing from the annex vocabulary are
mapped to the closest annex word by fuzzy matching (rapidfuzz), which catches typos and
variants ("fibers", "sterilizable"). Numbers with units in the description are checked against
the thresholds of the candidate sub-items (`parameters`), which moves a sub-item whose criteria
are met up and one whose criteria are clearly not met down.

Scores are normalised to 0..1: the BM25 score divided by the score a document would get if it
matched every known query word at saturation. A description whose best candidate scores below
`NOT_LISTED_THRESHOLD` is reported as probably not listed ("NLR"); the bench inserts that NLR
pseudo-candidate at the rank where the scores drop below the threshold.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import yaml
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

if TYPE_CHECKING:
    from dualcheck.controls.catalog import ControlCatalog, Provision

NOT_LISTED_THRESHOLD = 0.2
MAX_PER_ENTRY = 2
UNKNOWN_WORD_WEIGHT = 1.0
K1, B = 1.2, 0.75
_TOKEN_RE = re.compile(r"[a-z0-9][a-z0-9\-]*[a-z0-9]|[a-z0-9]")
STOPWORDS = frozenset("""
a all an and any are as at be being both by capable designed e either equal exceeding following
following: for from g has have having i ie in include includes including into is it its less
modified more not of on one or other per specially specified such than that the their therefor
therefore these this those to up used using via which with without
""".split())  # noqa: SIM905 - a word list reads better as text


@dataclass(frozen=True)
class Candidate:
    code: str
    entry: str
    score: float
    title: str
    why: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "entry": self.entry, "score": self.score, "title": self.title, "why": self.why}


@cache
def _vocabulary() -> tuple[dict[str, str], list[tuple[str, str]]]:
    with (Path(__file__).parent / "data" / "vocabulary.yaml").open(encoding="utf-8") as fh:
        doc = yaml.safe_load(fh)
    synonyms = sorted(((k.lower(), v.lower()) for k, v in (doc.get("synonyms") or {}).items()),
                      key=lambda kv: -len(kv[0]))
    return {k.lower(): v.lower() for k, v in (doc.get("spelling") or {}).items()}, synonyms


def stem(word: str) -> str:
    """A light English stemmer: enough to fold plurals and common suffixes together."""
    for suffix, repl in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("ers", "er"), ("es", "e"), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith(("ss", "us", "is")):
            return word[: len(word) - len(suffix)] + repl
    return word


def tokens(text: str) -> list[str]:
    spelling, _ = _vocabulary()
    out = []
    for raw in _TOKEN_RE.findall(text.lower().replace("µ", "u")):
        word = spelling.get(raw, raw)
        if word in STOPWORDS or (word.isdigit() and len(word) < 3):
            continue
        out.append(stem(word))
    return out


def expand_query(text: str) -> str:
    """Append the annex wording of vendor terms found in the description (phrases first)."""
    _, synonyms = _vocabulary()
    low = " " + re.sub(r"\s+", " ", text.lower()) + " "
    extra = []
    for phrase, annex_words in synonyms:
        if re.search(r"(?<![a-z0-9])" + re.escape(phrase) + r"(?![a-z0-9])", low):
            extra.append(annex_words)
    return text + (" " + " ".join(extra) if extra else "")


class ClassifierIndex:
    """BM25 index over the item provisions of one catalog (built once, read-only afterwards)."""

    def __init__(self, catalog: ControlCatalog) -> None:
        self.catalog = catalog
        self.codes: list[str] = []
        doc_terms: list[Counter[str]] = []
        for code, provision in catalog.provisions.items():
            if provision.text.strip().lower().startswith(("not used", "[reserved]")):
                continue
            context = " ".join(catalog.provisions[a].text for a in provision.path)
            counts = Counter(tokens(provision.text) * 2 + tokens(context))
            self.codes.append(code)
            doc_terms.append(counts)
        lengths = np.array([sum(c.values()) for c in doc_terms], dtype=np.float64)
        self.avg_len = float(lengths.mean()) if len(lengths) else 1.0
        self.norm = K1 * (1 - B + B * lengths / self.avg_len)
        postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for i, counts in enumerate(doc_terms):
            for term, tf in counts.items():
                postings[term].append((i, tf))
        n = len(self.codes)
        self.postings = {t: (np.array([d for d, _ in p]), np.array([f for _, f in p], dtype=np.float64))
                         for t, p in postings.items()}
        self.idf = {t: math.log(1 + (n - len(p) + 0.5) / (len(p) + 0.5)) for t, p in postings.items()}
        self.vocabulary = sorted(self.postings)
        self.max_idf = math.log(1 + (n + 0.5) / 1.5) * (K1 + 1)
        self.position = {code: i for i, code in enumerate(self.codes)}
        self._fuzzy_memo: dict[str, str | None] = {}

    def _known(self, word: str) -> str | None:
        """The annex word for a query word: itself, or the closest annex word (typos, variants)."""
        if word in self.postings:
            return word
        if len(word) < 5 or word.isdigit():
            return None
        if word not in self._fuzzy_memo:  # the fuzzy scan over the vocabulary is the slow part of a query
            match = process.extractOne(word, self.vocabulary, scorer=Levenshtein.normalized_similarity,
                                       score_cutoff=0.8)
            self._fuzzy_memo[word] = match[0] if match else None
        return self._fuzzy_memo[word]

    def classify(self, text: str, top: int = 5) -> list[Candidate]:
        from dualcheck.controls.parameters import extract_quantities, match_quantities

        query_terms: dict[str, str] = {}
        unknown: set[str] = set()
        for word in tokens(expand_query(text)):
            known = self._known(word)
            if known is not None:
                query_terms.setdefault(known, word)
            elif word.isalpha():
                unknown.add(word)
        if not query_terms:
            return []
        scores = np.zeros(len(self.codes))
        best_possible = 0.0
        for term in query_terms:
            docs, tf = self.postings[term]
            idf = self.idf[term]
            scores[docs] += idf * tf * (K1 + 1) / (tf + self.norm[docs])
            best_possible += idf * (K1 + 1)
        # words the annex never uses count against every provision: a description made mostly of
        # them (furniture, food, clothing) is probably not about a listed item
        best_possible += len(unknown) * UNKNOWN_WORD_WEIGHT * self.max_idf
        scores /= best_possible
        quantities = extract_quantities(text)
        order = np.argsort(-scores)[: max(60, top * 12)]
        scored: list[tuple[float, str, dict[str, Any]]] = []
        for i in order:
            if scores[i] <= 0:
                break
            code = self.codes[i]
            provision = self.catalog.provisions[code]
            score = float(scores[i])
            evidence: dict[str, Any] = {}
            if quantities:
                verdict = match_quantities(provision, quantities)
                if verdict:
                    evidence = verdict
                    score *= 1.25 if verdict["met"] else 0.8
            scored.append((score, code, evidence))
        scored.sort(key=lambda t: -t[0])
        return [self._candidate(code, score, query_terms, evidence)
                for score, code, evidence in _diverse(scored, top, self.catalog)]

    def _candidate(self, code: str, score: float, query_terms: dict[str, str],
                   evidence: dict[str, Any]) -> Candidate:
        provision: Provision = self.catalog.provisions[code]
        own = set(tokens(provision.text))
        context = set(tokens(" ".join(self.catalog.provisions[a].text for a in provision.path)))
        matched = sorted(query_terms[t] if query_terms[t] == t else f"{query_terms[t]}~{t}"
                         for t in query_terms if t in own or t in context)
        why: dict[str, Any] = {"matched_terms": matched, "path": [*provision.path, code], "text": provision.text,
                               "entry_text": provision.title, "regime": provision.regime}
        if evidence:
            why["parameters"] = evidence
        return Candidate(code, provision.entry, round(min(score, 1.0), 4), provision.text, why)


def _diverse(scored: list[tuple[float, str, dict[str, Any]]], top: int,
             catalog: ControlCatalog) -> list[tuple[float, str, dict[str, Any]]]:
    """Best first, at most two provisions per entry and never one inside another's branch.

    Of a provision and its ancestor scoring about as well, the more specific one is kept.
    """
    picked: list[tuple[float, str, dict[str, Any]]] = []
    per_entry: Counter[str] = Counter()
    for score, code, evidence in scored:
        entry = catalog.provisions[code].entry
        if per_entry[entry] >= MAX_PER_ENTRY:
            continue
        related = next((i for i, (_, other, _) in enumerate(picked)
                        if code.startswith(other + ".") or other.startswith(code + ".")), None)
        if related is not None:
            other_score, other_code, _ = picked[related]
            if code.startswith(other_code + ".") and score >= other_score * 0.98:
                picked[related] = (other_score, code, evidence)  # the deeper provision, the better score
            continue
        picked.append((score, code, evidence))
        per_entry[entry] += 1
        if len(picked) >= top:
            break
    return picked


def not_listed_rank(candidates: list[Candidate], threshold: float = NOT_LISTED_THRESHOLD) -> int:
    """Where the "not listed" answer ranks: the number of candidates scoring at or above the threshold."""
    return sum(1 for c in candidates if c.score >= threshold)
