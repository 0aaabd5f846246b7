"""The demo's past event shows follow-up: survey answers, confirmed connections, outcomes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import sqlalchemy as sa

from eventnet.demo import load_demo
from eventnet.extensions import db
from eventnet.models import Connection, Event, EventStatus, Registration
from eventnet.services.outcomes import outcome_figures

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def _figures():  # type: ignore[no-untyped-def]
    past = db.session.scalar(sa.select(Event).where(Event.status == EventStatus.CLOSED))
    assert past is not None
    return past, outcome_figures(past.id)


def test_the_past_event_has_feedback_connections_and_outcomes(app_ctx) -> None:
    load_demo(attendees=30, seed=5, now=NOW)
    past, f = _figures()
    assert f.feedback.invited == f.attendees > 0
    assert 0 < f.feedback.responses < f.feedback.invited
    assert f.feedback.average_rating is not None and 2 <= f.feedback.average_rating <= 5
    assert f.connections.confirmed > 0 and f.connections.cross_role == f.connections.confirmed
    assert f.outcomes.people_reporting > 0 and f.outcomes.rounds[0].days_after == 30
    # Plausible pairs only: checked-in attendees of the event, never one organization twice.
    first, second = sa.orm.aliased(Registration), sa.orm.aliased(Registration)
    pairs = db.session.execute(
        sa.select(first, second)
        .join(Connection, Connection.first_id == first.id)
        .join(second, second.id == Connection.second_id)
        .where(Connection.event_id == past.id)
    ).all()
    for a, b in pairs:
        assert a.checked_in_at and b.checked_in_at
        assert a.role != b.role and a.organization_id != b.organization_id


def test_the_demo_is_deterministic(app_ctx) -> None:
    load_demo(attendees=30, seed=5, now=NOW)
    _past, first = _figures()
    db.session.rollback()
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    db.session.commit()
    load_demo(attendees=30, seed=5, now=NOW)
    _past, second = _figures()
    assert replace(first, event_id=0) == replace(second, event_id=0)  # ids differ on PostgreSQL
