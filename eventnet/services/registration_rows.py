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
from sqlalchemy.dialects import postgresql

from ..extensions import db
from ..models import (
    AttendeeRole,
    Organization,
    OrganizationKind,
    OutboxMessage,
    Person,
    Registration,
    RegistrationStatus,
    RegistrationTag,
    TagKind,
)
from .outbox import insert_message
from .pipeline import run_pipelined

_orgs = Organization.__table__
_persons = Person.__table__
_regs = Registration.__table__
_tags = RegistrationTag.__table__
_outbox = OutboxMessage.__table__

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
                # Active: spelled as in uq_registrations_active_person, inline (no
                # expanding IN parameter, which a pipelined statement cannot carry).
                _regs.c.status != sa.literal_column("'cancelled'"),
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
    """The person with ``email``, their active registration at the event, the organization.

    On PostgreSQL through `run_pipelined`, so that the transaction's BEGIN, which psycopg
    otherwise sends in a round trip of its own, goes along with it.
    """
    params = {"org_key": Organization.key_for(organization), "email": email, "event_id": event_id}
    conn = db.session.connection()
    if conn.dialect.name == "postgresql":
        ((row,),) = run_pipelined([(_LOOKUP, params)])
    else:
        row = conn.execute(_LOOKUP, params).one()
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


def fill_in_person(
    found: Lookup, *, country: str | None, organization_id: int | None, locale: str
) -> None:
    """An existing person's empty fields (organization, country, language) are filled in."""
    assert found.person_id is not None
    changes: dict[str, Any] = {}
    if found.person_organization_id is None and organization_id is not None:
        changes["organization_id"] = organization_id
    if not found.person_country and country:
        changes["country"] = country
    if not found.person_locale:
        changes["locale"] = locale
    if changes:
        db.session.connection().execute(
            sa.update(_persons).where(_persons.c.id == found.person_id).values(changes)
        )


# Columns a new person's row is written with (`save_person`, `insert_registration_rows`).
PERSON_COLUMNS = ("email", "name", "country", "organization_id", "locale", "created_at")


def _bind(table: sa.Table, name: str, prefix: str = "") -> sa.BindParameter[Any]:
    return sa.bindparam(prefix + name, type_=table.c[name].type)


def _rows_statement(registration_columns: tuple[str, ...], new_person: bool) -> sa.Select[Any]:
    """PostgreSQL: person (when new), registration and tags in one statement.

    ``WITH new_person AS (INSERT ... RETURNING id), new_registration AS (INSERT ... SELECT
    ... RETURNING id), tags AS (INSERT ... SELECT ... FROM unnest(:interest_ids, :kinds))
    SELECT id FROM new_registration``: one round trip instead of three, for the rush.
    """
    values: list[Any] = [_bind(_regs, name) for name in registration_columns]
    if new_person:
        person = (
            sa.insert(_persons)
            .values({name: _bind(_persons, name, "person_") for name in PERSON_COLUMNS})
            .returning(_persons.c.id)
            .cte("new_person")
        )
        source = sa.select(*values, person.c.id)
    else:
        source = sa.select(*values, _bind(_regs, "person_id"))
    registration = (
        sa.insert(_regs)
        .from_select([*registration_columns, "person_id"], source, include_defaults=False)
        .returning(_regs.c.id)
        .cte("new_registration")
    )
    chosen = (
        sa.func.unnest(
            sa.bindparam("interest_ids", type_=postgresql.ARRAY(sa.Integer)),
            sa.bindparam("kinds", type_=postgresql.ARRAY(sa.String)),
        )
        .table_valued("interest_id", "kind")
        .render_derived(name="chosen")
    )
    tags = (
        sa.insert(_tags)
        .from_select(
            ["registration_id", "interest_id", "kind"],
            sa.select(registration.c.id, chosen.c.interest_id, chosen.c.kind).select_from(
                registration.join(chosen, sa.true())
            ),
        )
        .cte("new_tags")
    )
    return sa.select(registration.c.id).add_cte(tags)


_ROWS_STATEMENTS: dict[tuple[tuple[str, ...], bool], sa.Select[Any]] = {}


@dataclass(frozen=True)
class RegistrationRows:
    """A new registration's rows: ``values`` (column -> value), its tags as (topic id, kind),
    and ``new_person`` (`PERSON_COLUMNS` -> value; ``values`` then has no person_id)."""

    values: dict[str, Any]
    tags: Iterable[tuple[int, TagKind]]
    new_person: dict[str, Any] | None = None


def registration_rows_statement(rows: RegistrationRows) -> tuple[sa.Select[Any], dict[str, Any]]:
    """PostgreSQL: the one statement that inserts ``rows`` and returns the registration's id,
    with its parameters (for `insert_registration_rows` or a pipeline)."""
    columns = tuple(sorted(name for name in rows.values if name != "person_id"))
    key = (columns, rows.new_person is not None)
    statement = _ROWS_STATEMENTS.get(key)
    if statement is None:
        statement = _ROWS_STATEMENTS[key] = _rows_statement(*key)
    chosen = sorted(rows.tags, key=lambda t: (t[0], t[1].value))
    params = {
        **rows.values,
        "interest_ids": [interest_id for interest_id, _kind in chosen],
        "kinds": [kind.value for _interest_id, kind in chosen],
    }
    if rows.new_person is not None:
        params.update({f"person_{name}": rows.new_person[name] for name in PERSON_COLUMNS})
    return statement, params


def insert_registration_rows(rows: RegistrationRows) -> int:
    """Insert a registration with its tags and its new person, if any (on PostgreSQL in one
    statement). Returns the registration's id."""
    conn = db.session.connection()
    if conn.dialect.name != "postgresql":
        values = rows.values
        if rows.new_person is not None:
            values = {**values, "person_id": _insert_person(rows.new_person)}
        registration_id = insert_registration(values)
        insert_tags(registration_id, rows.tags)
        return registration_id
    statement, params = registration_rows_statement(rows)
    return int(conn.execute(statement, params).scalar_one())


def _insert_person(values: dict[str, Any]) -> int:
    return int(db.session.connection().execute(_INSERT_PERSON, values).scalar_one())


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


def _place(*columns: str) -> sa.Update:
    # Bind names differ from the column names: extra execution parameters named like a
    # column would otherwise be added to the SET clause by SQLAlchemy.
    values = {name: _bind(_regs, name, "place_") for name in columns}
    return sa.update(_regs).where(_regs.c.id == sa.bindparam("place_id")).values(values)


# The columns each place sets; one statement per place, built once, not per registration.
_PLACE_COLUMNS = {
    RegistrationStatus.CONFIRMED: ("status", "waitlist_position", "updated_at", "confirmed_at"),
    RegistrationStatus.PENDING: ("status", "waitlist_position", "updated_at", "pending_expires_at"),
    RegistrationStatus.WAITLISTED: ("status", "waitlist_position", "updated_at", "waitlisted_at"),
}
_PLACE = {status: _place(*columns) for status, columns in _PLACE_COLUMNS.items()}


def _place_and_queue(status: RegistrationStatus, columns: tuple[str, ...]) -> sa.Insert:
    """PostgreSQL: ``WITH placed AS (UPDATE ... RETURNING id) INSERT INTO outbox_messages
    ... SELECT ..., placed.id FROM placed``: the place and its mail in one statement."""
    placed = _PLACE[status].returning(_regs.c.id).cte("placed")
    return (
        sa.insert(_outbox)
        .from_select(
            [*columns, "registration_id"],
            sa.select(*(_bind(_outbox, name, "mail_") for name in columns), placed.c.id),
            include_defaults=False,
        )
        .returning(_outbox.c.id)
    )


_PLACE_AND_QUEUE: dict[tuple[RegistrationStatus, tuple[str, ...]], sa.Insert] = {}


def _place_params(
    registration_id: int,
    status: RegistrationStatus,
    position: int | None,
    now: datetime,
    hold_until: datetime | None,
) -> dict[str, Any]:
    values = {
        "status": status,
        "waitlist_position": position,
        "updated_at": now,
        "confirmed_at": now,
        "pending_expires_at": hold_until,
        "waitlisted_at": now,
    }
    params = {f"place_{name}": values[name] for name in _PLACE_COLUMNS[status]}
    params["place_id"] = registration_id
    return params


def _place_and_queue_statement(
    registration_id: int,
    status: RegistrationStatus,
    position: int | None,
    now: datetime,
    *,
    hold_until: datetime | None,
    mail: dict[str, Any],
) -> tuple[sa.Insert, dict[str, Any]]:
    """PostgreSQL: the statement (and its parameters) that records the place and inserts
    ``mail``, an outbox row for this registration; it returns the mail's id."""
    columns = tuple(sorted(name for name in mail if name != "registration_id"))
    statement = _PLACE_AND_QUEUE.get((status, columns))
    if statement is None:
        statement = _PLACE_AND_QUEUE[status, columns] = _place_and_queue(status, columns)
    params = _place_params(registration_id, status, position, now, hold_until)
    params.update({f"mail_{name}": mail[name] for name in columns})
    return statement, params


def place_registration(
    registration_id: int,
    status: RegistrationStatus,
    position: int | None,
    now: datetime,
    *,
    hold_until: datetime | None = None,
    mail: dict[str, Any] | None = None,
) -> int | None:
    """Record the place given under the event lock: confirmed, pending or wait-listed.

    ``mail``: an outbox row (`eventnet.services.outbox.later_message`) for this
    registration, inserted with the place, in the same statement on PostgreSQL. Returns the
    mail's id (None without ``mail``).
    """
    conn = db.session.connection()
    if mail is None or conn.dialect.name != "postgresql":
        params = _place_params(registration_id, status, position, now, hold_until)
        conn.execute(_PLACE[status], params)
        return None if mail is None else insert_message(mail)
    statement, params = _place_and_queue_statement(
        registration_id, status, position, now, hold_until=hold_until, mail=mail
    )
    return int(conn.execute(statement, params).scalar_one())
