"""Facts the rules derive from a transaction once: the uses the exporter knows of (informed by the
authority, aware of, or stated in its own text), the countries the transaction reaches and how,
and the arms embargoes that bind. Pure functions of the transaction and the rule set.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from dualcheck.rules.countries import countries_doc
from dualcheck.rules.facts import Transaction
from dualcheck.rules.ruleset import ArmsEmbargo, Measure, RuleSet
from dualcheck.rules.territory import Place

USES = ("wmd", "military_embargo", "military_parts_illegal", "cyber_repression")
# The roles whose location brings a country's measures into play ("to any person in X").
REACHING_ROLES = ("consignee", "end_user", "purchaser", "intermediate_consignee")


@cache
def _pattern(terms: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(t).replace(r"\ ", r"[\s-]+") for t in sorted(terms, key=len, reverse=True))
    return re.compile(rf"\b(?:{alternatives})\b", re.IGNORECASE)


def find_terms(text: str | None, terms: list[str]) -> str | None:
    """The first of `terms` found as whole words in `text`, else None."""
    if not text:
        return None
    match = _pattern(tuple(terms)).search(text)
    return match.group(0) if match else None


def _country_names(code: str) -> list[str]:
    return countries_doc().end_use_names.get(code, [])


@dataclass
class Context:
    """What the rules know about one transaction beyond its literal facts."""

    tx: Transaction
    rules: RuleSet
    uses: dict[str, str] = field(default_factory=dict)     # use -> "informed" | "aware"
    military: str | None = None                             # why the end use is military, if it is
    place: Place | None = None
    in_union: bool = False

    @classmethod
    def of(cls, tx: Transaction, rules: RuleSet) -> Context:
        ctx = cls(tx, rules)
        for use in tx.awareness:
            ctx.uses[use] = "aware"
        for use in tx.informed:
            ctx.uses[use] = "informed"
        ctx.military = ctx._military()
        if ctx.military and "military_embargo" not in ctx.uses:
            ctx.uses["military_embargo"] = "stated"
        if tx.destination is not None:
            ctx.place = Place(tx.destination, tx.destination_territory)
            ctx.in_union = rules.territory.in_union(ctx.place)
        return ctx

    def _military(self) -> str | None:
        tx, stated = self.tx, self.rules.stated
        if "military_embargo" in tx.informed or "military_embargo" in tx.awareness:
            return "the exporter is informed of or aware of a military end use"
        if tx.end_use.civil is False:
            return "the end use is stated not to be civil (end_use.civil false)"
        texts = [("end_use.description", tx.end_use.description)]
        texts += [(f"items[{i}].description", item.description) for i, item in enumerate(tx.items)]
        for where, text in texts:
            word = find_terms(text, stated.military_terms)
            if word:
                return f"{where} names a military use ({word!r})"
            category = re.search(stated.military_category_pattern, text or "")
            if category:
                return f"{where} names a military-list category ({category.group(0)!r})"
        return None

    # --- countries the transaction reaches -----------------------------------------------------
    def reached(self, measure: Measure, movement: str) -> list[str]:
        """How the transaction reaches the measure's countries ("destination RU", ...); [] when not."""
        tx, doc = self.tx, measure.doc
        countries = set(doc.countries)
        ways: list[str] = []
        if "destination" in doc.reach and tx.destination in countries and not self.in_union:
            ways.append(f"destination {tx.destination}")
        if "parties" in doc.reach:
            for i, party in enumerate(tx.parties or []):
                if party.role in REACHING_ROLES and party.country in countries:
                    ways.append(f"{party.role.replace('_', ' ')} {party.name!r} (parties[{i}]) is located in "
                                f"{party.country}")
        if "end_use" in doc.reach:
            if tx.end_use.country in countries:
                ways.append(f"the end use is stated to be in {tx.end_use.country}")
            else:
                for code in sorted(countries):
                    word = find_terms(tx.end_use.description, _country_names(code))
                    if word:
                        ways.append(f"the end use is stated to be in {word} (end_use.description)")
        if "goods_location" in doc.reach and movement in ("brokering", "technical_assistance") \
                and tx.goods_location in countries:
            ways.append(f"the goods are located in {tx.goods_location} (goods_location)")
        if "transit" in doc.reach:
            via = sorted(set(tx.transit_countries) & set(doc.transit_countries))
            if via:
                ways.append(f"transit via {', '.join(via)}")
        return ways

    # --- arms embargoes (Art. 4(1)(b): purchasing country or country of destination) -----------
    def embargoed(self) -> list[tuple[str, ArmsEmbargo]]:
        countries: list[str] = []
        if self.tx.destination and not self.in_union:
            countries.append(self.tx.destination)
        countries += [p.country for p in self.tx.parties or [] if p.role in ("purchaser", "end_user") and p.country]
        seen: list[tuple[str, ArmsEmbargo]] = []
        for code in countries:
            embargo = self.rules.arms_embargoes.get(code)
            if embargo and all(code != c for c, _ in seen):
                seen.append((code, embargo))
        return seen

    def political_only(self) -> list[str]:
        """Destinations under a declaration that is no arms embargo in the sense of Art. 2(19)."""
        countries = [self.tx.destination] + [p.country for p in self.tx.parties or [] if p.role == "purchaser"]
        return [f"{c}: {self.rules.not_arms_embargoes[c]}" for c in dict.fromkeys(countries)
                if c in self.rules.not_arms_embargoes]

    def cite_use(self, use: str, informed_key: str, aware_key: str) -> str:
        """Art. N(1) when informed by the authority; Art. N(2) with N(1) when aware."""
        informed = self.rules.cite(informed_key)
        if self.uses.get(use) == "informed":
            return informed
        return f"{self.rules.cite(aware_key)} with {informed.split(', ', 1)[1]}"
