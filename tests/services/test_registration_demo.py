"""The demo's upcoming event shows what registration does: places, a waiting list, and
pending, confirmed and cancelled registrations, all within the same invariants."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from eventnet.demo import load_demo
from eventnet.extensions import db
from eventnet.models import Event, EventStatus, Registration, RegistrationStatus
from eventnet.services.waitlist import availability, waiting_queue


def test_demo_upcoming_event_shows_every_state_within_the_rules(app_ctx) -> None:
    now = datetime.now(UTC)
    summary = load_demo(attendees=60, seed=11, now=now)
    event = db.session.scalar(sa.select(Event).where(Event.status == EventStatus.PUBLISHED))
    regs = db.session.scalars(sa.select(Registration).where(Registration.event_id == event.id))
    regs = list(regs)
    statuses = {r.status for r in regs}
    assert statuses == set(RegistrationStatus)
    info = availability(event, now)
    assert info.waiting > 0
    for role, places in info.roles.items():
        assert places.taken <= (places.quota if places.quota is not None else event.capacity)
        positions = [r.waitlist_position for r in waiting_queue(event.id) if r.role == role]
        assert positions == list(range(1, len(positions) + 1))
        if places.waiting:  # nobody waits while a place of their role is free
            assert places.left == 0
    assert all(r.pending_expires_at > now for r in regs if r.status == RegistrationStatus.PENDING)
    assert any("/r/" in link for link in summary.showcase_links)
