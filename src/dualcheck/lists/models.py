"""Tables of the lists domain: one row per loaded list version, one row per listed entity in it.

Every version keeps all of its entities (no sharing between versions), so any past version can
be screened against or diffed exactly as it was published.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dualcheck.db.base import Base, JSONDoc, UTCDateTime

EntityPk = BigInteger().with_variant(Integer, "sqlite")


class ListVersion(Base):
    """One loaded snapshot of one list (e.g. the OFAC SDN list as published on 2024-05-03)."""

    __tablename__ = "list_versions"
    __table_args__ = (UniqueConstraint("list_name", "sha256", name="uq_list_versions_list_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_name: Mapped[str] = mapped_column(String(64), index=True)
    published: Mapped[dt.date] = mapped_column(Date)
    # where the publication date came from: content, file name, option or retrieval
    published_from: Mapped[str] = mapped_column(String(32))
    retrieved_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    entity_count: Mapped[int] = mapped_column(Integer)
    source_files: Mapped[list[str]] = mapped_column(JSONDoc)  # file names only, never full paths
    source_format: Mapped[str] = mapped_column(String(64))
    is_current: Mapped[bool] = mapped_column(Boolean, default=False)
    loaded_by: Mapped[str] = mapped_column(String(200))


class ListEntityRow(Base):
    """One listed party in one version: the followthemoney entity plus list-specific extras."""

    __tablename__ = "list_entities"
    __table_args__ = (
        UniqueConstraint("version_id", "entity_id", name="uq_list_entities_version_id"),
        Index("ix_list_entities_entity_id", "entity_id"),
    )

    id: Mapped[int] = mapped_column(EntityPk, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("list_versions.id", ondelete="CASCADE"))
    entity_id: Mapped[str] = mapped_column(String(200))
    schema: Mapped[str] = mapped_column(String(32))
    caption: Mapped[str] = mapped_column(Text)
    entity: Mapped[dict[str, Any]] = mapped_column(JSONDoc)  # {"id", "schema", "properties"}
    programmes: Mapped[list[str]] = mapped_column(JSONDoc)
    weak_aliases: Mapped[list[str]] = mapped_column(JSONDoc)
    listed_on: Mapped[str | None] = mapped_column(String(10))  # ISO date, possibly partial (YYYY or YYYY-MM)
    origin: Mapped[str | None] = mapped_column(String(200))  # source list inside a consolidated list (CSL)
    source_record: Mapped[dict[str, Any]] = mapped_column(JSONDoc)  # the record as published
    content_hash: Mapped[str] = mapped_column(String(64))  # sha256 of the source record: "modified" in diffs
