"""Red flags on export transactions: diversion, routing, payments and parties (catalogue in data/)."""

from dualcheck.redflags.catalogue import Catalogue, load_catalogue
from dualcheck.redflags.transaction import check_transaction

__all__ = ["Catalogue", "check_transaction", "load_catalogue"]
