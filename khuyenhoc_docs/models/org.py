"""Organisation tree: levels are data, never hard-coded."""
from __future__ import annotations

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, intpk, str40, str255


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
    code: Mapped[str40] = mapped_column(default="", server_default="")
    active: Mapped[bool] = mapped_column(default=True)
    # The seal's image (red, transparent PNG) and its real diameter: the organisation's
    # signature appearance over the left third of the chair's signature (Decree 30, Appendix I).
    seal_image: Mapped[bytes | None] = mapped_column(LargeBinary)
    seal_size_mm: Mapped[int] = mapped_column(default=36)

    level: Mapped[OrgLevel] = relationship(lazy="joined")
    parent: Mapped[Organisation | None] = relationship(remote_side="Organisation.id", back_populates="children")
    children: Mapped[list[Organisation]] = relationship(back_populates="parent", order_by="Organisation.name")

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name!r}>"
