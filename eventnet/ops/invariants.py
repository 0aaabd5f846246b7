"""Checks that a database (for example one just restored from a backup) is consistent."""

from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db
from ..models import Person, Registration, RegistrationStatus, RoleQuota


def table_counts() -> dict[str, int]:
    """Rows per table, for every table of the schema (Alembic's version table excepted)."""
    counts = {}
    for table in db.metadata.sorted_tables:
        counts[table.name] = int(
            db.session.scalar(sa.select(sa.func.count()).select_from(table)) or 0
        )
    return counts


def invariant_problems() -> list[str]:
    """What is wrong: oversold roles, gaps in waiting lists, duplicate identities."""
    problems: list[str] = []
    confirmed = (
        sa.select(Registration.event_id, Registration.role, sa.func.count().label("n"))
        .where(Registration.status == RegistrationStatus.CONFIRMED)
        .group_by(Registration.event_id, Registration.role)
        .subquery()
    )
    oversold = db.session.execute(
        sa.select(confirmed.c.event_id, confirmed.c.role, confirmed.c.n, RoleQuota.capacity)
        .join(
            RoleQuota,
            sa.and_(RoleQuota.event_id == confirmed.c.event_id, RoleQuota.role == confirmed.c.role),
        )
        .where(confirmed.c.n > RoleQuota.capacity)
    ).all()
    for event_id, role, n, capacity in oversold:
        problems.append(f"event {event_id} role {role}: {n} confirmed for {capacity} places")

    rows = db.session.execute(
        sa.select(Registration.event_id, Registration.role, Registration.waitlist_position)
        .where(Registration.status == RegistrationStatus.WAITLISTED)
        .order_by(Registration.event_id, Registration.role, Registration.waitlist_position)
    ).all()
    lists: dict[tuple[int, str], list[int]] = {}
    for event_id, role, position in rows:
        lists.setdefault((event_id, str(role)), []).append(int(position))
    for (event_id, role), positions in lists.items():
        if positions != list(range(1, len(positions) + 1)):
            problems.append(f"event {event_id} role {role}: waiting list positions {positions}")

    duplicates = db.session.execute(
        sa.select(Person.email, sa.func.count()).group_by(Person.email).having(sa.func.count() > 1)
    ).all()
    problems += [f"person {email} exists {n} times" for email, n in duplicates]
    active_twice = db.session.execute(
        sa.select(Registration.event_id, Registration.person_id, sa.func.count())
        .where(Registration.status != RegistrationStatus.CANCELLED)
        .group_by(Registration.event_id, Registration.person_id)
        .having(sa.func.count() > 1)
    ).all()
    problems += [
        f"event {event_id}: person {person_id} has {n} active registrations"
        for event_id, person_id, n in active_twice
    ]
    tickets = db.session.execute(
        sa.select(Registration.ticket_code)
        .group_by(Registration.ticket_code)
        .having(sa.func.count() > 1)
    ).all()
    problems += [f"ticket code {code} is used twice" for (code,) in tickets]
    return problems
