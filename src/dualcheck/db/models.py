"""Imports every domain's ORM tables so that Base.metadata is complete (for Alembic checks)."""

from dualcheck.auth import models as auth_models
from dualcheck.authority import models as authority_models
from dualcheck.check import models as check_models
from dualcheck.controls import models as controls_models
from dualcheck.db.base import Base
from dualcheck.ledger import models as ledger_models
from dualcheck.licences import models as licences_models
from dualcheck.lists import models as lists_models
from dualcheck.screening import models as screening_models

metadata = Base.metadata

__all__ = ["auth_models", "authority_models", "check_models", "controls_models", "ledger_models", "licences_models",
           "lists_models", "metadata", "screening_models"]
