"""Storage: SQLAlchemy 2 engine and sessions, ORM tables, Alembic migrations."""

from dualcheck.db.base import Base
from dualcheck.db.engine import Database, get_database

__all__ = ["Base", "Database", "get_database"]
