"""What registering for an event depends on, read with a few plain SQL statements.

A registration rush runs the registration service hundreds of times a second, and loading
the whole `Event` with its relationships through the ORM cost more than the rest of the
request (docs/benchmarks.md, "Load"). `EventTerms` holds only what registering needs: the
event's state and window, its places per role and its topics. It is read twice per
registration: before the lock (to validate the form; `load_event_terms`) and under the
lock (`lock_event_terms`), where it is the authoritative copy.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..models import AttendeeRole, Event, EventStatus, Interest, RoleQuota
from ..models.event import registration_window_open
from .locking import lock_event_row

# The roles one may register with, in display order (`offered_roles`).
ROLE_ORDER = (AttendeeRole.STUDENT, AttendeeRole.STAFF, AttendeeRole.EMPLOYER)

_events = Event.__table__
_quotas = RoleQuota.__table__
_topics = Interest.__table__
_EVENT_COLUMNS = (
    _events.c.id,
    _events.c.status,
    _events.c.starts_at,
    _events.c.registration_opens_at,
    _events.c.registration_closes_at,
    _events.c.capacity,
    _events.c.double_opt_in,
    _events.c.pending_hold_minutes,
)
# One row per quota (or one with NULLs), then one row per topic, in one round trip:
# (event columns..., quota role, quota capacity, topic label, topic id).
_WITH_QUOTAS = sa.select(
    *_EVENT_COLUMNS, _quotas.c.role, _quotas.c.capacity, sa.null(), sa.null()
).select_from(_events.outerjoin(_quotas, _quotas.c.event_id == _events.c.id))
_WITH_TOPICS = sa.select(
    *_EVENT_COLUMNS, sa.null(), sa.null(), _topics.c.label, _topics.c.id
).select_from(_events.join(_topics, _topics.c.event_id == _events.c.id))
_BY_ID = _events.c.id == sa.bindparam("event_id")
_BY_SLUG = _events.c.slug == sa.bindparam("slug")
_TERMS_BY_ID = sa.union_all(_WITH_QUOTAS.where(_BY_ID), _WITH_TOPICS.where(_BY_ID))
_TERMS_BY_SLUG = sa.union_all(_WITH_QUOTAS.where(_BY_SLUG), _WITH_TOPICS.where(_BY_SLUG))
_QUOTAS_BY_ID = _WITH_QUOTAS.where(_BY_ID)
# The locking statement (FOR NO KEY UPDATE, see eventnet.services.locking) with the terms.
LOCK_TERMS = _QUOTAS_BY_ID.with_for_update(of=_events, key_share=True)


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


def terms_from_rows(rows: Sequence[Sequence[Any]]) -> EventTerms | None:
    """The terms from the rows of the terms queries (None: no such event)."""
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
        topics={row[10]: row[11] for row in rows if row[11] is not None},
    )


def load_event_terms(event_id: int | None = None, *, slug: str | None = None) -> EventTerms | None:
    """The terms of the event with this id (or slug), topics included; None when unknown."""
    query, params = (
        (_TERMS_BY_SLUG, {"slug": slug})
        if slug is not None
        else (_TERMS_BY_ID, {"event_id": event_id})
    )
    return terms_from_rows(db.session.connection().execute(query, params).all())


class _RecentTerms:
    """Event terms by slug, kept a few seconds per process (see `recent_event_terms`)."""

    def __init__(self) -> None:
        self._terms: dict[str, tuple[float, EventTerms]] = {}
        self._lock = threading.Lock()

    def get(self, slug: str, ttl: float) -> EventTerms | None:
        with self._lock:
            found = self._terms.get(slug)
        if found is not None and found[0] > time.monotonic():
            return found[1]
        terms = load_event_terms(slug=slug)
        if terms is not None:
            with self._lock:
                if len(self._terms) >= _RECENT_MAX:
                    self._terms.clear()
                self._terms[slug] = (time.monotonic() + ttl, terms)
        return terms

    def clear(self) -> None:
        with self._lock:
            self._terms.clear()


_RECENT_MAX = 256
RECENT_TERMS = _RecentTerms()


def recent_event_terms(slug: str) -> EventTerms | None:
    """The terms of the event with this slug as read at most ``EVENT_TERMS_CACHE_SECONDS``
    ago in this process (default 2 s; 0 reads them every time).

    For the registration API in a rush, where every request would otherwise read the same
    terms again. Only for validating before the lock: the lock reads them fresh, and
    `register` checks a refusal against fresh terms. A missing event is not kept.
    """
    configured = current_app.config.get("EVENT_TERMS_CACHE_SECONDS")
    ttl = float(configured) if configured is not None else 0.0 if current_app.testing else 2.0
    if ttl <= 0:
        return load_event_terms(slug=slug)
    return RECENT_TERMS.get(slug, ttl)


def lock_event_terms(event_id: int) -> EventTerms:
    """Take the event's lock (`eventnet.services.locking`) and read its terms fresh.

    On PostgreSQL the lock and the read are one statement. Raises `NotFound` and
    `TryAgain` like `lock_event`. Topics are not read (validation happened before).
    """
    terms = terms_from_rows(lock_event_row(event_id, LOCK_TERMS, _QUOTAS_BY_ID))
    assert terms is not None  # lock_event_row raised NotFound otherwise
    return terms
