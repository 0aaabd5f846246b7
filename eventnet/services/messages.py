"""Organizer e-mail to a filtered group of attendees, with placeholders and a record.

Placeholders are substituted by a small whitelist (never ``str.format``, which would let a
template reach into objects): ``{first_name}``, ``{name}``, ``{manage_link}``... An unknown
placeholder is an error shown next to the field, so a typo never reaches 500 inboxes.
Messages go through the outbox in the same transaction as the audit entry that records who
sent what to how many; the outbox rows are the record of what was sent to whom.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..i18n import format_in_zone
from ..models import (
    AuditEntry,
    Event,
    Organization,
    OrganizerAccount,
    OutboxMessage,
    OutboxStatus,
    Registration,
    RegistrationStatus,
)
from . import DomainError, NotFound, audit
from .attendees import AttendeeQuery, filter_conditions

KIND = "organizer_message"
MAX_RECIPIENTS = 10_000
PLACEHOLDER_RE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
PLACEHOLDERS = {
    "first_name": _l("First name"),
    "name": _l("Full name"),
    "email": _l("E-mail address"),
    "organization": _l("Organization"),
    "ticket_code": _l("Ticket code"),
    "manage_link": _l("Personal link to view or change the registration (a new link)"),
    "event_title": _l("Event title"),
    "event_date": _l("Event date and time"),
    "event_venue": _l("Venue"),
    "event_link": _l("Event page"),
}


class InvalidMessage(DomainError):
    status_code = 422

    def __init__(self, errors: dict[str, str]) -> None:
        first = next(iter(errors))
        super().__init__(errors[first], first)
        self.errors = errors


def validate(subject: str, body: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    for name, text in (("subject", subject), ("body", body)):
        if not (text or "").strip():
            errors[name] = _("Please write something.")
            continue
        unknown = sorted({m for m in PLACEHOLDER_RE.findall(text) if m not in PLACEHOLDERS})
        if unknown:
            errors[name] = _(
                "Unknown placeholder %(names)s. You can use: %(allowed)s.",
                names=", ".join("{" + u + "}" for u in unknown),
                allowed=", ".join("{" + p + "}" for p in PLACEHOLDERS),
            )
    if "\n" in (subject or "") or len(subject or "") > 200:
        errors["subject"] = _("The subject is one line of at most 200 characters.")
    return errors


def fill(text: str, values: dict[str, str]) -> str:
    return PLACEHOLDER_RE.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def recipient_conditions(event_id: int, query: AttendeeQuery) -> list[Any]:
    """The list's filters; without a status filter, cancelled registrations are left out."""
    where = filter_conditions(event_id, query)
    if query.status is None:
        where.append(Registration.status != RegistrationStatus.CANCELLED)
    return where


def count_recipients(event_id: int, query: AttendeeQuery) -> int:
    return int(
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Registration)
            .outerjoin(Organization, Organization.id == Registration.organization_id)
            .where(*recipient_conditions(event_id, query))
        )
        or 0
    )


def _date_for(reg: Registration, event: Event) -> str:
    """The event's date as the recipient reads it (their language, the event's time zone)."""
    from flask import current_app
    from flask_babel import force_locale

    languages = current_app.config["LANGUAGES"]
    locale = reg.locale if reg.locale in languages else current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):
        return format_in_zone(event.starts_at, event.timezone, "EEEE d MMMM y, HH:mm")


def _values(event: Event, reg: Registration, org: str, manage_link: str) -> dict[str, str]:
    from .tickets import event_url

    return {
        "first_name": reg.first_name,
        "name": reg.name,
        "email": reg.email,
        "organization": org,
        "ticket_code": reg.ticket_code,
        "manage_link": manage_link,
        "event_title": event.localized("title", reg.locale),
        "event_date": _date_for(reg, event),
        "event_venue": event.venue,
        "event_link": event_url(event),
    }


@dataclass(frozen=True)
class MessagePreview:
    recipients: int
    to: str
    subject: str
    body: str


def preview(event: Event, query: AttendeeQuery, subject: str, body: str) -> MessagePreview:
    """How the message looks for the first recipient (the link is shown, not issued)."""
    errors = validate(subject, body)
    if errors:
        raise InvalidMessage(errors)
    first = db.session.execute(
        sa.select(Registration, Organization.name)
        .outerjoin(Organization, Organization.id == Registration.organization_id)
        .where(*recipient_conditions(event.id, query))
        .order_by(Registration.name, Registration.id)
        .limit(1)
    ).first()
    count = count_recipients(event.id, query)
    if first is None:
        return MessagePreview(0, "", subject, body)
    reg, org = first
    values = _values(event, reg, org or "", _("(their personal link)"))
    return MessagePreview(count, reg.email, fill(subject, values), fill(body, values))


def send_message(
    event_id: int,
    query: AttendeeQuery,
    subject: str,
    body: str,
    *,
    actor: OrganizerAccount,
    now: datetime,
) -> int:
    """Queue one personal e-mail per recipient and log the send; returns the count.

    ``{manage_link}`` issues each recipient a new personal link (only hashes are stored, so
    an old link cannot be repeated); the previous link stops working.
    """
    from .outbox import deliver_after_commit, queue_mail
    from .tickets import manage_url, rotate_token

    errors = validate(subject, body)
    if errors:
        raise InvalidMessage(errors)
    event = db.session.get(Event, event_id)
    if event is None:
        raise NotFound(_("This event does not exist."))
    rows = db.session.execute(
        sa.select(Registration, Organization.name)
        .outerjoin(Organization, Organization.id == Registration.organization_id)
        .where(*recipient_conditions(event_id, query))
        .order_by(Registration.id)
        .limit(MAX_RECIPIENTS + 1)
    ).all()
    if not rows:
        raise DomainError(_("Nobody matches these filters; nothing was sent."), "recipients")
    if len(rows) > MAX_RECIPIENTS:
        raise DomainError(
            _("At most %(n)d recipients per message.", n=MAX_RECIPIENTS), "recipients"
        )
    wants_link = "{manage_link}" in subject or "{manage_link}" in body
    for reg, org in rows:
        link = manage_url(rotate_token(reg)) if wants_link else ""
        values = _values(event, reg, org or "", link)
        queue_mail(
            KIND,
            reg.email,
            "organizer_message",
            {
                "subject": fill(subject, values),
                "body": fill(body, values),
                "event": {"title": values["event_title"], "url": values["event_link"]},
            },
            event_id=event_id,
            registration_id=reg.id,
            locale=reg.locale,
            now=now,
        )
    audit.record(
        "message.sent",
        event_id=event_id,
        actor=actor,
        after={
            "subject": subject,
            "body": body,
            "recipients": len(rows),
            "filters": query.to_args(page=None, per_page=None),
        },
        at=now,
    )
    db.session.commit()
    deliver_after_commit(now)
    return len(rows)


@dataclass(frozen=True)
class SentMessage:
    id: int
    at: datetime
    sender: str
    subject: str
    body: str
    recipients: int
    filters: dict[str, Any]
    delivered: int
    failed: int


def sent_messages(event_id: int, limit: int = 100) -> list[SentMessage]:
    """Messages sent for the event (newest first) with their delivery counts."""
    entries = db.session.execute(
        sa.select(AuditEntry, OrganizerAccount.name, OrganizerAccount.email)
        .outerjoin(OrganizerAccount, OrganizerAccount.id == AuditEntry.actor_id)
        .where(AuditEntry.event_id == event_id, AuditEntry.action == "message.sent")
        .order_by(AuditEntry.at.desc())
        .limit(limit)
    ).all()
    stats: dict[datetime, dict[OutboxStatus, int]] = {}
    if entries:
        for at, status, n in db.session.execute(
            sa.select(OutboxMessage.created_at, OutboxMessage.status, sa.func.count())
            .where(OutboxMessage.event_id == event_id, OutboxMessage.kind == KIND)
            .group_by(OutboxMessage.created_at, OutboxMessage.status)
        ):
            stats.setdefault(at, {})[status] = n
    result = []
    for entry, name, email in entries:
        after = entry.after or {}
        counts = stats.get(entry.at, {})
        result.append(
            SentMessage(
                id=entry.id,
                at=entry.at,
                sender=name or email or "",
                subject=str(after.get("subject", "")),
                body=str(after.get("body", "")),
                recipients=int(after.get("recipients", 0)),
                filters=dict(after.get("filters") or {}),
                delivered=counts.get(OutboxStatus.SENT, 0),
                failed=counts.get(OutboxStatus.FAILED, 0),
            )
        )
    return result


@dataclass(frozen=True)
class Delivery:
    registration_id: int | None
    name: str
    to: str
    subject: str
    status: OutboxStatus
    sent_at: datetime | None
    last_error: str


def deliveries(event_id: int, message_id: int) -> tuple[SentMessage, list[Delivery]]:
    """One sent message and every e-mail it produced: who, and whether it was delivered."""
    message = next((m for m in sent_messages(event_id, limit=1000) if m.id == message_id), None)
    if message is None:
        raise NotFound(_("This message does not exist."))
    rows = db.session.execute(
        sa.select(OutboxMessage, Registration.name)
        .outerjoin(Registration, Registration.id == OutboxMessage.registration_id)
        .where(
            OutboxMessage.event_id == event_id,
            OutboxMessage.kind == KIND,
            OutboxMessage.created_at == message.at,
        )
        .order_by(Registration.name, OutboxMessage.id)
    ).all()
    return message, [
        Delivery(
            registration_id=m.registration_id,
            name=name or "",
            to=m.to_address,
            subject=m.subject,
            status=m.status,
            sent_at=m.sent_at,
            last_error=m.last_error,
        )
        for m, name in rows
    ]
