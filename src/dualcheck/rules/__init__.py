"""Licence determination: facts, rules with citations, outcome. Knows no HTTP or database."""

from dualcheck.rules.engine import determine
from dualcheck.rules.facts import Transaction, load_transaction, parse_transaction
from dualcheck.rules.lookups import ControlLookup, PartyHit, PartyScreening, ScreeningFacts
from dualcheck.rules.outcome import Determination, Outcome, Reason
from dualcheck.rules.ruleset import RuleSet, cached_ruleset, load_ruleset

__all__ = ["ControlLookup", "Determination", "Outcome", "PartyHit", "PartyScreening", "Reason", "RuleSet",
           "ScreeningFacts", "Transaction", "cached_ruleset", "determine", "load_ruleset", "load_transaction",
           "parse_transaction"]
