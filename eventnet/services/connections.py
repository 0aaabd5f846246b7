"""Connections: the people an attendee actually connected with; one counts when both confirm.

An attendee may confirm someone they had a meeting with, or any attendee of the same event
who agreed to show their profile (the search), or someone who already confirmed them. A
confirmed connection's contact card (vCard, RFC 6350) can be downloaded only when both people
agreed to show their profile.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import (
    Connection,
    Meeting,
    MeetingStatus,
    Organization,
    Registration,
)
from . import DomainError, NotFound
from .outcomes import attended

SEARCH_LIMIT = 20
QUERY_MAX = 100


@dataclass(frozen=True)
class ConnectionState:
    connection_id: int | None
    mine: bool  # I confirmed
    theirs: bool  # they confirmed

    @property
    def confirmed(self) -> bool:
        return self.mine and self.theirs


@dataclass(frozen=True)
class PersonCard:
    registration_id: int
    name: str
    organization: str | None
    role: str
    headline: str  # job title, or degree programme for students
    met: bool  # had a meeting with this attendee
    state: ConnectionState
    shares_card: bool  # both agreed to show their profile: vCard available once confirmed


@dataclass(frozen=True)
class ConnectionsPage:
    confirmed: list[PersonCard]
    awaiting_me: list[PersonCard]  # they confirmed, I have not
    awaiting_them: list[PersonCard]  # I confirmed, they have not (yet)
    met: list[PersonCard]  # meeting partners not connected in either direction yet
    can_connect: bool
    cards: int  # confirmed connections whose vCard I may download


def _ordered(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def _find(reg_id: int, other_id: int) -> Connection | None:
    first, second = _ordered(reg_id, other_id)
    return db.session.scalar(
        sa.select(Connection).where(Connection.first_id == first, Connection.second_id == second)
    )


def _state(connection: Connection | None, reg_id: int) -> ConnectionState:
    if connection is None:
        return ConnectionState(None, False, False)
    mine_first = connection.first_id == reg_id
    first, second = (
        connection.first_confirmed_at is not None,
        connection.second_confirmed_at is not None,
    )
    return ConnectionState(
        connection.id, first if mine_first else second, second if mine_first else first
    )


def connection_state(reg: Registration, other_id: int) -> ConnectionState:
    return _state(_find(reg.id, other_id), reg.id)


def is_attendee(reg: Registration) -> bool:
    return bool(
        db.session.scalar(
            sa.select(Registration.id).where(attended(reg.event_id), Registration.id == reg.id)
        )
    )


def can_connect(reg: Registration, now: datetime) -> bool:
    return now >= reg.event.starts_at and is_attendee(reg)


def _meeting_partner_ids(reg: Registration) -> set[int]:
    rows = db.session.execute(
        sa.select(Meeting.first_id, Meeting.second_id).where(
            Meeting.event_id == reg.event_id,
            sa.or_(Meeting.first_id == reg.id, Meeting.second_id == reg.id),
            Meeting.status.not_in((MeetingStatus.CANCELLED, MeetingStatus.NO_SHOW)),
        )
    )
    return {b if a == reg.id else a for a, b in rows}


def set_connection(
    reg: Registration, other_id: int, wanted: bool, now: datetime, *, commit: bool = True
) -> ConnectionState:
    """Confirm (``wanted``) or withdraw this attendee's side of the connection with another."""
    if not can_connect(reg, now):
        raise DomainError(
            _("You can confirm connections once the event has started and you have attended.")
        )
    other = db.session.scalar(
        sa.select(Registration).where(attended(reg.event_id), Registration.id == other_id)
    )
    if other is None or other.id == reg.id:
        raise NotFound(_("This person is not an attendee of the event."))
    connection = _find(reg.id, other.id)
    state = _state(connection, reg.id)
    if wanted and not state.mine:
        allowed = (
            state.theirs
            or other.consent_profile_at is not None
            or other.id in _meeting_partner_ids(reg)
        )
        if not allowed:
            raise NotFound(_("This person is not an attendee of the event."))
        if connection is None:
            first, second = _ordered(reg.id, other.id)
            connection = Connection(
                event_id=reg.event_id, first_id=first, second_id=second, created_at=now
            )
            try:
                with db.session.begin_nested():
                    db.session.add(connection)
            except IntegrityError:  # the other person confirmed at the same moment
                connection = _find(reg.id, other.id)
                assert connection is not None
    if connection is not None:
        stamp = now if wanted else None
        if connection.first_id == reg.id:
            if wanted != (connection.first_confirmed_at is not None):
                connection.first_confirmed_at = stamp
        elif wanted != (connection.second_confirmed_at is not None):
            connection.second_confirmed_at = stamp
        if connection.first_confirmed_at is None and connection.second_confirmed_at is None:
            db.session.delete(connection)
            connection = None
    if commit:
        db.session.commit()
    return _state(connection, reg.id)


def _headline(reg: Registration) -> str:
    return reg.job_title or reg.degree_programme or ""


def _card(
    reg: Registration, other: Registration, met: set[int], state: ConnectionState
) -> PersonCard:
    return PersonCard(
        registration_id=other.id,
        name=other.name,
        organization=other.organization.name if other.organization else None,
        role=str(other.role),
        headline=_headline(other),
        met=other.id in met,
        state=state,
        shares_card=reg.consent_profile_at is not None and other.consent_profile_at is not None,
    )


def connections_page(reg: Registration, now: datetime) -> ConnectionsPage:
    connections = db.session.scalars(
        sa.select(Connection).where(
            sa.or_(Connection.first_id == reg.id, Connection.second_id == reg.id)
        )
    ).all()
    met = _meeting_partner_ids(reg)
    cards = []
    for c in connections:
        other = c.second if c.first_id == reg.id else c.first
        cards.append(_card(reg, other, met, _state(c, reg.id)))
    connected_ids = {c.registration_id for c in cards}
    partners = db.session.scalars(
        sa.select(Registration).where(
            Registration.id.in_(met - connected_ids), attended(reg.event_id)
        )
    ).all()
    by_name = sorted(cards, key=lambda c: c.name.casefold())
    confirmed = [c for c in by_name if c.state.confirmed]
    return ConnectionsPage(
        confirmed=confirmed,
        awaiting_me=[c for c in by_name if c.state.theirs and not c.state.mine],
        awaiting_them=[c for c in by_name if c.state.mine and not c.state.theirs],
        met=sorted(
            (_card(reg, p, met, ConnectionState(None, False, False)) for p in partners),
            key=lambda c: c.name.casefold(),
        ),
        can_connect=can_connect(reg, now),
        cards=sum(1 for c in confirmed if c.shares_card),
    )


def search_attendees(reg: Registration, query: str, limit: int = SEARCH_LIMIT) -> list[PersonCard]:
    """Attendees of the same event who show their profile, by name or organization."""
    words = query.strip()[:QUERY_MAX].split()
    if not words:
        return []
    stmt = (
        sa.select(Registration)
        .outerjoin(Organization, Organization.id == Registration.organization_id)
        .where(
            attended(reg.event_id),
            Registration.id != reg.id,
            Registration.consent_profile_at.is_not(None),
        )
    )
    for word in words[:5]:
        pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            sa.or_(
                Registration.name.ilike(pattern, escape="\\"),
                Organization.name.ilike(pattern, escape="\\"),
                Registration.job_title.ilike(pattern, escape="\\"),
            )
        )
    found = db.session.scalars(stmt.order_by(Registration.name, Registration.id).limit(limit))
    met = _meeting_partner_ids(reg)
    return [_card(reg, other, met, connection_state(reg, other.id)) for other in found]


# --------------------------------------------------------------------------- vCard


def _escape(value: str) -> str:
    """RFC 6350 3.4: backslash, comma, semicolon and newlines escaped in text values."""
    value = value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
    return value.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def _fold(line: str) -> str:
    """RFC 6350 3.2: lines longer than 75 octets folded with CRLF + space, never inside a
    multi-byte UTF-8 character."""
    out, current, size = [], "", 0
    for ch in line:
        width = len(ch.encode("utf-8"))
        limit = 75 if not out else 74  # continuation lines start with one space
        if size + width > limit:
            out.append(current)
            current, size = "", 0
        current += ch
        size += width
    out.append(current)
    return "\r\n ".join(out)


def vcard_text(people: list[Registration], event_title: str, event_date: str) -> str:
    lines: list[str] = []
    for other in people:
        props = [
            "BEGIN:VCARD",
            "VERSION:4.0",
            f"FN:{_escape(other.name)}",
            f"EMAIL;TYPE=work:{_escape(other.email)}",
        ]
        if other.organization:
            props.append(f"ORG:{_escape(other.organization.name)}")
        if other.job_title:
            props.append(f"TITLE:{_escape(other.job_title)}")
        note = _("Met at %(event)s on %(date)s", event=event_title, date=event_date)
        props += [f"NOTE:{_escape(note)}", "END:VCARD"]
        lines += [_fold(p) for p in props]
    return "\r\n".join(lines) + "\r\n"


def cards_for(reg: Registration) -> list[Registration]:
    """Confirmed connections whose card may be shared: both agreed to show their profile."""
    if reg.consent_profile_at is None:
        return []
    people = []
    for c in db.session.scalars(
        sa.select(Connection).where(
            sa.or_(Connection.first_id == reg.id, Connection.second_id == reg.id),
            Connection.first_confirmed_at.is_not(None),
            Connection.second_confirmed_at.is_not(None),
        )
    ):
        other = c.second if c.first_id == reg.id else c.first
        if other.consent_profile_at is not None:
            people.append(other)
    return sorted(people, key=lambda r: (r.name.casefold(), r.id))


def export_vcards(reg: Registration, event_date: str) -> str:
    people = cards_for(reg)
    if not people:
        raise NotFound(_("There are no contact cards to download yet."))
    return vcard_text(people, reg.event.localized("title", reg.locale), event_date)
