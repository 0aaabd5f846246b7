"""When an attendee leaves an event, their meetings and open requests end with them.

Kept apart from `meetings` so registration can call it without importing the scheduler.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from ..extensions import db
from ..models import Meeting, MeetingRequest, MeetingRequestStatus, MeetingStatus


def release_meetings_of(registration_id: int, now: datetime) -> int:
    """Cancel the person's scheduled meetings and open requests, in the caller's transaction.

    Held and no-show meetings are history and stay. Returns how many rows changed.
    """
    meetings = db.session.execute(
        sa.update(Meeting)
        .where(
            sa.or_(Meeting.first_id == registration_id, Meeting.second_id == registration_id),
            Meeting.status == MeetingStatus.SCHEDULED,
        )
        .values(status=MeetingStatus.CANCELLED, locked=False, marked_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    requests = db.session.execute(
        sa.update(MeetingRequest)
        .where(
            sa.or_(
                MeetingRequest.requester_id == registration_id,
                MeetingRequest.recipient_id == registration_id,
            ),
            MeetingRequest.status == MeetingRequestStatus.PENDING,
        )
        .values(status=MeetingRequestStatus.CANCELLED, responded_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    return int(meetings or 0) + int(requests or 0)
