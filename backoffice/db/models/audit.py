"""What changed in the reference data, when, from which file: rate history stays auditable."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..base import Base
from ..types import UTCDateTime


class RefLoad(Base):
    """A `fixbroker ref load` that changed something (a load that changes nothing leaves no row)."""

    __tablename__ = "ref_load"

    id: Mapped[int] = mapped_column(primary_key=True)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(512))
    sha256: Mapped[str] = mapped_column(String(64))
    operator: Mapped[str] = mapped_column(String(64))
    changes: Mapped[list["RefChange"]] = relationship(back_populates="load", order_by="RefChange.id")


class RefChange(Base):
    __tablename__ = "ref_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    load_id: Mapped[int] = mapped_column(ForeignKey("ref_load.id"), index=True)
    entity: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(8))  # insert | update | delete
    detail: Mapped[str] = mapped_column(Text)  # field: old -> new, one per line
    load: Mapped[RefLoad] = relationship(back_populates="changes")
