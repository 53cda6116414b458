"""Organisation tree: levels are data, never hard-coded."""
from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, created_ts, intpk, str40, str255


class OrgLevel(Base):
    """A level of the tree (province, district/city, grassroots…); rank 0 is the top."""

    __tablename__ = "org_levels"

    id: Mapped[intpk]
    code: Mapped[str40] = mapped_column(unique=True)
    name: Mapped[str255]
    rank: Mapped[int]


class Organisation(Base):
    """An organisation unit (a Hội Khuyến học or Đoàn unit, or an outside body)."""

    __tablename__ = "organisations"
    __table_args__ = (UniqueConstraint("parent_id", "name"),)

    id: Mapped[intpk]
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    level_id: Mapped[int] = mapped_column(ForeignKey("org_levels.id"))
    # "khuyen_hoc", "doan" or "other": which side of a joint programme a unit is on.
    family: Mapped[str40]
    name: Mapped[str255]
    header_name: Mapped[str255]  # as printed in CAPS in the document header
    parent_header: Mapped[str255] = mapped_column(default="")
    abbreviation: Mapped[str40]  # used in document symbols, e.g. "HKH", "TĐ"
    area: Mapped[str255] = mapped_column(default="")  # locality; pairs the two families
    place: Mapped[str255] = mapped_column(default="")  # place name in the date line
    email: Mapped[str] = mapped_column(String(255), default="")
    postal_address: Mapped[str] = mapped_column(String(500), default="")
    # Mã định danh (e.g. 000.00.31.H05): how document systems address it over edXML; "" when none.
    # CSV imports match on it first (unique among non-empty codes, checked by the import).
    code: Mapped[str40] = mapped_column(default="", server_default="")
    active: Mapped[bool] = mapped_column(default=True)
    # The seal's image (red, transparent PNG) and its real diameter: the organisation's
    # signature appearance over the left third of the chair's signature (Decree 30, Appendix I).
    # Deferred like User.signature_image: organisations are joined to every request's user.
    seal_image: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    seal_size_mm: Mapped[int] = mapped_column(default=36)
    # The joint-programme partner of the other family, when it is not found by level and area.
    counterpart_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    # Merged or dissolved: from this date no new numbers or signatures; records pass to the successor.
    dissolved_on: Mapped[date | None]
    # Indexed: the scope query on every request walks successors (parent_id is the leading column of
    # the (parent_id, name) constraint), else it scans every organisation per unit in scope.
    successor_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)

    level: Mapped[OrgLevel] = relationship(lazy="joined")
    parent: Mapped[Organisation | None] = relationship(
        remote_side="Organisation.id", back_populates="children", foreign_keys=[parent_id])
    children: Mapped[list[Organisation]] = relationship(
        back_populates="parent", order_by="Organisation.name", foreign_keys=[parent_id])
    successor: Mapped[Organisation | None] = relationship(remote_side="Organisation.id",
                                                          foreign_keys=[successor_id])

    def dissolved_at(self, day: date) -> bool:
        """True when the organisation no longer exists on ``day`` (merged or dissolved before or on it)."""
        return self.dissolved_on is not None and day >= self.dissolved_on

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name!r}>"


class OrgSuccession(Base):
    """A merger or dissolution decided on a legal basis: predecessors pass their records to a successor."""

    __tablename__ = "org_successions"

    id: Mapped[intpk]
    kind: Mapped[str40]  # "merger" | "dissolution"
    successor_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    effective_on: Mapped[date]
    legal_basis: Mapped[str] = mapped_column(String(2000))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[created_ts]

    # Ids, not a foreign key on organisations: keeps the two tables free of a dependency cycle.
    predecessor_ids: Mapped[list] = mapped_column(JSON, default=list)

    successor: Mapped[Organisation] = relationship(foreign_keys=[successor_id], lazy="joined")
