"""Small builders for test data; each commits (a savepoint, see conftest) and returns the model."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from eventnet.extensions import db
from eventnet.models import (
    AttendeeRole,
    Event,
    EventOrganizer,
    EventStatus,
    Interest,
    Organization,
    OrganizationKind,
    OrganizerAccount,
    Person,
    Registration,
    RegistrationStatus,
    RoleQuota,
)
from eventnet.services.tokens import hash_token, new_ticket_code

_seq = itertools.count(1)
PASSWORD = "correct horse battery"


def make_organizer(email: str | None = None, *, admin: bool = False, **kw: Any) -> OrganizerAccount:
    account = OrganizerAccount(
        email=email or f"organizer{next(_seq)}@example.org", is_admin=admin, password_hash="", **kw
    )
    account.set_password(PASSWORD)
    db.session.add(account)
    db.session.commit()
    return account


def make_organization(
    name: str | None = None, kind: OrganizationKind = OrganizationKind.OTHER
) -> Organization:
    name = name or f"Organization {next(_seq)}"
    org = Organization(name=name, name_key=Organization.key_for(name), kind=kind, country="FI")
    db.session.add(org)
    db.session.commit()
    return org


def make_event(
    *,
    slug: str | None = None,
    organizers: tuple[OrganizerAccount, ...] = (),
    quotas: dict[str, int] | None = None,
    starts_at: datetime | None = None,
    interests: tuple[str, ...] = ("Data science", "Circular economy", "Internships"),
    **kw: Any,
) -> Event:
    starts = starts_at or datetime(2027, 4, 15, 10, 0, tzinfo=UTC)
    quotas = quotas if quotas is not None else {"staff": 10, "student": 20, "employer": 10}
    event = Event(
        slug=slug or f"event-{next(_seq)}",
        title=kw.pop("title", "Test networking day"),
        starts_at=starts,
        ends_at=kw.pop("ends_at", starts + timedelta(hours=5)),
        timezone=kw.pop("timezone", "Europe/Helsinki"),
        venue=kw.pop("venue", "Main hall"),
        status=kw.pop("status", EventStatus.PUBLISHED),
        capacity=kw.pop("capacity", sum(quotas.values())),
        **kw,
    )
    event.quotas = [RoleQuota(role=AttendeeRole(r), capacity=c) for r, c in quotas.items()]
    for label in interests:
        event.interests.append(Interest(label=label, slug=label.lower().replace(" ", "-")))
    event.memberships = [EventOrganizer(organizer=o, is_owner=True) for o in organizers]
    db.session.add(event)
    db.session.commit()
    return event


def make_registration(
    event: Event,
    *,
    email: str | None = None,
    name: str = "Test Person",
    role: str = "student",
    status: RegistrationStatus = RegistrationStatus.CONFIRMED,
    token: str | None = None,
    **kw: Any,
) -> Registration:
    email = (email or f"person{next(_seq)}@example.org").lower()
    person = db.session.query(Person).filter_by(email=email).one_or_none()
    if person is None:
        person = Person(email=email, name=name)
        db.session.add(person)
    now = datetime.now(UTC)
    reg = Registration(
        event=event,
        person=person,
        role=AttendeeRole(role),
        status=status,
        name=name,
        email=email,
        privacy_policy_version="2026-01",
        consent_privacy_at=now,
        consent_profile_at=kw.pop("consent_profile_at", now),
        ticket_code=new_ticket_code(),
        manage_token_hash=hash_token(token) if token else None,
        confirmed_at=now if status == RegistrationStatus.CONFIRMED else None,
        **kw,
    )
    db.session.add(reg)
    db.session.commit()
    return reg
