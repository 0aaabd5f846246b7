"""Organizations and people: one identity per person across events."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .enums import OrganizationKind
from .types import UTCDateTime, enum_column, utcnow

if TYPE_CHECKING:
    from .registration import Registration


class Organization(db.Model):
    """A university, company or other body that attendees belong to."""

    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    # Lower-cased, whitespace-folded name: "Aalto University" and "aalto  university" are one.
    name_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    kind: Mapped[OrganizationKind] = mapped_column(
        enum_column(OrganizationKind, "organization_kind"), default=OrganizationKind.OTHER
    )
    country: Mapped[str | None] = mapped_column(sa.String(2))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @staticmethod
    def key_for(name: str) -> str:
        return " ".join(name.split()).casefold()

    def __repr__(self) -> str:
        return f"<Organization {self.name!r}>"


class Person(db.Model):
    """A human being, identified by e-mail, who may register for many events over the years."""

    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    country: Mapped[str | None] = mapped_column(sa.String(2))
    organization_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="SET NULL"), index=True
    )
    locale: Mapped[str | None] = mapped_column(sa.String(8))
    # Set when the person unsubscribes from follow-up mail; honoured for every event.
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    anonymized_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    organization: Mapped[Organization | None] = relationship()
    registrations: Mapped[list[Registration]] = relationship(back_populates="person")

    __table_args__ = (sa.CheckConstraint("email = lower(email)", name="email_lowercase"),)

    @staticmethod
    def normalize_email(email: str) -> str:
        return email.strip().lower()

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.split() else self.name

    def __repr__(self) -> str:
        return f"<Person {self.id} {self.email!r}>"
