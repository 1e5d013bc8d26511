"""Classification assistance: rank Annex I provisions for a free-text product description.

1. The text is normalised (`text.normalise`: NFKC, µ/μ, super/subscripts, ≤ ≥ ±). A German
   description is given the English annex terms of the German words it uses (`data/german.yaml`,
   each row citing the annex term).
2. Retrieval is BM25 over every item provision, indexed with its own text (counted twice), its
   ancestors' text, the definitions of the terms it quotes, its technical notes and the wording
   of the same item in the Wassenaar list and the US CCL where those texts agree with it. Word
   pairs are indexed too, so "machine tool" counts above "machine" and "tool" apart. The query
   is expanded with the annex's own acronym list and `data/vocabulary.yaml` (each entry naming
   the annex term it stands for); words the annex never uses are neutral, so brands, model
   numbers and marketing neither help nor hurt.
3. Parameters first: every quantity of the description (`quantities.extract_quantities`) is
   compared, kind with kind, with the thresholds of each candidate and its sub-items (the same
   evaluation as `controls check`). A met threshold lifts the candidate and points to the
   sub-item met; a candidate whose every alternative fails a stated threshold drops.
4. "Not listed" (NLR) is an answer only on positive evidence (`not_listed`): no annex term at all,
   every strong candidate failing its stated thresholds, or a release cue (e.g. a mass-market
   product) on the leading candidate. Weak evidence gives "needs a classification review" with
   NLR second, never a silent NLR.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import yaml
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from dualcheck.controls.text import looks_german, normalise

if TYPE_CHECKING:
    from dualcheck.controls.catalog import ControlCatalog, Provision
    from dualcheck.controls.quantities import Stated

MAX_PER_ENTRY = 2
SIBLING_TIE = 0.8  # sub-items of one entry scoring within this share are merged into their common parent
K1, B = 1.2, 0.75
PARALLEL_AGREEMENT = 60  # token-set similarity (0..100) above which a US/Wassenaar text is taken as the same item
_TOKEN_RE = re.compile(r"[a-z0-9äöüß][a-z0-9äöüß\-]*[a-z0-9äöüß]|[a-z0-9]")
STOPWORDS = frozenset("""
a all an and any are as at be being both by capable designed e either equal exceeding following
following: for from g has have having i ie in include includes including into is it its less
modified more not of on one or other per specially specified such than that the their therefor
therefore these this those to up used using via which with without
two three four five six seven eight nine ten
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


@dataclass
class Classification:
    """Ranked candidates and where "not listed" stands among them, with the reasons."""

    candidates: list[Candidate]
    nlr_rank: int  # 1-based position of NLR among the answers; len(candidates) + 1 = after all of them
    nlr_reasons: list[str]
    review: bool  # evidence too weak for a confident suggestion: a classification review is needed
    quantities: list[dict[str, Any]] = field(default_factory=list)

    def ranked(self) -> list[str]:
        from dualcheck.controls.codes import NOT_LISTED

        codes = [c.code for c in self.candidates]
        codes.insert(min(self.nlr_rank - 1, len(codes)), NOT_LISTED)
        return codes


# --- vocabulary ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Vocabulary:
    spelling: dict[str, str]
    synonyms: list[tuple[re.Pattern[str], str]]  # phrase -> annex words, longest phrase first
    german: list[tuple[str, str]]  # German stem -> annex words, longest first
    release_cues: list[tuple[re.Pattern[str], str, str]]  # phrase -> (category prefix, note cited)


def _load_yaml(name: str) -> dict[str, Any]:
    with (Path(__file__).parent / "data" / name).open(encoding="utf-8") as fh:
        doc: dict[str, Any] = yaml.safe_load(fh)
    return doc


def _phrase_re(phrase: str) -> re.Pattern[str]:
    return re.compile(r"(?<![a-z0-9äöüß])" + re.escape(phrase) + r"(?![a-z0-9äöüß])")


def _required(row: dict[str, Any], keys: tuple[str, ...], where: str) -> None:
    missing = [k for k in keys if not row.get(k)]
    if missing:
        raise ValueError(f"{where}: row {row!r} lacks {', '.join(missing)}")


@cache
def vocabulary() -> Vocabulary:
    doc = _load_yaml("vocabulary.yaml")
    synonyms: list[tuple[str, str]] = []
    for row in doc.get("synonyms") or []:
        _required(row, ("term", "annex", "where", "basis"), "vocabulary.yaml synonyms")
        synonyms.append((str(row["term"]).lower(), str(row["annex"]).lower()))
    cues = []
    for row in doc.get("release_cues") or []:
        _required(row, ("term", "categories", "note"), "vocabulary.yaml release_cues")
        cues.append((_phrase_re(str(row["term"]).lower()), str(row["categories"]), str(row["note"])))
    german = []
    for row in _load_yaml("german.yaml").get("terms") or []:
        _required(row, ("de", "annex", "where"), "german.yaml")
        de = str(row["de"]).lower()
        for variant in {de, de.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")}:
            german.append((variant, str(row["annex"]).lower()))
    synonyms.sort(key=lambda kv: -len(kv[0]))
    german.sort(key=lambda kv: -len(kv[0]))
    return Vocabulary({k.lower(): v.lower() for k, v in (doc.get("spelling") or {}).items()},
                      [(_phrase_re(k), v) for k, v in synonyms], german, cues)


def stem(word: str) -> str:
    """A light English stemmer: enough to fold plurals and common suffixes together."""
    for suffix, repl in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("ers", "er"), ("es", "e"), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and not word.endswith(("ss", "us", "is")):
            return word[: len(word) - len(suffix)] + repl
    return word


def tokens(text: str) -> list[str]:
    """Stemmed words without stop words; a hyphenated compound also yields its parts."""
    spelling = vocabulary().spelling
    out = []
    for raw in _TOKEN_RE.findall(normalise(text).lower().replace("µ", "u")):
        pieces = [raw] + ([p for p in raw.split("-") if len(p) >= 3] if "-" in raw else [])
        for piece in pieces:
            word = spelling.get(piece, piece)
            if word in STOPWORDS or (word.isdigit() and len(word) < 3) or word in _UNIT_WORDS:
                continue
            out.append(stem(word))
    return out


# unit symbols typed as words ("4 um", "2 kW") say nothing about the product, only about its numbers
_UNIT_WORDS = frozenset({"um", "nm", "mm", "cm", "km", "kw", "mw", "gw", "hz", "khz", "mhz", "ghz", "thz", "kv",
                         "ma", "kn", "mpa", "gpa", "kpa", "pa", "kj", "mj", "ns", "ps", "fs", "ms", "us", "dbm", "db",
                         "ppm", "kg", "mg", "ml", "min", "rpm", "gsps", "msps", "mbps", "gbps", "w", "v", "a", "s",
                         "m", "l", "h", "k", "g", "t", "j", "n"})


def bigrams(words: list[str]) -> list[str]:
    return [f"{a}_{b}" for a, b in pairwise(words) if a.isalpha() and b.isalpha()]


def _german_terms(low: str) -> list[str]:
    """English annex words for the German words of a description (compounds matched by their parts)."""
    found: list[str] = []
    taken: list[tuple[int, int]] = []
    for de, annex in vocabulary().german:
        for m in re.finditer(re.escape(de), low):
            if not any(a < m.end() and m.start() < b for a, b in taken):
                taken.append(m.span())
                found.append(annex)
    return found


def expand_query(text: str, acronyms: dict[str, str] | None = None) -> str:
    """The description plus the annex wording of the vendor, acronym and German terms it uses."""
    low = " " + re.sub(r"\s+", " ", normalise(text).lower()) + " "
    extra = [annex for pattern, annex in vocabulary().synonyms if pattern.search(low)]
    if acronyms:
        extra += [acronyms[w] for w in re.findall(r"[a-z][a-z0-9\-]{1,9}", low) if w in acronyms]
    german = _german_terms(low)
    if looks_german(text) or any(len(de) >= 12 and de in low for de, _ in vocabulary().german):
        extra += german
    return text + (" " + " ".join(extra) if extra else "")


def _acronyms(catalog: ControlCatalog) -> dict[str, str]:
    """The annex's own list of acronyms and abbreviations: 'cmm' -> 'coordinate measuring machine'."""
    out: dict[str, str] = {}
    for doc in catalog.docs.get("acronyms", []):
        for line in str(doc.get("text", "")).splitlines():
            abbr, sep, meaning = line.partition("|")
            abbr = re.sub(r"\s*\(.*\)", "", abbr).strip().lower()
            if sep and 2 <= len(abbr) <= 10 and abbr not in STOPWORDS:
                out[abbr] = (out.get(abbr, "") + " " + meaning.strip().lower()).strip()
    return out


# --- the index -------------------------------------------------------------------------------

class ClassifierIndex:
    """BM25 index over the item provisions of one catalog (built once, read-only afterwards)."""

    def __init__(self, catalog: ControlCatalog) -> None:
        self.catalog = catalog
        self.acronyms = _acronyms(catalog)
        self.codes: list[str] = []
        doc_terms: list[Counter[str]] = []
        for code, provision in catalog.provisions.items():
            if provision.text.strip().lower().startswith(("not used", "[reserved]")):
                continue
            self.codes.append(code)
            doc_terms.append(self._document(provision))
        self.doc_words = [frozenset(t for t in c if "_" not in t) for c in doc_terms]
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
        self.vocabulary = sorted(t for t in self.postings if t.isalpha())
        self.position = {code: i for i, code in enumerate(self.codes)}
        self._fuzzy_memo: dict[str, str | None] = {}

    def _document(self, provision: Provision) -> Counter[str]:
        catalog = self.catalog
        own = tokens(provision.text)
        context = tokens(" ".join(catalog.provisions[a].text for a in provision.path))
        extra: list[str] = []
        for term in provision.terms:
            definition = catalog.definitions.get(term.lower())
            if definition:
                extra += tokens(definition["text"])
        for note in provision.notes:
            if note.kind == "technical_note":
                extra += tokens(note.text)
        own_words = " ".join(sorted(set(own)))
        for text in catalog.parallel_texts.get(provision.code, []):
            words = tokens(text)
            if fuzz.token_set_ratio(own_words, " ".join(sorted(set(words)))) >= PARALLEL_AGREEMENT:
                extra += [w for w in words if w not in own]
        return Counter(own * 2 + context + extra + bigrams(own) * 2 + bigrams(context))

    def _known(self, word: str) -> str | None:
        """The annex word for a query word: itself, or the closest annex word (typos, variants)."""
        if word in self.postings:
            return word
        if len(word) < 5 or not word.isalpha():
            return None  # numbers, model designations and CAS numbers are never guessed
        if word not in self._fuzzy_memo:  # the fuzzy scan over the vocabulary is the slow part of a query
            match = process.extractOne(word, self.vocabulary, scorer=Levenshtein.normalized_similarity,
                                       score_cutoff=0.8)
            self._fuzzy_memo[word] = match[0] if match else None
        return self._fuzzy_memo[word]

    def classify(self, text: str, top: int = 5) -> list[Candidate]:
        return self.answer(text, top).candidates

    def answer(self, text: str, top: int = 5) -> Classification:
        from dualcheck.controls.quantities import extract_quantities

        words = tokens(expand_query(text, self.acronyms))
        query_terms: dict[str, str] = {}
        for word in [*words, *bigrams(words)]:
            known = self._known(word) if "_" not in word else (word if word in self.postings else None)
            if known is not None:
                query_terms.setdefault(known, word)
        quantities = extract_quantities(text)
        stated = [q.as_dict() for q in quantities]
        if not query_terms:
            return Classification([], 1, ["no word of the description is used by the control list"], True, stated)
        scores = np.zeros(len(self.codes))
        best_possible = 0.0
        for term in query_terms:
            docs, tf = self.postings[term]
            idf = self.idf[term]
            scores[docs] += idf * tf * (K1 + 1) / (tf + self.norm[docs])
            best_possible += idf * (K1 + 1)
        scores /= best_possible
        order = np.argsort(-scores)[: max(40, top * 8)]
        scored: list[tuple[float, str, dict[str, Any]]] = []
        for i in order:
            if scores[i] <= 0:
                break
            code = self.codes[i]
            score = float(scores[i])
            evidence = _parameter_evidence(self.catalog, code, quantities) if quantities else {}
            if evidence:
                score *= {"met": 1.3, "not_met": 0.55}.get(evidence["status"], 1.0 + 0.05 * evidence["criteria_met"])
            scored.append((score, code, evidence))
        scored.sort(key=lambda t: -t[0])
        picked = _diverse(scored, top, self.catalog)
        candidates = [self._candidate(code, score, query_terms, evidence) for score, code, evidence in picked]
        rank, reasons, review = not_listed(self.catalog, text, candidates)
        return Classification(candidates, rank, reasons, review, stated)

    def _candidate(self, code: str, score: float, query_terms: dict[str, str],
                   evidence: dict[str, Any]) -> Candidate:
        provision: Provision = self.catalog.provisions[code]
        # its own text, its parents', definitions, notes, US/WA wording, and its sub-items' (a merged parent)
        indexed = frozenset().union(*(self.doc_words[self.position[p.code]] for p in self.catalog.subtree(code)
                                      if p.code in self.position))
        matched = sorted(query_terms[t] if query_terms[t] == t else f"{query_terms[t]}~{t}"
                         for t in query_terms if t in indexed)
        why: dict[str, Any] = {"matched_terms": matched, "path": [*provision.path, code], "text": provision.text,
                               "entry_text": provision.title, "regime": provision.regime}
        if evidence:
            why["parameters"] = evidence
        return Candidate(code, provision.entry, round(min(score, 1.0), 4), provision.text, why)


def _parameter_evidence(catalog: ControlCatalog, code: str, quantities: list[Stated]) -> dict[str, Any]:
    """The candidate's thresholds (its own, its ancestors' and its sub-items') against the stated quantities."""
    from dualcheck.controls.check import evaluate
    from dualcheck.controls.parameters import MET, NOT_MET

    provision = catalog.provisions[code]
    ev = evaluate(catalog, provision, quantities)
    above: list[dict[str, Any]] = []
    for ancestor in provision.path:  # "as follows" parents rarely carry thresholds, but some do
        own = evaluate(catalog, catalog.provisions[ancestor], quantities, children=False)
        above += [c for c in own.criteria if "parameter" in c]
        if own.status == NOT_MET:
            ev.status = NOT_MET
    compared = above + [c for c in _walk_criteria(ev) if "parameter" in c]
    if not compared:
        return {}
    met = [c for c in compared if c["status"] == MET]
    return {"status": ev.status, "criteria_met": len(met), "sub_item_met": _deepest_met(ev),
            "supported": _supported(ev, [c["status"] for c in above]),
            "criteria_not_met": sum(c["status"] == NOT_MET for c in compared),
            "criteria": [{"read_as": c["read_as"], "given": c["given"], "status": c["status"]} for c in compared[:8]]}


def _supported(ev: Any, above: list[str]) -> str | None:
    """A sub-item whose path states at least one met threshold and none missed (the item may well be caught there)."""
    from dualcheck.controls.parameters import MET, NOT_MET

    path = above + [c["status"] for c in ev.criteria if "parameter" in c]
    if NOT_MET in path:
        return None
    for child in ev.children:
        found = _supported(child, path)
        if found:
            return found
    return str(ev.code) if MET in path else None


def _walk_criteria(ev: Any) -> list[dict[str, Any]]:
    return [*ev.criteria, *(c for child in ev.children for c in _walk_criteria(child))]


def _deepest_met(ev: Any) -> str | None:
    from dualcheck.controls.parameters import MET

    if ev.status != MET:
        return None
    for child in ev.children:
        found = _deepest_met(child)
        if found:
            return found
    return str(ev.code)


def _common_ancestor(a: str, b: str) -> str:
    parts = []
    for x, y in zip(a.split("."), b.split("."), strict=False):
        if x != y:
            break
        parts.append(x)
    return ".".join(parts)


def _diverse(scored: list[tuple[float, str, dict[str, Any]]], top: int,
             catalog: ControlCatalog) -> list[tuple[float, str, dict[str, Any]]]:
    """Best first, at most two provisions per entry and never one inside another's branch.

    Of a provision and its ancestor scoring about as well, the more specific one is kept.
    """
    picked: list[tuple[float, str, dict[str, Any]]] = []
    per_entry: Counter[str] = Counter()
    for score, code, evidence in scored:
        entry = catalog.provisions[code].entry
        near = next((i for i, (other_score, other, _) in enumerate(picked)
                     if catalog.provisions[other].entry == entry and score >= other_score * SIBLING_TIE), None)
        if near is not None and not (code.startswith(picked[near][1] + ".") or picked[near][1].startswith(code + ".")):
            # two sub-items of one entry scoring alike: the description does not tell them apart, so
            # their common parent is suggested (the parameter check then says which applies)
            other_score, other, other_evidence = picked[near]
            picked[near] = (other_score, _common_ancestor(other, code), other_evidence)
            continue
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


# --- not listed ------------------------------------------------------------------------------

WEAK_SCORE = 0.12  # below this best score the evidence is weak: a classification review is needed
PLAUSIBLE_SHARE = 0.6  # candidates within this share of the best score are "plausible"
LEADING = 3  # the candidates a stated figure must support before "not listed" can rank first


def not_listed(catalog: ControlCatalog, text: str, candidates: list[Candidate]) -> tuple[int, list[str], bool]:
    """Where "not listed" (NLR) ranks among the candidates, on positive evidence only.

    First: no candidate; or every plausible candidate fails a threshold the description states.
    Second: the leading candidate fails its stated thresholds, or a release cue (a decontrol
    note's wording, e.g. a mass-market product) matches its category, or the evidence is weak.
    Otherwise NLR follows every candidate.
    """
    if not candidates:
        return 1, ["no candidate"], True
    best = candidates[0].score
    plausible = [c for c in candidates if c.score >= best * PLAUSIBLE_SHARE]
    failing = [c for c in plausible if c.why.get("parameters", {}).get("status") == "not_met"]
    low = " " + normalise(text).lower() + " "
    cues = [f"'{pattern.pattern}' ({note})" for pattern, categories, note in vocabulary().release_cues
            if pattern.search(low) and candidates[0].entry.startswith(tuple(categories.split()))]
    cues = [re.sub(r"\(\?<!\[[^]]*\]\)|\(\?!\[[^]]*\]\)|\\", "", c) for c in cues]
    reasons: list[str] = []
    if failing and len(failing) == len(plausible):
        reasons.append("every plausible candidate fails a threshold the description states: "
                       + ", ".join(c.code for c in failing))
        return 1, reasons, False
    leading = candidates[0]
    lead = leading.why.get("parameters", {})
    supported = [c.code for c in candidates[:LEADING] if c.why.get("parameters", {}).get("supported")]
    if not supported and (lead.get("status") == "not_met" or lead.get("criteria_not_met")):
        # a missed threshold is evidence against the candidate, and no other leading one meets any
        reasons.append(f"{leading.code} misses a threshold the description states and no stated figure "
                       f"meets a threshold of {', '.join(c.code for c in candidates[:LEADING])}")
        return 1, reasons, False
    if cues and not supported:
        reasons.append("release cue on the leading candidate, and no stated figure meets a threshold of "
                       f"{', '.join(c.code for c in candidates[:LEADING])}: " + "; ".join(cues))
        return 1, reasons, False
    words = [t for t in leading.why.get("matched_terms", []) if re.search(r"[a-z]", t)]
    if not words:
        return 1, [f"only numbers of the description occur in {leading.code}: no product term is listed"], True
    weak = best < WEAK_SCORE or len(words) < 2
    review = weak
    if _has_thresholds(catalog, leading.code) and not leading.why.get("parameters", {}).get("criteria_met"):
        reasons.append(f"no stated parameter reaches a threshold of {leading.code}: needs a classification review")
        review = True
    if candidates[0] in failing:
        reasons.append(f"{candidates[0].code} fails a threshold the description states")
    if cues:
        reasons.append("release cue: " + "; ".join(cues))
    if weak:
        reasons.append(f"weak match (score {best:.2f}, matched {', '.join(words)}): needs a classification review")
    if reasons:
        return 2, reasons, review
    return len(candidates) + 1, [], False


def _has_thresholds(catalog: ControlCatalog, code: str) -> bool:
    """Does the provision, an ancestor or a sub-item carry a numeric threshold?"""
    from dualcheck.controls.parameters import parse_criteria

    provision = catalog.provisions[code]
    related = [catalog.provisions[a] for a in provision.path] + catalog.subtree(code)
    return any(parse_criteria(p.text) for p in related)
