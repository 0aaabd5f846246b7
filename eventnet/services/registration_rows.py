"""A new registration's rows, read and written with SQLAlchemy Core statements.

Why not the ORM here: a registration rush runs this hundreds of times a second, and the ORM's
unit of work (object state, flush ordering, identity map) cost most of the request's CPU
(docs/benchmarks.md, "Load"). These few statements do the same writes with a fraction of
the work. They run on the session's connection, so they share its transaction; nothing is
put in the session's identity map (load a `Registration` by id when an object is needed).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ..extensions import db
from ..models import (
    ACTIVE_STATUSES,
    AttendeeRole,
    Organization,
    OrganizationKind,
    Person,
    Registration,
    RegistrationStatus,
    RegistrationTag,
    TagKind,
)

_orgs = Organization.__table__
_persons = Person.__table__
_regs = Registration.__table__
_tags = RegistrationTag.__table__

# The person with this address, their active registration at the event (if any) and the
# organization with this name key, in one round trip whichever of them exist.
_LOOKUP = (
    sa.select(
        sa.select(_orgs.c.id)
        .where(_orgs.c.name_key == sa.bindparam("org_key"))
        .scalar_subquery()
        .label("organization_id"),
        _persons.c.id,
        _persons.c.organization_id,
        _persons.c.country,
        _persons.c.locale,
        _regs.c.id,
    )
    .select_from(
        sa.select(sa.literal(1).label("one"))
        .subquery("one")
        .outerjoin(_persons, _persons.c.email == sa.bindparam("email"))
        .outerjoin(
            _regs,
            sa.and_(
                _regs.c.person_id == _persons.c.id,
                _regs.c.event_id == sa.bindparam("event_id"),
                _regs.c.status.in_(ACTIVE_STATUSES),
            ),
        )
    )
    .limit(1)
)
_INSERT_ORG = sa.insert(_orgs).returning(_orgs.c.id)
_INSERT_PERSON = sa.insert(_persons).returning(_persons.c.id)
_INSERT_REGISTRATION = sa.insert(_regs).returning(_regs.c.id)
_INSERT_TAGS = sa.insert(_tags)


@dataclass(frozen=True)
class Lookup:
    """What exists already for a registrant (ids, or None)."""

    organization_id: int | None
    person_id: int | None
    person_organization_id: int | None
    person_country: str | None
    person_locale: str | None
    active_registration_id: int | None


def look_up(event_id: int, email: str, organization: str) -> Lookup:
    """The person with ``email``, their active registration at the event, the organization."""
    row = (
        db.session.connection()
        .execute(
            _LOOKUP,
            {
                "org_key": Organization.key_for(organization),
                "email": email,
                "event_id": event_id,
            },
        )
        .one()
    )
    return Lookup(*row)


def organization_kind(role: AttendeeRole) -> OrganizationKind:
    """A new organization's kind follows the role of the person who named it."""
    if role == AttendeeRole.EMPLOYER:
        return OrganizationKind.EMPLOYER
    return OrganizationKind.HIGHER_EDUCATION


def insert_organization(name: str, role: AttendeeRole, now: datetime) -> int:
    name = " ".join(name.split())
    return int(
        db.session.connection()
        .execute(
            _INSERT_ORG,
            {
                "name": name,
                "name_key": Organization.key_for(name),
                "kind": organization_kind(role),
                "created_at": now,
            },
        )
        .scalar_one()
    )


def save_person(
    found: Lookup,
    *,
    email: str,
    name: str,
    country: str | None,
    organization_id: int | None,
    locale: str,
    now: datetime,
) -> int:
    """The person's id: inserted when new; an existing person's empty fields are filled in."""
    conn = db.session.connection()
    if found.person_id is None:
        return int(
            conn.execute(
                _INSERT_PERSON,
                {
                    "email": email,
                    "name": name,
                    "country": country,
                    "organization_id": organization_id,
                    "locale": locale,
                    "created_at": now,
                },
            ).scalar_one()
        )
    changes: dict[str, Any] = {}
    if found.person_organization_id is None and organization_id is not None:
        changes["organization_id"] = organization_id
    if not found.person_country and country:
        changes["country"] = country
    if not found.person_locale:
        changes["locale"] = locale
    if changes:
        conn.execute(sa.update(_persons).where(_persons.c.id == found.person_id).values(changes))
    return found.person_id


def insert_registration(values: dict[str, Any]) -> int:
    """Insert a registration row (column name -> value); returns its id."""
    return int(db.session.connection().execute(_INSERT_REGISTRATION, values).scalar_one())


def insert_tags(registration_id: int, tags: Iterable[tuple[int, TagKind]]) -> None:
    rows = [
        {"registration_id": registration_id, "interest_id": interest_id, "kind": kind}
        for interest_id, kind in sorted(tags, key=lambda t: (t[0], t[1].value))
    ]
    if rows:
        db.session.connection().execute(_INSERT_TAGS, rows)


def place_registration(
    registration_id: int,
    status: RegistrationStatus,
    position: int | None,
    now: datetime,
    *,
    hold_until: datetime | None = None,
) -> None:
    """Record the place given under the event lock: confirmed, pending or wait-listed."""
    values: dict[str, Any] = {"status": status, "waitlist_position": position, "updated_at": now}
    if status == RegistrationStatus.CONFIRMED:
        values["confirmed_at"] = now
    elif status == RegistrationStatus.PENDING:
        values["pending_expires_at"] = hold_until
    else:
        values["waitlisted_at"] = now
    db.session.connection().execute(
        sa.update(_regs).where(_regs.c.id == registration_id).values(values)
    )
