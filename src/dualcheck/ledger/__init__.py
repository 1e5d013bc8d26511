"""Append-only, hash-chained audit ledger: every decision is written here."""

from dualcheck.ledger.chain import Verification, append, verify

__all__ = ["Verification", "append", "verify"]
