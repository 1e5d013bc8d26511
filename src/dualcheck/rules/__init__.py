"""Licence determination: facts, rules with citations, outcome. Knows no HTTP or database."""
