"""The demo shows the organizer screens lived in: audit log, notes, desk check-ins, a message."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from eventnet.demo import load_demo
from eventnet.extensions import db
from eventnet.models import AuditEntry, Event, EventStatus, Registration
from eventnet.services import messages
from eventnet.services.audit import list_entries


def test_demo_has_organizer_activity(app_ctx) -> None:
    load_demo(attendees=40, seed=5, now=datetime.now(UTC))
    upcoming = db.session.scalar(sa.select(Event).where(Event.status == EventStatus.PUBLISHED))
    past = db.session.scalar(sa.select(Event).where(Event.status == EventStatus.CLOSED))
    entries, total = list_entries(upcoming.id)
    actions = {e.action for e in entries}
    assert {"event.created", "event.publish", "registration.notes", "message.sent"} <= actions
    assert all(e.actor_name for e in entries if e.action.startswith(("event.", "registration.")))
    sent = messages.sent_messages(upcoming.id)
    assert sent and sent[0].recipients == sent[0].delivered > 0
    noted = db.session.scalar(
        sa.select(sa.func.count()).where(
            Registration.event_id == upcoming.id, Registration.organizer_notes != ""
        )
    )
    assert noted >= 1
    checked = db.session.scalars(
        sa.select(Registration).where(
            Registration.event_id == past.id, Registration.checked_in_at.is_not(None)
        )
    ).all()
    assert checked and all(r.checked_in_by_id for r in checked)
    logged = db.session.scalar(
        sa.select(sa.func.count()).where(
            AuditEntry.event_id == past.id, AuditEntry.action == "registration.checked_in"
        )
    )
    assert logged == len(checked) and total > 0
