"""After the event: feedback, confirmed connections, follow-ups and their outcomes."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .enums import OutcomeType, QuoteConsent
from .registration import Registration
from .types import UTCDateTime, enum_column, utcnow

_REG_FK = "registrations.id"


class FeedbackResponse(db.Model):
    """One attendee's answer to the post-event survey; editable until the survey closes."""

    __tablename__ = "feedback_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey(_REG_FK, ondelete="CASCADE"), unique=True
    )
    overall_rating: Mapped[int | None] = mapped_column()  # 1..5
    nps: Mapped[int | None] = mapped_column()  # 0..10
    recommendations_useful: Mapped[int | None] = mapped_column()  # 1..5
    improve: Mapped[str] = mapped_column(sa.Text, default="")
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    quote_consent: Mapped[QuoteConsent] = mapped_column(
        enum_column(QuoteConsent, "quote_consent"), default=QuoteConsent.NONE
    )
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    __table_args__ = (
        sa.CheckConstraint("overall_rating BETWEEN 1 AND 5", name="rating_range"),
        sa.CheckConstraint("nps BETWEEN 0 AND 10", name="nps_range"),
        sa.CheckConstraint("recommendations_useful BETWEEN 1 AND 5", name="useful_range"),
    )


class FeedbackInvitation(db.Model):
    """The post-event survey as sent to one attendee: its secret link and its two mails.

    The survey mail and its one reminder are queued in the outbox together (the raw token is
    only in those mails); answering or unsubscribing cancels the reminder while it is pending.
    """

    __tablename__ = "feedback_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey(_REG_FK, ondelete="CASCADE"), unique=True
    )
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # When the survey mail (and the reminder, if any) are scheduled to leave the outbox.
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    registration: Mapped[Registration] = relationship()


class MeetingFeedback(db.Model):
    """Was this meeting valuable, according to one of its partners?"""

    __tablename__ = "meeting_feedback"

    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True
    )
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey(_REG_FK, ondelete="CASCADE"), primary_key=True
    )
    valuable: Mapped[bool] = mapped_column()


class Connection(db.Model):
    """Two attendees who met; it counts once both have confirmed it."""

    __tablename__ = "connections"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    first_id: Mapped[int] = mapped_column(sa.ForeignKey(_REG_FK, ondelete="CASCADE"), index=True)
    second_id: Mapped[int] = mapped_column(sa.ForeignKey(_REG_FK, ondelete="CASCADE"), index=True)
    first_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    second_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    first: Mapped[Registration] = relationship(foreign_keys=[first_id])
    second: Mapped[Registration] = relationship(foreign_keys=[second_id])

    __table_args__ = (
        sa.UniqueConstraint("first_id", "second_id"),
        sa.CheckConstraint("first_id < second_id", name="ordered_pair"),
    )

    @property
    def confirmed(self) -> bool:
        return self.first_confirmed_at is not None and self.second_confirmed_at is not None


class FollowUp(db.Model):
    """ "What came of it?" asked of one attendee at a set number of days after the event."""

    __tablename__ = "follow_ups"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey(_REG_FK, ondelete="CASCADE"))
    days_after: Mapped[int] = mapped_column()
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    comment: Mapped[str] = mapped_column(sa.Text, default="")

    __table_args__ = (sa.UniqueConstraint("registration_id", "days_after"),)


class Outcome(db.Model):
    """Something that came of the event: an internship, a thesis topic, a collaboration..."""

    __tablename__ = "outcomes"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("events.id", ondelete="CASCADE"), index=True
    )
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey(_REG_FK, ondelete="CASCADE"), index=True
    )
    connection_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("connections.id", ondelete="SET NULL")
    )
    follow_up_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("follow_ups.id", ondelete="SET NULL")
    )
    type: Mapped[OutcomeType] = mapped_column(enum_column(OutcomeType, "outcome_type"))
    text: Mapped[str] = mapped_column(sa.Text, default="")
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    connection: Mapped[Connection | None] = relationship()
