"""The check-in desk: find someone fast, check them in (or undo), and count who has arrived.

Check-in is idempotent: checking in someone who already arrived changes nothing and says when
they arrived, so a double tap or a shared ticket is visible instead of silently recounted.
A pending registration (e-mail not confirmed yet) is confirmed at the desk: the person is
standing there and their place was held for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from ..extensions import db
from ..models import (
    AttendeeRole,
    Organization,
    OrganizerAccount,
    Registration,
    RegistrationStatus,
)
from . import DomainError, NotFound, audit
from .attendees import TICKET_RE, _escape_like, clean_search

DESK_RESULTS = 12


@dataclass(frozen=True)
class CheckInResult:
    registration: Registration
    already: bool  # was checked in before this call


def _load(registration_id: int, event_id: int | None) -> Registration:
    reg = db.session.get(Registration, registration_id)
    if reg is None or (event_id is not None and reg.event_id != event_id):
        raise NotFound(_("This registration does not exist."))
    return reg


def check_in(
    registration_id: int,
    by: OrganizerAccount | None,
    now: datetime,
    *,
    event_id: int | None = None,
    actor_kind: str = "organizer",
) -> CheckInResult:
    """Mark the person as arrived. Refused for the waiting list and for cancellations."""
    reg = _load(registration_id, event_id)
    if reg.checked_in_at is not None:
        return CheckInResult(reg, already=True)
    if reg.status == RegistrationStatus.CANCELLED:
        raise DomainError(
            _(
                "%(name)s cancelled this registration; register them again as a walk-in.",
                name=reg.name,
            )
        )
    if reg.status == RegistrationStatus.WAITLISTED:
        raise DomainError(
            _(
                "%(name)s is number %(n)d on the waiting list. Move them off the waiting list "
                "first (on their page) if there is room.",
                name=reg.name,
                n=reg.waitlist_position or 0,
            )
        )
    before = {"status": reg.status, "checked_in_at": None}
    if reg.status == RegistrationStatus.PENDING:
        reg.status = RegistrationStatus.CONFIRMED
        reg.confirmed_at = now
        reg.pending_expires_at = None
    reg.checked_in_at = now
    reg.checked_in_by_id = by.id if by is not None else None
    reg.updated_at = now
    audit.record(
        "registration.checked_in",
        event_id=reg.event_id,
        registration_id=reg.id,
        actor=by,
        actor_kind=actor_kind,
        before=before,
        after={"status": reg.status, "checked_in_at": now},
        at=now,
    )
    db.session.commit()
    return CheckInResult(reg, already=False)


def undo_check_in(
    registration_id: int,
    by: OrganizerAccount | None,
    now: datetime,
    *,
    event_id: int | None = None,
    actor_kind: str = "organizer",
) -> Registration:
    """Take back a check-in made by mistake (the audit log keeps both)."""
    reg = _load(registration_id, event_id)
    if reg.checked_in_at is None:
        return reg
    audit.record(
        "registration.check_in_undone",
        event_id=reg.event_id,
        registration_id=reg.id,
        actor=by,
        actor_kind=actor_kind,
        before={"checked_in_at": reg.checked_in_at},
        after={"checked_in_at": None},
        at=now,
    )
    reg.checked_in_at = None
    reg.checked_in_by_id = None
    reg.updated_at = now
    db.session.commit()
    return reg


@dataclass(frozen=True)
class DeskHit:
    id: int
    name: str
    email: str
    organization: str
    role: AttendeeRole
    status: RegistrationStatus
    waitlist_position: int | None
    ticket_code: str
    checked_in_at: datetime | None

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "name": self.name,
            "email": self.email,
            "organization": self.organization,
            "role": self.role.value,
            "status": self.status.value,
            "waitlist_position": self.waitlist_position,
            "ticket_code": self.ticket_code,
            "checked_in_at": self.checked_in_at.isoformat() if self.checked_in_at else None,
        }


def desk_search(event_id: int, text: str, limit: int = DESK_RESULTS) -> list[DeskHit]:
    """Type-ahead: a ticket code exactly, else names, e-mails and organizations containing
    the text; names starting with it first, cancelled registrations last."""
    text = clean_search(text)
    if not text:
        return []
    lowered = text.lower()
    contains = f"%{_escape_like(lowered)}%"
    prefix = f"{_escape_like(lowered)}%"
    match = [
        sa.func.lower(Registration.name).like(contains, escape="\\"),
        Registration.email.like(contains, escape="\\"),
        sa.func.lower(Organization.name).like(contains, escape="\\"),
    ]
    code_match = None
    if TICKET_RE.match(text):
        code = text.upper().replace("-", "")
        code_match = Registration.ticket_code == f"{code[:4]}-{code[4:]}"
        match.append(code_match)
    rank = sa.case(
        *(((code_match, 0),) if code_match is not None else ()),
        (sa.func.lower(Registration.name).like(prefix, escape="\\"), 1),
        (Registration.email.like(prefix, escape="\\"), 2),
        else_=3,
    )
    rows = db.session.execute(
        sa.select(
            Registration.id,
            Registration.name,
            Registration.email,
            Organization.name,
            Registration.role,
            Registration.status,
            Registration.waitlist_position,
            Registration.ticket_code,
            Registration.checked_in_at,
        )
        .outerjoin(Organization, Organization.id == Registration.organization_id)
        .where(Registration.event_id == event_id, sa.or_(*match))
        .order_by(
            (Registration.status == RegistrationStatus.CANCELLED).asc(),
            rank,
            sa.func.lower(Registration.name),
        )
        .limit(limit)
    ).all()
    return [DeskHit(r[0], r[1], r[2], r[3] or "", *r[4:]) for r in rows]


@dataclass(frozen=True)
class RoleCount:
    role: AttendeeRole
    expected: int  # confirmed or pending: people we expect at the door
    arrived: int


def desk_counts(event_id: int) -> list[RoleCount]:
    """Expected and arrived per role, in one grouped query."""
    expected = dict.fromkeys(AttendeeRole, 0)
    arrived = dict.fromkeys(AttendeeRole, 0)
    rows = db.session.execute(
        sa.select(
            Registration.role,
            sa.func.count(),
            sa.func.count(Registration.checked_in_at),
        )
        .where(
            Registration.event_id == event_id,
            Registration.status.in_((RegistrationStatus.CONFIRMED, RegistrationStatus.PENDING)),
        )
        .group_by(Registration.role)
    )
    for role, n, n_arrived in rows:
        expected[role] = n
        arrived[role] = n_arrived
    return [RoleCount(role, expected[role], arrived[role]) for role in AttendeeRole]


def counts_json(counts: list[RoleCount]) -> dict[str, object]:
    return {
        "roles": {c.role.value: {"expected": c.expected, "arrived": c.arrived} for c in counts},
        "expected": sum(c.expected for c in counts),
        "arrived": sum(c.arrived for c in counts),
    }
