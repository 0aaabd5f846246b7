"""Places, pending holds and the FIFO waiting list.

Rules (also in docs/architecture.md):

- A place is taken by a *confirmed* registration, or by a *pending* one (double opt-in)
  until its ``pending_expires_at``. Taken places never exceed the role's quota nor the
  event's capacity.
- Roles are offered when the event has a `RoleQuota` row for them; an event without any
  quota row offers every role, limited only by its capacity.
- The waiting list is one queue per event ordered by ``waitlisted_at`` (then id): the oldest
  person whose role has a free place is promoted first. ``waitlist_position`` is that
  person's 1-based position among the waiting people *of the same role*, renumbered after
  every promotion and cancellation (the database requires a position iff wait-listed).
- Everything that changes places runs under `lock_event`.

`promote_waitlist` and `expire_pending_holds` are the public services here;
`plan_promotions` is the pure rule the demo data uses as well.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa

from ..extensions import db
from ..models import AttendeeRole, Event, Registration, RegistrationStatus
from ..models.registration import HOLDING_PLACE
from ..models.types import UTCDateTime
from .event_terms import role_limits
from .locking import lock_and_load_event
from .notifications import queue_promotion_mail, queue_status_mail
from .outbox import deliver_after_commit
from .tickets import rotate_token

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class RoleAvailability:
    role: AttendeeRole
    quota: int | None  # None: no per-role limit, only the event's capacity
    taken: int  # confirmed + pending holds
    waiting: int
    left: int  # free places for this role, also within the event's capacity

    @property
    def full(self) -> bool:
        return self.left <= 0


@dataclass(frozen=True)
class Availability:
    capacity: int
    taken: int
    roles: dict[AttendeeRole, RoleAvailability]
    overdue: int = 0  # pending holds whose time is up but that are not released yet

    @property
    def left(self) -> int:
        return max(self.capacity - self.taken, 0)

    @property
    def places_left(self) -> int:
        """Free places over all offered roles (role quotas and the capacity both apply)."""
        return min(self.left, sum(r.left for r in self.roles.values()))

    @property
    def waiting(self) -> int:
        return sum(r.waiting for r in self.roles.values())

    @property
    def any_left(self) -> bool:
        return any(not r.full for r in self.roles.values())

    def left_for(self, role: AttendeeRole | str) -> int:
        info = self.roles.get(AttendeeRole(role))
        return info.left if info else 0

    @property
    def needs_promotion(self) -> bool:
        """Someone waits for a role that has a free place (the queue is behind)."""
        return any(r.left > 0 and r.waiting > 0 for r in self.roles.values())


def event_limits(event: Event) -> dict[AttendeeRole, int | None]:
    """The offered roles in display order with their quota (see `role_limits`)."""
    return role_limits({q.role: q.capacity for q in event.quotas})


def offered_roles(event: Event) -> list[AttendeeRole]:
    """The roles one may register with, in a stable display order."""
    return list(event_limits(event))


def _holds_place(now: datetime | sa.BindParameter[datetime]) -> sa.ColumnElement[bool]:
    return sa.or_(
        Registration.status == RegistrationStatus.CONFIRMED,
        sa.and_(
            Registration.status == RegistrationStatus.PENDING,
            sa.or_(
                Registration.pending_expires_at.is_(None), Registration.pending_expires_at > now
            ),
        ),
    )


def _count_places(
    now: datetime | sa.BindParameter[datetime],
) -> tuple[sa.ColumnElement[int], ...]:
    """Per group: places taken, people waiting, overdue holds (one scan of the rows)."""
    return (
        sa.func.count().filter(_holds_place(now)),
        sa.func.count().filter(Registration.status == RegistrationStatus.WAITLISTED),
        sa.func.count().filter(
            Registration.status == RegistrationStatus.PENDING,
            Registration.pending_expires_at <= now,
        ),
    )


def _availability(
    capacity: int,
    limits: Mapping[AttendeeRole, int | None],
    counts: dict[AttendeeRole, tuple[int, int, int]],
) -> Availability:
    """Availability from per-role (taken, waiting, overdue) counts."""
    total = sum(taken for taken, _waiting, _overdue in counts.values())
    event_left = max(capacity - total, 0)
    roles = {}
    for role, limit in limits.items():
        used, waiting, _overdue = counts.get(role, (0, 0, 0))
        role_left = event_left if limit is None else min(max(limit - used, 0), event_left)
        roles[role] = RoleAvailability(
            role=role, quota=limit, taken=used, waiting=waiting, left=role_left
        )
    overdue = sum(overdue for _taken, _waiting, overdue in counts.values())
    return Availability(capacity=capacity, taken=total, roles=roles, overdue=overdue)


_NOW = sa.bindparam("now", type_=UTCDateTime())
_EVENT = sa.bindparam("event_id")
# Places taken and overdue holds: only the rows holding a place are read (at most about the
# capacity, through the partial index ix_registrations_event_holding), however long the queue.
_HOLDING = (
    sa.select(
        Registration.role,
        sa.func.count().filter(_holds_place(_NOW)),
        sa.null(),
        sa.func.count().filter(
            Registration.status == RegistrationStatus.PENDING,
            Registration.pending_expires_at <= _NOW,
        ),
    )
    .where(
        Registration.event_id == _EVENT,
        sa.text(HOLDING_PLACE),
    )
    .group_by(Registration.role)
)
# People waiting per role: the last waiting-list position, one index probe each
# (ix_registrations_event_queue). Positions are 1..n per role, kept so under the event
# lock (`eventnet.ops.invariants` checks it); the last one is also what a newcomer queues behind.
# Written as ORDER BY ... DESC LIMIT 1 rather than max(): for a new event without statistics
# PostgreSQL costed max() over another index as equal and read the whole queue.
_QUEUE_ENDS = [
    sa.select(
        sa.literal(role.value),
        sa.null(),
        sa.select(Registration.waitlist_position)
        .where(
            Registration.event_id == _EVENT,
            Registration.role == role,
            Registration.waitlist_position.is_not(None),
        )
        .order_by(Registration.waitlist_position.desc())
        .limit(1)
        .scalar_subquery(),
        sa.null(),
    )
    for role in AttendeeRole
]
_COUNT = sa.union_all(_HOLDING, *_QUEUE_ENDS)


def availability(event: Event, now: datetime) -> Availability:
    """Places taken, left and waiting per offered role of ``event`` (one grouped query)."""
    return count_availability(event.id, event.capacity, event_limits(event), now)


def count_availability(
    event_id: int,
    capacity: int,
    limits: Mapping[AttendeeRole, int | None],
    now: datetime,
) -> Availability:
    """`availability` from the event's capacity and role limits (`EventTerms` has both)."""
    db.session.flush()  # the ORM callers' pending changes count too
    query, params = places_count(event_id, now)
    rows = db.session.connection().execute(query, params).all()
    return availability_from_count(capacity, limits, rows)


def places_count(event_id: int, now: datetime) -> tuple[sa.CompoundSelect, dict[str, Any]]:
    """The counting statement of `count_availability` and its parameters (to send it along
    with the lock, `eventnet.services.pipeline`); `availability_from_count` reads its rows."""
    return _COUNT, {"event_id": event_id, "now": now}


def availability_from_count(
    capacity: int, limits: Mapping[AttendeeRole, int | None], rows: Iterable[Sequence[Any]]
) -> Availability:
    counts: dict[AttendeeRole, tuple[int, int, int]] = {}
    for role, taken, waiting, overdue in rows:
        before = counts.get(AttendeeRole(role), (0, 0, 0))
        counts[AttendeeRole(role)] = (
            before[0] + int(taken or 0),
            before[1] + int(waiting or 0),
            before[2] + int(overdue or 0),
        )
    return _availability(capacity, limits, counts)


def plan_promotions(
    capacity: int,
    quotas: dict[AttendeeRole, int | None],
    taken: dict[AttendeeRole, int],
    waiting: Iterable[tuple[K, AttendeeRole]],
) -> list[K]:
    """Who moves from the waiting list to a place, oldest first: a pure function.

    ``waiting`` is in queue order; a person whose role is full does not block a person of
    another role behind them. Roles missing from ``quotas`` are not offered (never promoted).
    """
    taken = dict(taken)
    total = sum(taken.values())
    promoted: list[K] = []
    for key, role in waiting:
        if role not in quotas or total >= capacity:
            continue
        limit = quotas[role]
        if limit is not None and taken.get(role, 0) >= limit:
            continue
        promoted.append(key)
        taken[role] = taken.get(role, 0) + 1
        total += 1
    return promoted


def waiting_queue(event_id: int) -> list[Registration]:
    """Everyone waiting, in promotion order.

    Within a role the order is the waiting-list position, which is given under the event
    lock when a person joins (the end of the queue) and only ever closes gaps: a position
    never gets worse. Roles are merged by when their next person started waiting.
    """
    rows = db.session.scalars(
        sa.select(Registration)
        .where(
            Registration.event_id == event_id,
            Registration.status == RegistrationStatus.WAITLISTED,
        )
        .order_by(
            Registration.role,
            Registration.waitlist_position.nulls_last(),
            Registration.waitlisted_at,
            Registration.id,
        )
    ).all()
    lanes: dict[AttendeeRole, list[Registration]] = {}
    for reg in rows:
        lanes.setdefault(reg.role, []).append(reg)
    merged: list[Registration] = []
    heads = {role: 0 for role in lanes}
    far_future = datetime.max.replace(tzinfo=UTC)
    while len(merged) < len(rows):
        role = min(
            (r for r in lanes if heads[r] < len(lanes[r])),
            key=lambda r: (
                lanes[r][heads[r]].waitlisted_at or far_future,
                lanes[r][heads[r]].id,
            ),
        )
        merged.append(lanes[role][heads[role]])
        heads[role] += 1
    return merged


def renumber_waitlist(event_id: int) -> None:
    """Positions 1..n per role, keeping the queue order (closes gaps). Under the event lock."""
    counters: dict[AttendeeRole, int] = {}
    for reg in waiting_queue(event_id):
        counters[reg.role] = counters.get(reg.role, 0) + 1
        if reg.waitlist_position != counters[reg.role]:
            reg.waitlist_position = counters[reg.role]


def hold_until(event: Event, now: datetime) -> datetime:
    return now + timedelta(minutes=max(int(event.pending_hold_minutes or 0), 1))


def promote_locked(
    event: Event,
    now: datetime,
    role: AttendeeRole | None = None,
    *,
    info: Availability | None = None,
) -> list[tuple[Registration, str]]:
    """Promote whoever fits, oldest first; the caller holds the lock and commits.

    Returns (registration, new manage token) pairs: the promotion mail carries a fresh link
    because only the token's hash is stored. With double opt-in the promoted person gets a
    pending hold to confirm, otherwise a confirmed place. ``info``: the availability the
    caller just counted under the lock (saves counting again). When no role has both a
    free place and someone waiting, nothing is loaded and nothing changes.
    """
    info = info or availability(event, now)
    if not info.needs_promotion:
        return []
    queue = [r for r in waiting_queue(event.id) if role is None or r.role == role]
    chosen = plan_promotions(
        info.capacity,
        {r: a.quota for r, a in info.roles.items()},
        {r: a.taken for r, a in info.roles.items()},
        ((reg, reg.role) for reg in queue),
    )
    results = []
    for reg in chosen:
        reg.waitlist_position = None
        reg.promoted_at = now
        if event.double_opt_in:
            reg.status = RegistrationStatus.PENDING
            reg.pending_expires_at = hold_until(event, now)
        else:
            reg.status = RegistrationStatus.CONFIRMED
            reg.confirmed_at = now
        token = rotate_token(reg)
        db.session.flush()
        queue_promotion_mail(reg, token, now)
        results.append((reg, token))
    renumber_waitlist(event.id)
    return results


def expire_locked(event: Event, now: datetime) -> list[Registration]:
    """Release pending holds whose time is up (status cancelled); the caller holds the lock."""
    overdue = list(
        db.session.scalars(
            sa.select(Registration).where(
                Registration.event_id == event.id,
                Registration.status == RegistrationStatus.PENDING,
                Registration.pending_expires_at.is_not(None),
                Registration.pending_expires_at <= now,
            )
        )
    )
    for reg in overdue:
        reg.status = RegistrationStatus.CANCELLED
        reg.cancelled_at = now
        queue_status_mail(reg, "hold_expired", now)
    return overdue


def load_locked_event(event_id: int) -> Event:
    """Take the event lock, then load the event fresh (call at the start of a unit of work)."""
    return lock_and_load_event(event_id)


def promote_waitlist(
    event_id: int, now: datetime, role: AttendeeRole | str | None = None
) -> list[int]:
    """Fill free places from the waiting list, FIFO, under the event lock; commits.

    Call it after anything that frees or adds places outside this module, e.g. when an
    organizer raises a quota or the event's capacity (commit that change first). Overdue
    pending holds are released first. Each promoted person gets an e-mail. Returns the ids
    of the promoted registrations.
    """
    event = load_locked_event(event_id)
    expire_locked(event, now)
    promoted = promote_locked(event, now, AttendeeRole(role) if role else None)
    db.session.commit()
    deliver_after_commit(now)
    return [reg.id for reg, _token in promoted]


def expire_pending_holds(now: datetime) -> int:
    """Release every overdue pending hold (and promote the waiting list); returns how many.

    One transaction per event, each under that event's lock. Run by ``eventnet tick``.
    """
    event_ids: Sequence[int] = db.session.scalars(
        sa.select(Registration.event_id)
        .where(
            Registration.status == RegistrationStatus.PENDING,
            Registration.pending_expires_at.is_not(None),
            Registration.pending_expires_at <= now,
        )
        .distinct()
        .order_by(Registration.event_id)
    ).all()
    released = 0
    for event_id in event_ids:
        event = load_locked_event(event_id)
        released += len(expire_locked(event, now))
        promote_locked(event, now)
        db.session.commit()
        deliver_after_commit(now)
    return released


def availabilities(events: Sequence[Event], now: datetime) -> dict[int, Availability]:
    """`availability` for many events at once, in one grouped query (the home page).

    Added for the query-count test (tests/web/test_query_counts.py): same figures as
    `availability`, without a query per event.
    """
    ids = [event.id for event in events]
    if not ids:
        return {}
    counts: dict[int, dict[AttendeeRole, tuple[int, int, int]]] = {}
    for event_id, role, taken, waiting, overdue in db.session.execute(
        sa.select(Registration.event_id, Registration.role, *_count_places(now))
        .where(Registration.event_id.in_(ids))
        .group_by(Registration.event_id, Registration.role)
    ):
        counts.setdefault(event_id, {})[role] = (int(taken), int(waiting), int(overdue))
    return {
        event.id: _availability(event.capacity, event_limits(event), counts.get(event.id, {}))
        for event in events
    }
