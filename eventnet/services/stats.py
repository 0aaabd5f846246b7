"""Counts that listings show, computed in one grouped query rather than per row."""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa

from ..extensions import db
from ..models import Registration, RegistrationStatus


def status_counts_by_event(event_ids: list[int]) -> dict[int, dict[RegistrationStatus, int]]:
    counts: dict[int, dict[RegistrationStatus, int]] = defaultdict(
        lambda: dict.fromkeys(RegistrationStatus, 0)
    )
    if not event_ids:
        return counts
    rows = db.session.execute(
        sa.select(Registration.event_id, Registration.status, sa.func.count())
        .where(Registration.event_id.in_(event_ids))
        .group_by(Registration.event_id, Registration.status)
    )
    for event_id, status, n in rows:
        counts[event_id][status] = n
    return counts
