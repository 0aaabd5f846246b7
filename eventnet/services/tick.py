"""Periodic work, run by ``eventnet tick`` (cron every few minutes, or a worker loop).

`TICK_STEPS` is an ordered list of (name, function) pairs; each function takes ``now`` and
returns a short summary (a count or text). Steps must be idempotent: a tick may run twice
for the same ``now`` or overlap with another, so guard with locks or outbox ``dedupe_key``s.
A failing step is logged and reported; the other steps still run.

Other areas add their steps with `tick_step` (e.g. feedback follow-ups, data retention),
from a module the app imports::

    from eventnet.services.tick import tick_step

    @tick_step("send follow-ups", before="deliver outbox")
    def send_follow_ups(now): ...

Delivery of the outbox stays last so that mail queued by earlier steps leaves in the same
tick.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from ..extensions import db
from ..models import Event, EventStatus, Registration, RegistrationStatus

log = logging.getLogger(__name__)

TickFunction = Callable[[datetime], Any]
REMINDER_LEAD = timedelta(hours=24)


@dataclass
class StepResult:
    name: str
    result: Any = None
    error: str | None = None

    def __str__(self) -> str:
        return f"{self.name}: {'FAILED ' + self.error if self.error else self.result}"


def send_reminders(now: datetime) -> int:
    """The day-before reminder: once per confirmed registration, within 24 h of the start."""
    from .notifications import queue_reminder_mail
    from .outbox import deliver_after_commit

    regs = db.session.scalars(
        sa.select(Registration)
        .join(Event, Event.id == Registration.event_id)
        .where(
            Event.status.in_((EventStatus.PUBLISHED, EventStatus.CLOSED)),
            Event.starts_at > now,
            Event.starts_at <= now + REMINDER_LEAD,
            Registration.status == RegistrationStatus.CONFIRMED,
            Registration.reminder_sent_at.is_(None),
        )
        .order_by(Registration.id)
    ).all()
    sent = 0
    for reg in regs:
        if queue_reminder_mail(reg, now):
            sent += 1
        reg.reminder_sent_at = now
    db.session.commit()
    deliver_after_commit(now)
    return sent


def _expire(now: datetime) -> int:
    from .waitlist import expire_pending_holds

    return expire_pending_holds(now)


def _deliver(now: datetime) -> str:
    from .outbox import deliver_due

    return str(deliver_due(now, limit=500))


TICK_STEPS: list[tuple[str, TickFunction]] = [
    ("expire pending holds", _expire),
    ("send reminders", send_reminders),
    ("deliver outbox", _deliver),
]


def tick_step(
    name: str, *, before: str | None = "deliver outbox"
) -> Callable[[TickFunction], TickFunction]:
    """Register a step (once per name) to run before the step named ``before``."""

    def decorator(func: TickFunction) -> TickFunction:
        if any(existing == name for existing, _f in TICK_STEPS):
            return func
        names = [n for n, _f in TICK_STEPS]
        index = names.index(before) if before in names else len(TICK_STEPS)
        TICK_STEPS.insert(index, (name, func))
        return func

    return decorator


def run_tick(now: datetime) -> list[StepResult]:
    """Run every step once, in order; a failure is rolled back, logged and reported."""
    results = []
    for name, func in list(TICK_STEPS):
        try:
            results.append(StepResult(name, func(now)))
        except Exception as exc:  # one broken step must not stop the others
            db.session.rollback()
            log.exception("tick step %r failed", name)
            results.append(StepResult(name, error=f"{type(exc).__name__}: {exc}"))
    return results
