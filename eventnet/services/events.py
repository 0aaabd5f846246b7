"""Reading events for the public and for organizers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Event, EventStatus


@dataclass(frozen=True)
class PublicListing:
    upcoming: list[Event]
    past: list[Event]


PUBLIC_STATUSES = (EventStatus.PUBLISHED, EventStatus.CLOSED)


def list_public_events(now: datetime) -> PublicListing:
    """Published (or closed) events, upcoming first by date, then past ones newest first."""
    events = db.session.scalars(
        sa.select(Event)
        .where(Event.status.in_(PUBLIC_STATUSES))
        .options(selectinload(Event.quotas))
        .order_by(Event.starts_at)
    ).all()
    upcoming = [e for e in events if e.ends_at >= now]
    past = sorted((e for e in events if e.ends_at < now), key=lambda e: e.starts_at, reverse=True)
    return PublicListing(upcoming=upcoming, past=past)


def get_public_event(slug: str) -> Event | None:
    return db.session.scalar(
        sa.select(Event).where(Event.slug == slug, Event.status.in_(PUBLIC_STATUSES))
    )
