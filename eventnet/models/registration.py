"""A person's registration for one event: what they told us, their place and their consents."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .enums import AttendeeRole, RegistrationStatus, TagKind
from .types import UTCDateTime, enum_column, utcnow

if TYPE_CHECKING:
    from .event import Event, Interest
    from .people import Organization, Person

# The rows that hold a place, spelled out (not bound parameters) where the partial index
# ix_registrations_event_holding must match: a prepared statement's generic plan cannot
# prove that a parameter lies within an index's condition.
HOLDING_PLACE = "status IN ('confirmed', 'pending')"

ACTIVE_STATUSES = (
    RegistrationStatus.PENDING,
    RegistrationStatus.CONFIRMED,
    RegistrationStatus.WAITLISTED,
)


class Registration(db.Model):
    """One person at one event. At most one active (not cancelled) registration per pair."""

    __tablename__ = "registrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("persons.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[AttendeeRole] = mapped_column(enum_column(AttendeeRole, "attendee_role"))
    status: Mapped[RegistrationStatus] = mapped_column(
        enum_column(RegistrationStatus, "registration_status")
    )
    waitlist_position: Mapped[int | None] = mapped_column()

    # Profile for this event (a person's job or studies change between events).
    name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str] = mapped_column(sa.String(254))
    organization_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="SET NULL"), index=True
    )
    job_title: Mapped[str] = mapped_column(sa.String(200), default="")
    degree_programme: Mapped[str] = mapped_column(sa.String(200), default="")
    study_level: Mapped[str] = mapped_column(sa.String(32), default="")
    graduation_year: Mapped[int | None] = mapped_column()
    country: Mapped[str | None] = mapped_column(sa.String(2))
    languages: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    other_interests: Mapped[str] = mapped_column(sa.String(300), default="")
    offer_text: Mapped[str] = mapped_column(sa.String(500), default="")
    seek_text: Mapped[str] = mapped_column(sa.String(500), default="")
    goals: Mapped[str] = mapped_column(sa.String(1000), default="")
    dietary_needs: Mapped[str] = mapped_column(sa.String(300), default="")
    accessibility_needs: Mapped[str] = mapped_column(sa.String(300), default="")
    locale: Mapped[str] = mapped_column(sa.String(8), default="en")

    # Consents, each with when it was given; the privacy notice also with its version.
    privacy_policy_version: Mapped[str] = mapped_column(sa.String(32))
    consent_privacy_at: Mapped[datetime] = mapped_column(UTCDateTime())
    consent_profile_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    consent_photos_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    # Secrets: only hashes are stored. The ticket code is what a QR code / desk search uses.
    manage_token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    ticket_code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    source: Mapped[str] = mapped_column(sa.String(16), default="web")
    organizer_notes: Mapped[str] = mapped_column(sa.Text, default="")

    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    pending_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    waitlisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    checked_in_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organizer_accounts.id", ondelete="SET NULL")
    )
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    event: Mapped[Event] = relationship()
    person: Mapped[Person] = relationship(back_populates="registrations")
    organization: Mapped[Organization | None] = relationship()
    tags: Mapped[list[RegistrationTag]] = relationship(
        back_populates="registration", cascade="all, delete-orphan"
    )

    __table_args__ = (
        # One active registration per event and person (and so per lower-cased e-mail).
        sa.Index(
            "uq_registrations_active_person",
            "event_id",
            "person_id",
            unique=True,
            sqlite_where=sa.text("status != 'cancelled'"),
            postgresql_where=sa.text("status != 'cancelled'"),
        ),
        sa.Index("ix_registrations_event_status_role", "event_id", "status", "role"),
        # The places taken, counted under the event lock at every registration: only the rows
        # that hold a place, so the planner picks it even with no statistics yet for a new
        # event, and a long waiting list is never read (eventnet.services.waitlist).
        sa.Index(
            "ix_registrations_event_holding",
            "event_id",
            "role",
            sqlite_where=sa.text(HOLDING_PLACE),
            postgresql_where=sa.text(HOLDING_PLACE),
        ),
        # The waiting list per role in queue order; only wait-listed rows have a position.
        sa.Index(
            "ix_registrations_event_queue",
            "event_id",
            "role",
            "waitlist_position",
            sqlite_where=sa.text("waitlist_position IS NOT NULL"),
            postgresql_where=sa.text("waitlist_position IS NOT NULL"),
        ),
        # The organizer's attendee list: newest first, one page at a time, without a sort.
        sa.Index("ix_registrations_event_created", "event_id", "created_at"),
        sa.CheckConstraint("email = lower(email)", name="email_lowercase"),
        sa.CheckConstraint(
            "(status = 'waitlisted') = (waitlist_position IS NOT NULL)",
            name="waitlist_position_iff_waitlisted",
        ),
    )

    def tag_labels(self, kind: TagKind) -> list[str]:
        return sorted(t.interest.label for t in self.tags if t.kind == kind)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def first_name(self) -> str:
        parts = self.name.split()
        return parts[0] if parts else self.name

    def __repr__(self) -> str:
        return f"<Registration {self.id} {self.email!r} {self.status}>"


class RegistrationTag(db.Model):
    """An interest, offer or seek tag chosen by a registrant from the event's taxonomy."""

    __tablename__ = "registration_tags"

    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registrations.id", ondelete="CASCADE"), primary_key=True
    )
    interest_id: Mapped[int] = mapped_column(
        sa.ForeignKey("interests.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    kind: Mapped[TagKind] = mapped_column(enum_column(TagKind, "tag_kind"), primary_key=True)

    registration: Mapped[Registration] = relationship(back_populates="tags")
    interest: Mapped[Interest] = relationship(lazy="joined")
