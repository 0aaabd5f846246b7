"""Meeting slots and tables, recommendations, meeting requests and scheduled meetings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .enums import MeetingRequestStatus, MeetingSource, MeetingStatus, OverrideKind
from .registration import Registration
from .types import UTCDateTime, enum_column, utcnow

_REG_FK = "registrations.id"


class MeetingSlot(db.Model):
    """A time window in which 1:1 meetings take place."""

    __tablename__ = "meeting_slots"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),)


class MeetingTable(db.Model):
    """A place where one meeting happens per slot."""

    __tablename__ = "meeting_tables"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    label: Mapped[str] = mapped_column(sa.String(40))
    position: Mapped[int] = mapped_column(default=0)

    __table_args__ = (sa.UniqueConstraint("event_id", "label"),)


class Unavailability(db.Model):
    """An attendee cannot meet anyone during this slot."""

    __tablename__ = "unavailabilities"

    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey(_REG_FK, ondelete="CASCADE"), primary_key=True
    )
    slot_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meeting_slots.id", ondelete="CASCADE"), primary_key=True
    )


class Recommendation(db.Model):
    """ "You should meet ...": one ranked, explained entry of an attendee's list."""

    __tablename__ = "recommendations"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey(_REG_FK, ondelete="CASCADE"))
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey(_REG_FK, ondelete="CASCADE"), index=True)
    rank: Mapped[int] = mapped_column()
    score: Mapped[float] = mapped_column()
    parts: Mapped[dict[str, float]] = mapped_column(sa.JSON, default=dict)
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    partner: Mapped[Registration] = relationship(foreign_keys=[partner_id])

    __table_args__ = (sa.UniqueConstraint("registration_id", "partner_id"),)


class MatchOverride(db.Model):
    """An organizer's decision about a pair: always recommend (pin) or never (block)."""

    __tablename__ = "match_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    first_id: Mapped[int] = mapped_column(sa.ForeignKey(_REG_FK, ondelete="CASCADE"))
    second_id: Mapped[int] = mapped_column(sa.ForeignKey(_REG_FK, ondelete="CASCADE"))
    kind: Mapped[OverrideKind] = mapped_column(enum_column(OverrideKind, "override_kind"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("first_id", "second_id"),
        sa.CheckConstraint("first_id < second_id", name="ordered_pair"),
    )


class Bookmark(db.Model):
    """An attendee saved someone to look at later."""

    __tablename__ = "bookmarks"

    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey(_REG_FK, ondelete="CASCADE"), primary_key=True
    )
    partner_id: Mapped[int] = mapped_column(
        sa.ForeignKey(_REG_FK, ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MeetingRequest(db.Model):
    """One attendee asks another for a 1:1 meeting; unanswered requests expire."""

    __tablename__ = "meeting_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    requester_id: Mapped[int] = mapped_column(sa.ForeignKey(_REG_FK, ondelete="CASCADE"))
    recipient_id: Mapped[int] = mapped_column(
        sa.ForeignKey(_REG_FK, ondelete="CASCADE"), index=True
    )
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    status: Mapped[MeetingRequestStatus] = mapped_column(
        enum_column(MeetingRequestStatus, "meeting_request_status"),
        default=MeetingRequestStatus.PENDING,
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    requester: Mapped[Registration] = relationship(foreign_keys=[requester_id])
    recipient: Mapped[Registration] = relationship(foreign_keys=[recipient_id])

    __table_args__ = (
        sa.Index(
            "uq_meeting_requests_open_pair",
            "requester_id",
            "recipient_id",
            unique=True,
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        ),
        sa.CheckConstraint("requester_id != recipient_id", name="not_self"),
    )


class Meeting(db.Model):
    """A scheduled 1:1 meeting at a slot and table; later marked held or no-show."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    first_id: Mapped[int] = mapped_column(sa.ForeignKey(_REG_FK, ondelete="CASCADE"), index=True)
    second_id: Mapped[int] = mapped_column(sa.ForeignKey(_REG_FK, ondelete="CASCADE"), index=True)
    slot_id: Mapped[int] = mapped_column(sa.ForeignKey("meeting_slots.id", ondelete="CASCADE"))
    table_id: Mapped[int] = mapped_column(sa.ForeignKey("meeting_tables.id", ondelete="CASCADE"))
    status: Mapped[MeetingStatus] = mapped_column(
        enum_column(MeetingStatus, "meeting_status"), default=MeetingStatus.SCHEDULED
    )
    source: Mapped[MeetingSource] = mapped_column(
        enum_column(MeetingSource, "meeting_source"), default=MeetingSource.RECOMMENDATION
    )
    score: Mapped[float] = mapped_column(default=0.0)
    locked: Mapped[bool] = mapped_column(default=False)
    request_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("meeting_requests.id", ondelete="SET NULL")
    )
    marked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    first: Mapped[Registration] = relationship(foreign_keys=[first_id])
    second: Mapped[Registration] = relationship(foreign_keys=[second_id])
    slot: Mapped[MeetingSlot] = relationship()
    table: Mapped[MeetingTable] = relationship()

    __table_args__ = (
        sa.Index(
            "uq_meetings_slot_table",
            "slot_id",
            "table_id",
            unique=True,
            sqlite_where=sa.text("status != 'cancelled'"),
            postgresql_where=sa.text("status != 'cancelled'"),
        ),
        sa.CheckConstraint("first_id < second_id", name="ordered_pair"),
    )
