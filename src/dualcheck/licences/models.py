"""ORM tables of this domain (none yet)."""
