"""Brokering (Art. 6), technical assistance (Art. 8) and transit (Art. 7) of listed items.

Each distinguishes the person informed by the competent authority (paragraph 1: authorisation
required) from the one aware of a use in Art. 4(1) (paragraph 2: notify, the authority decides),
and honours the authority's decisions on the transaction (`authority_decisions`).
"""

from __future__ import annotations

from dualcheck.rules.context import Context, find_terms
from dualcheck.rules.eugea import AWARENESS_TEXT
from dualcheck.rules.facts import Item
from dualcheck.rules.outcome import Outcome, Reason, Verdict

ART_4_1_USES = ("wmd", "military_embargo", "military_parts_illegal")
ARTICLE = {"brokering": "6", "technical_assistance": "8", "transit": "7"}
KEYS = {"brokering": ("brokering", "brokering_aware", "brokering_not_required"),
        "technical_assistance": ("technical_assistance", "technical_assistance_aware", "technical_assistance_free"),
        "transit": ("transit", "transit", "transit_free")}
TA_EXEMPTIONS = {
    "eu001_country": "(a) provided within or into an EU001 country or to a resident of one",
    "public_domain": "(b) transferring information in the public domain",
    "basic_research": "(b) basic scientific research",
    "member_state_authority": "(c) provided by authorities or agencies of a Member State in their official tasks",
    "member_state_armed_forces": "(d) provided for the armed forces of a Member State",
    "mtcr_exception": "(e) provided for a purpose of the MTCR-technology exceptions in Annex IV",
    "minimum_for_authorised_export": "(f) the minimum necessary for installing, operating, maintaining or repairing "
                                     "items whose export was authorised",
}


def _uses(ctx: Context) -> dict[str, str]:
    """The Art. 4(1) uses known, as informed/aware; a stated military end use counts only where embargoed."""
    embargoed = bool(ctx.embargoed())
    return {u: h for u, h in ctx.uses.items()
            if u in ART_4_1_USES and not (u == "military_embargo" and h == "stated" and not embargoed)}


def _decisions(ctx: Context, movement: str, label: str, verdict: Verdict) -> bool:
    """The competent authority's decisions on this service; True when one binds."""
    rules, bound = ctx.rules, False
    for decision in ctx.tx.authority_decisions:
        if decision.article.split("(")[0].strip() != ARTICLE[movement] or decision.decision == "not_required":
            continue
        outcome = Outcome.PROHIBITED if decision.decision == "prohibited" else Outcome.LICENCE_REQUIRED
        ref = f" ({decision.reference}{', ' + str(decision.date) if decision.date else ''})" if decision.reference \
            else ""
        verdict.add(Reason(f"{movement}.authority_decision", f"Regulation (EU) 2021/821, Art. {ARTICLE[movement]}; "
                           f"{rules.cite('authority_decision')}",
                           f"item {label}: the competent authority decided: {decision.decision.replace('_', ' ')}{ref}",
                           outcome))
        bound = True
    return bound


def services(ctx: Context, item: Item, index: int, label: str, listed: list[str], movement: str,
             verdict: Verdict) -> None:
    rules = ctx.rules
    informed_key, aware_key, free_key = KEYS[movement]
    if not listed:
        verdict.add(Reason(f"{movement}.not_listed", rules.cite(free_key),
                           f"item {label} is not listed in Annex I", Outcome.NO_LICENCE_REQUIRED))
        return
    if _decisions(ctx, movement, label, verdict):
        return
    if movement == "technical_assistance":
        exemption, basis = ta_exemption(ctx, item)
        if exemption:
            verdict.add(Reason("technical_assistance.exempt", rules.cite("technical_assistance_exempt"),
                               f"item {label}: technical assistance {TA_EXEMPTIONS[exemption]} ({basis}): "
                               "Art. 8(1) to 8(3) do not apply", Outcome.NO_LICENCE_REQUIRED))
            return
    uses = _uses(ctx)
    if uses:
        informed = [u for u, h in uses.items() if h == "informed"]
        how = "informed" if informed else "aware"
        cite = rules.cite(informed_key if informed else aware_key)
        text = "; ".join(AWARENESS_TEXT[u] for u in uses)
        extra = " (the Member State of transit may prohibit it or require an authorisation)" \
            if movement == "transit" else ""
        action = "an authorisation is required" if how == "informed" else \
            "notify the competent authority, which decides whether an authorisation is required"
        if how == "aware" and decided(ctx, (ARTICLE[movement],)):
            verdict.add(Reason(f"{movement}.art_4_1_use", rules.cite("authority_decision"),
                               f"item {label}: the competent authority decided no authorisation is required"))
            return
        verdict.add(Reason(f"{movement}.art_4_1_use", cite,
                           f"item {label} ({', '.join(listed)}) is listed and {text} ({how}): {action}{extra}",
                           Outcome.LICENCE_REQUIRED))
        return
    verdict.add(Reason(f"{movement}.no_art_4_1_use", rules.cite(free_key),
                       f"item {label} ({', '.join(listed)}) is listed, but no use in Art. 4(1) is known",
                       Outcome.NO_LICENCE_REQUIRED))


def decided(ctx: Context, articles: tuple[str, ...]) -> str | None:
    """The reference of an authority decision that no authorisation is required, for these articles."""
    for decision in ctx.tx.authority_decisions:
        if decision.decision == "not_required" and decision.article.split("(")[0].strip() in articles:
            return decision.reference or decision.article
    return None


def ta_exemption(ctx: Context, item: Item) -> tuple[str | None, str]:
    """The Art. 8(4) exemption that applies, and how it is known (stated, or read from the text)."""
    tx, rules = ctx.tx, ctx.rules
    if tx.technical_assistance_exemption:
        return tx.technical_assistance_exemption, "technical_assistance_exemption"
    text = " ".join(t for t in (item.description, tx.end_use.description) if t)
    for kind, terms in rules.stated.technical_assistance_exemption_terms.items():
        word = find_terms(text, terms)
        if not word:
            continue
        if kind == "minimum_for_authorised_export" and not tx.original_reference:
            continue  # only for items whose export was authorised: the authorisation must be named
        return kind, f"stated: {word!r}"
    if tx.destination in rules.eugeas["EU001"].destinations:
        return "eu001_country", f"destination {tx.destination}"
    return None, ""
