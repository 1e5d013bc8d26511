"""One transaction check: screening + classification + rules + ledger."""
