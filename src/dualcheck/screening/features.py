"""Feature functions: each looks at a query and a listed entity and returns a value in [0, 1].

Which features count, and how much, is declared in the scoring configuration (config.py); this
module only knows how to measure. ``FEATURES`` maps the configured names to the functions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from followthemoney import model

from dualcheck.screening.names import NO_MATCH, NameComparison, NameParams, compare_names
from dualcheck.screening.subjects import Subject
from dualcheck.screening.tokens import TokenWeights

PARTY_SCHEMAS = {"LegalEntity", "Person", "Organization", "Company", "PublicBody"}
WEAK_ALIAS_MIN = 0.95


@dataclass(slots=True)
class Context:
    """Per-pair state shared by the features (the name comparison is computed once)."""

    query: Subject
    listed: Subject
    weights: TokenWeights
    params: NameParams
    best_name: NameComparison = NO_MATCH
    best_pair: tuple[str, str] = ("", "")


Detail = str | Callable[[], str]


@dataclass(frozen=True, slots=True)
class Measured:
    value: float
    detail: Detail = ""  # a callable is rendered only when the result is shown


Feature = Callable[[Context], Measured]
NOTHING = Measured(0.0)


def name_match(ctx: Context) -> Measured:
    best, pair = NO_MATCH, ("", "")
    for q in ctx.query.names:
        for listed in ctx.listed.names:
            cmp = compare_names(q, listed, ctx.weights, ctx.params)
            if cmp.score > best.score:
                best, pair = cmp, (q.original, listed.original)
                if best.score >= 1.0:
                    break
    ctx.best_name, ctx.best_pair = best, pair
    if best.score <= 0:
        return NOTHING
    return Measured(best.score, lambda: f"{pair[0]!r} ~ {pair[1]!r}: {best.explain()}")


def weak_alias_match(ctx: Context) -> Measured:
    for q in ctx.query.names:
        for weak in ctx.listed.weak_names:
            cmp = compare_names(q, weak, ctx.weights, ctx.params)
            if cmp.score >= WEAK_ALIAS_MIN:
                return Measured(cmp.score, f"weak alias {weak.original!r}")
    return NOTHING


def identifier_match(ctx: Context) -> Measured:
    common = ctx.query.identifiers & ctx.listed.identifiers
    return Measured(1.0, "same identifier " + ", ".join(sorted(common))) if common else NOTHING


def identifier_mismatch(ctx: Context) -> Measured:
    if ctx.query.identifiers and ctx.listed.identifiers and not ctx.query.identifiers & ctx.listed.identifiers:
        return Measured(1.0, "identifiers differ")
    return NOTHING


def _dates(ctx: Context) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return ctx.query.birth_dates, ctx.listed.birth_dates


def dob_match(ctx: Context) -> Measured:
    best = NOTHING
    qs, ls = _dates(ctx)
    for q in qs:
        for listed in ls:
            n = min(len(q), len(listed))
            if q[:n] == listed[:n]:
                value = 1.0 if n == 10 else 0.5
                if value > best.value:
                    best = Measured(value, f"birth date {q} agrees with {listed}")
    return best


def dob_day_disjoint(ctx: Context) -> Measured:
    qs, ls = _dates(ctx)
    if not qs or not ls or dob_match(ctx).value:
        return NOTHING
    if {q[:4] for q in qs} & {x[:4] for x in ls}:
        return Measured(1.0, f"birth date {', '.join(qs)} vs {', '.join(ls)}: same year, other day")
    return NOTHING


def dob_year_disjoint(ctx: Context) -> Measured:
    qs, ls = _dates(ctx)
    if not qs or not ls:
        return NOTHING
    if any(abs(int(q[:4]) - int(x[:4])) <= 1 for q in qs for x in ls):
        return NOTHING
    return Measured(1.0, f"birth year {', '.join(q[:4] for q in qs)} vs listed {', '.join(x[:4] for x in ls)}")


def country_match(ctx: Context) -> Measured:
    common = ctx.query.countries & ctx.listed.countries
    return Measured(1.0, "country " + ", ".join(sorted(common))) if common else NOTHING


def country_mismatch(ctx: Context) -> Measured:
    q, listed = ctx.query.countries, ctx.listed.countries
    if q and listed and not q & listed:
        return Measured(1.0, f"country {', '.join(sorted(q))} vs listed {', '.join(sorted(listed))}")
    return NOTHING


def gender_mismatch(ctx: Context) -> Measured:
    q, listed = ctx.query.gender, ctx.listed.gender
    if q and listed and q != listed:
        return Measured(1.0, f"gender {q} vs listed {listed}")
    return NOTHING


def _is_a(schema: str, parent: str) -> bool:
    found = model.get(schema)
    return found is not None and found.is_a(parent)


def _compatible(a: str, b: str) -> bool:
    return a == b or _is_a(a, b) or _is_a(b, a)


def schema_mismatch(ctx: Context) -> Measured:
    a, b = ctx.query.schema, ctx.listed.schema
    if a in PARTY_SCHEMAS and b in PARTY_SCHEMAS and not _compatible(a, b):
        return Measured(1.0, f"{a} vs listed {b}")
    return NOTHING


def schema_incompatible(ctx: Context) -> Measured:
    a, b = ctx.query.schema, ctx.listed.schema
    if (a in PARTY_SCHEMAS) != (b in PARTY_SCHEMAS) or (a not in PARTY_SCHEMAS and not _compatible(a, b)):
        return Measured(1.0, f"{a} can never be a {b}")
    return NOTHING


# These qualifiers measure nothing unless both sides state the fact they compare (or the schemas
# differ): ``qualifiers_idle`` tells, for one pair, that all of them would measure nothing.
IDLE_WITHOUT_DATA = frozenset({
    "identifier_mismatch", "dob_match", "dob_day_disjoint", "dob_year_disjoint", "country_match",
    "country_mismatch", "gender_mismatch", "schema_mismatch", "schema_incompatible",
})


def qualifiers_idle(query: Subject, listed: Subject) -> bool:
    return (query.schema == listed.schema and not (query.birth_dates and listed.birth_dates)
            and not (query.countries and listed.countries) and not (query.gender and listed.gender)
            and not (query.identifiers and listed.identifiers))


FEATURES: dict[str, Feature] = {f.__name__: f for f in (
    name_match, weak_alias_match, identifier_match, identifier_mismatch, dob_match, dob_day_disjoint,
    dob_year_disjoint, country_match, country_mismatch, gender_mismatch, schema_mismatch, schema_incompatible,
)}
