"""What registering for an event depends on, read with a few plain SQL statements.

A registration rush runs the registration service hundreds of times a second, and loading
the whole `Event` with its relationships through the ORM cost more than the rest of the
request (docs/benchmarks.md, "Load"). `EventTerms` holds only what registering needs: the
event's state and window, its places per role and its topics. It is read twice per
registration: before the lock (to validate the form; `load_event_terms`) and under the
lock (`lock_event_terms`), where it is the authoritative copy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from ..extensions import db
from ..models import AttendeeRole, Event, EventStatus, Interest, RoleQuota
from ..models.event import registration_window_open
from .locking import lock_event_row

# The roles one may register with, in display order (`offered_roles`).
ROLE_ORDER = (AttendeeRole.STUDENT, AttendeeRole.STAFF, AttendeeRole.EMPLOYER)

_events = Event.__table__
_quotas = RoleQuota.__table__
_TERMS_COLUMNS = (
    _events.c.id,
    _events.c.status,
    _events.c.starts_at,
    _events.c.registration_opens_at,
    _events.c.registration_closes_at,
    _events.c.capacity,
    _events.c.double_opt_in,
    _events.c.pending_hold_minutes,
    _quotas.c.role,
    _quotas.c.capacity,
)
_TERMS = sa.select(*_TERMS_COLUMNS).select_from(
    _events.outerjoin(_quotas, _quotas.c.event_id == _events.c.id)
)
_TERMS_BY_ID = _TERMS.where(_events.c.id == sa.bindparam("event_id"))
_TERMS_BY_SLUG = _TERMS.where(_events.c.slug == sa.bindparam("slug"))
_TERMS_LOCKED = _TERMS_BY_ID.with_for_update(of=_events, key_share=True)  # FOR NO KEY UPDATE
_TOPICS = sa.select(Interest.__table__.c.label, Interest.__table__.c.id).where(
    Interest.__table__.c.event_id == sa.bindparam("event_id")
)


@dataclass(frozen=True)
class EventTerms:
    """An event's registration terms: state, window, places per role, topics.

    ``limits`` maps each offered role to its quota (None: only the capacity limits it), in
    display order; an event without quota rows offers every role. ``topics`` maps the
    event's topic labels to their ids (empty when not loaded, as under the lock).
    """

    id: int
    status: EventStatus
    starts_at: datetime
    registration_opens_at: datetime | None
    registration_closes_at: datetime | None
    capacity: int
    double_opt_in: bool
    pending_hold_minutes: int
    limits: Mapping[AttendeeRole, int | None]
    topics: Mapping[str, int] = field(default_factory=dict)

    @property
    def roles(self) -> list[AttendeeRole]:
        return list(self.limits)

    def registration_open(self, now: datetime) -> bool:
        return registration_window_open(
            self.status,
            self.registration_opens_at,
            self.registration_closes_at,
            self.starts_at,
            now,
        )

    def hold_until(self, now: datetime) -> datetime:
        """When a pending (double opt-in) hold given now runs out."""
        return now + timedelta(minutes=max(int(self.pending_hold_minutes or 0), 1))


def role_limits(quotas: Mapping[AttendeeRole, int]) -> dict[AttendeeRole, int | None]:
    """Offered roles in display order with their quota; no quotas: every role, unlimited."""
    if not quotas:
        return dict.fromkeys(ROLE_ORDER)
    return {role: quotas[role] for role in ROLE_ORDER if role in quotas}


def _terms(rows: list[sa.Row], topics: Mapping[str, int] | None = None) -> EventTerms | None:
    if not rows:
        return None
    first = rows[0]
    quotas = {AttendeeRole(row[8]): int(row[9]) for row in rows if row[8] is not None}
    return EventTerms(
        id=first[0],
        status=EventStatus(first[1]),
        starts_at=first[2],
        registration_opens_at=first[3],
        registration_closes_at=first[4],
        capacity=first[5],
        double_opt_in=bool(first[6]),
        pending_hold_minutes=first[7],
        limits=role_limits(quotas),
        topics=topics or {},
    )


def load_event_terms(event_id: int | None = None, *, slug: str | None = None) -> EventTerms | None:
    """The terms of the event with this id (or slug), topics included; None when unknown."""
    conn = db.session.connection()
    if slug is not None:
        rows = conn.execute(_TERMS_BY_SLUG, {"slug": slug}).all()
    else:
        rows = conn.execute(_TERMS_BY_ID, {"event_id": event_id}).all()
    if not rows:
        return None
    topics = dict(conn.execute(_TOPICS, {"event_id": rows[0][0]}).all())
    return _terms(rows, topics)


def lock_event_terms(event_id: int) -> EventTerms:
    """Take the event's lock (`eventnet.services.locking`) and read its terms fresh.

    On PostgreSQL the lock and the read are one statement. Raises `NotFound` and
    `TryAgain` like `lock_event`. Topics are not read (validation happened before).
    """
    rows = lock_event_row(event_id, _TERMS_LOCKED, _TERMS_BY_ID)
    terms = _terms(rows)
    assert terms is not None  # lock_event_row raised NotFound otherwise
    return terms
