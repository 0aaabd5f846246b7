"""Events, their per-role quotas and their interest taxonomy."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .enums import AttendeeRole, EventStatus
from .types import UTCDateTime, enum_column, utcnow

if TYPE_CHECKING:
    from .accounts import EventOrganizer
    from .matching import MeetingSlot, MeetingTable


def registration_window_open(
    status: EventStatus,
    opens_at: datetime | None,
    closes_at: datetime | None,
    starts_at: datetime,
    now: datetime,
) -> bool:
    """Published, and ``now`` within the window (it closes when the event starts by default)."""
    if status != EventStatus.PUBLISHED:
        return False
    if opens_at and now < opens_at:
        return False
    return now < (closes_at or starts_at)


class Event(db.Model):
    """A networking event. Times are stored in UTC and shown in ``timezone``."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.String(300), default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")  # Markdown, sanitized on render
    agenda: Mapped[str] = mapped_column(sa.Text, default="")  # Markdown
    # {"fi": {"title": ..., "description": ...}, ...}; falls back to default_locale fields.
    translations: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    default_locale: Mapped[str] = mapped_column(sa.String(8), default="en")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Europe/Helsinki")
    venue: Mapped[str] = mapped_column(sa.String(200), default="")
    address: Mapped[str] = mapped_column(sa.String(300), default="")
    status: Mapped[EventStatus] = mapped_column(
        enum_column(EventStatus, "event_status"), default=EventStatus.DRAFT, index=True
    )
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    capacity: Mapped[int] = mapped_column(default=100)
    double_opt_in: Mapped[bool] = mapped_column(default=False)
    pending_hold_minutes: Mapped[int] = mapped_column(default=60 * 24)
    accent_color: Mapped[str | None] = mapped_column(sa.String(7))
    # Matching settings (see docs/matching.md); None means the engine's defaults.
    recommendations_k: Mapped[int] = mapped_column(default=5)
    exposure_cap: Mapped[int | None] = mapped_column()
    max_meetings_per_person: Mapped[int] = mapped_column(default=4)
    matching_weights: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    recommendations_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    schedule_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Follow-up: days after the event at which "what came of it?" is asked.
    follow_up_days: Mapped[list[int]] = mapped_column(sa.JSON, default=lambda: [30, 90])
    feedback_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    retention_months: Mapped[int] = mapped_column(default=12)
    personal_data_purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cloned_from_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("events.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    quotas: Mapped[list[RoleQuota]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="RoleQuota.role"
    )
    interests: Mapped[list[Interest]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="Interest.label"
    )
    memberships: Mapped[list[EventOrganizer]] = relationship(
        back_populates="event", cascade="all, delete-orphan"
    )
    slots: Mapped[list[MeetingSlot]] = relationship(
        cascade="all, delete-orphan", order_by="MeetingSlot.starts_at"
    )
    tables: Mapped[list[MeetingTable]] = relationship(
        cascade="all, delete-orphan", order_by="MeetingTable.position"
    )

    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.CheckConstraint("capacity >= 0", name="capacity_non_negative"),
    )

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def quota_for(self, role: AttendeeRole | str) -> RoleQuota | None:
        return next((q for q in self.quotas if q.role == role), None)

    def localized(self, field: str, locale: str | None) -> str:
        """The field in ``locale`` when given, else in the event's default language."""
        if locale and locale != self.default_locale:
            value = (self.translations or {}).get(locale, {}).get(field)
            if value:
                return str(value)
        return str(getattr(self, field))

    def registration_open(self, now: datetime) -> bool:
        return registration_window_open(
            self.status,
            self.registration_opens_at,
            self.registration_closes_at,
            self.starts_at,
            now,
        )

    def __repr__(self) -> str:
        return f"<Event {self.slug!r}>"


class RoleQuota(db.Model):
    """How many confirmed places one attendee role has at an event."""

    __tablename__ = "role_quotas"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("events.id", ondelete="CASCADE"))
    role: Mapped[AttendeeRole] = mapped_column(enum_column(AttendeeRole, "attendee_role"))
    capacity: Mapped[int] = mapped_column()

    event: Mapped[Event] = relationship(back_populates="quotas")

    __table_args__ = (
        sa.UniqueConstraint("event_id", "role"),
        sa.CheckConstraint("capacity >= 0", name="capacity_non_negative"),
    )


class Interest(db.Model):
    """A tag of the interest taxonomy; global when ``event_id`` is NULL."""

    __tablename__ = "interests"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(sa.String(80))
    slug: Mapped[str] = mapped_column(sa.String(80))
    category: Mapped[str] = mapped_column(sa.String(80), default="")

    event: Mapped[Event | None] = relationship(back_populates="interests")

    __table_args__ = (sa.UniqueConstraint("event_id", "slug"),)

    def __repr__(self) -> str:
        return f"<Interest {self.label!r}>"
