"""Cancelling a registration ends that person's scheduled meetings and open requests."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from eventnet.extensions import db
from eventnet.models import (
    Meeting,
    MeetingRequest,
    MeetingRequestStatus,
    MeetingSlot,
    MeetingStatus,
    MeetingTable,
)
from eventnet.services.registration import cancel_registration
from tests.factories import make_event, make_registration


def test_cancelling_releases_meetings_and_requests_but_keeps_history(app_ctx, now) -> None:
    event = make_event()
    leaver = make_registration(event, role="student")
    partner = make_registration(event, role="employer")
    other = make_registration(event, role="staff")
    slots = [
        MeetingSlot(event_id=event.id, starts_at=event.starts_at + timedelta(minutes=15 * i),
                    ends_at=event.starts_at + timedelta(minutes=15 * (i + 1)))
        for i in range(2)
    ]
    tables = [MeetingTable(event_id=event.id, label=f"T{i}") for i in (1, 2)]
    db.session.add_all([*slots, *tables])
    db.session.flush()

    def meeting(a, b, slot, table, status):  # type: ignore[no-untyped-def]
        first, second = sorted((a.id, b.id))
        return Meeting(event_id=event.id, first_id=first, second_id=second, slot_id=slot.id,
                       table_id=table.id, status=status, locked=True)

    upcoming = meeting(leaver, partner, slots[0], tables[0], MeetingStatus.SCHEDULED)
    held = meeting(leaver, other, slots[1], tables[0], MeetingStatus.HELD)
    untouched = meeting(partner, other, slots[0], tables[1], MeetingStatus.SCHEDULED)
    request = MeetingRequest(event_id=event.id, requester_id=partner.id, recipient_id=leaver.id)
    db.session.add_all([upcoming, held, untouched, request])
    db.session.commit()
    ids = (upcoming.id, held.id, untouched.id, request.id)

    cancel_registration(leaver.id, now)

    db.session.expire_all()
    statuses = dict(db.session.execute(sa.select(Meeting.id, Meeting.status)).all())
    assert statuses[ids[0]] == MeetingStatus.CANCELLED
    assert statuses[ids[1]] == MeetingStatus.HELD
    assert statuses[ids[2]] == MeetingStatus.SCHEDULED
    assert db.session.get(MeetingRequest, ids[3]).status == MeetingRequestStatus.CANCELLED
