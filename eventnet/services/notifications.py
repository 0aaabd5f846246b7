"""The e-mails a registrant receives, queued in the outbox inside the caller's transaction.

Each function takes the registration (and a freshly issued manage token when the mail must
carry the link), builds plain template data and calls `queue_mail`. Templates live in
``templates/emails/`` (text + HTML, translated into the registrant's locale).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..jobs import uses_workers
from ..models import AttendeeRole, OutboxMessage, Registration, RegistrationStatus
from .outbox import (
    attachment,
    insert_message,
    later_message,
    note_queued,
    queue_mail,
    render_mail,
)
from .tickets import checkin_url, event_ics, event_url, lost_link_url, manage_url

ROLE_LABELS = {
    AttendeeRole.STUDENT: _l("International degree student"),
    AttendeeRole.STAFF: _l("Higher-education staff"),
    AttendeeRole.EMPLOYER: _l("Employer"),
}
STATUS_LABELS = {
    RegistrationStatus.CONFIRMED: _l("Confirmed"),
    RegistrationStatus.PENDING: _l("Waiting for your confirmation"),
    RegistrationStatus.WAITLISTED: _l("On the waiting list"),
    RegistrationStatus.CANCELLED: _l("Cancelled"),
}
QR_CID = "ticket-qr@eventnet"


def mail_context(reg: Registration, token: str | None = None) -> dict[str, Any]:
    """Plain data about the registration and its event for the mail templates."""
    event = reg.event
    return {
        "name": reg.first_name,
        "event": {
            "title": event.localized("title", reg.locale),
            "starts_at": event.starts_at,
            "ends_at": event.ends_at,
            "timezone": event.timezone,
            "venue": event.venue,
            "address": event.address,
            "url": event_url(event),
            "lost_link_url": lost_link_url(event),
        },
        "registration": {
            "status": reg.status.value,
            "status_label": STATUS_LABELS[reg.status],
            "role_label": ROLE_LABELS[reg.role],
            "waitlist_position": reg.waitlist_position,
            "ticket_code": reg.ticket_code,
            "pending_expires_at": reg.pending_expires_at,
        },
        "manage_url": manage_url(token) if token else None,
        "confirm_url": manage_url(token) + "/confirm" if token else None,
        "qr_cid": QR_CID,
    }


def _ticket_attachments(reg: Registration, now: datetime) -> list[dict[str, Any]]:
    event = reg.event
    return [
        # The QR code is drawn when the mail is sent (see eventnet.mail): it takes tens of
        # milliseconds, which should not be spent while holding the event lock.
        {
            "filename": "ticket-qr.png",
            "content_type": "image/png",
            "qr_data": checkin_url(event.slug, reg.ticket_code),
            "content_id": QR_CID,
        },
        attachment(
            f"{event.slug}.ics",
            "text/calendar",
            event_ics(event, reg, stamp=now, locale=reg.locale),
        ),
    ]


def _queue(
    reg: Registration,
    kind: str,
    template: str,
    now: datetime,
    *,
    token: str | None = None,
    ticket: bool = False,
    dedupe_key: str | None = None,
    **extra: Any,
) -> None:
    context = mail_context(reg, token)
    context.update(extra)
    queue_mail(
        kind,
        reg.email,
        template,
        context,
        event_id=reg.event_id,
        registration_id=reg.id,
        attachments=_ticket_attachments(reg, now) if ticket else None,
        dedupe_key=dedupe_key,
        locale=reg.locale,
        now=now,
    )


def registration_mail(status: RegistrationStatus) -> tuple[str, str, bool]:
    """(kind, template, with ticket) of the mail after a new registration got ``status``."""
    if status == RegistrationStatus.CONFIRMED:
        return "confirmation", "confirmation", True
    if status == RegistrationStatus.PENDING:
        return "confirm_email", "confirm_email", False
    return "waitlist", "waitlisted", False


def queue_registration_mail(reg: Registration, token: str, now: datetime) -> None:
    """After a new registration: confirmation, confirm-your-e-mail, or waiting list.

    With RQ workers the mail is queued as a recipe (`registration_recipe`) and written by
    the worker that sends it.
    """
    if uses_workers():
        recipe = registration_recipe(
            reg.id,
            reg.event_id,
            reg.email,
            token,
            reg.status,
            reg.waitlist_position,
            reg.pending_expires_at,
            now=now,
        )
        note_queued(insert_message(recipe))
        return
    kind, template, ticket = registration_mail(reg.status)
    _queue(reg, kind, template, now, token=token, ticket=ticket)


def registration_recipe(
    registration_id: int,
    event_id: int,
    email: str,
    token: str,
    status: RegistrationStatus,
    waitlist_position: int | None,
    pending_expires_at: datetime | None,
    *,
    now: datetime,
) -> dict[str, Any]:
    """The new registration's mail as a recipe: an outbox row that `render_deferred` writes
    when it is sent. The caller holds the event lock, and in a registration rush every
    millisecond under it is a millisecond every other registrant waits. Plain values, so
    the registration service need not load the row it has just written."""
    kind, template, ticket = registration_mail(status)
    recipe = {
        "template": template,
        "token": token,
        "ticket": ticket,
        "queued_at": now.isoformat(),
        # The place as it was given: the mail tells what happened, even if it changed since.
        "status": status.value,
        "waitlist_position": waitlist_position,
        "pending_expires_at": pending_expires_at.isoformat() if pending_expires_at else None,
    }
    return later_message(
        kind, email, recipe, event_id=event_id, registration_id=registration_id, now=now
    )


def render_deferred(row: OutboxMessage) -> None:
    """Write a message queued as a `registration_recipe` (subject, bodies, ticket attachments)."""
    recipe = dict(row.render_later or {})
    reg = db.session.get(Registration, row.registration_id) if row.registration_id else None
    if reg is None:
        raise LookupError(f"mail {row.id}: its registration no longer exists")
    context = mail_context(reg, recipe["token"])
    status = RegistrationStatus(recipe["status"])
    expires = recipe.get("pending_expires_at")
    context["registration"].update(
        status=status.value,
        status_label=STATUS_LABELS[status],
        waitlist_position=recipe.get("waitlist_position"),
        pending_expires_at=datetime.fromisoformat(expires) if expires else None,
    )
    queued_at = datetime.fromisoformat(recipe["queued_at"])
    rendered = render_mail(recipe["template"], context, reg.locale)
    row.subject = rendered.subject
    row.body_text = rendered.text
    row.body_html = rendered.html
    row.attachments = _ticket_attachments(reg, queued_at) if recipe.get("ticket") else []
    row.render_later = None


def queue_confirmed_mail(reg: Registration, token: str, now: datetime) -> None:
    """After the double opt-in link was followed: the place is confirmed, here is the ticket."""
    _queue(reg, "confirmation", "confirmation", now, token=token, ticket=True)


def queue_promotion_mail(reg: Registration, token: str, now: datetime) -> None:
    """A waiting person got a place (confirmed, or pending to confirm with double opt-in)."""
    ticket = reg.status == RegistrationStatus.CONFIRMED
    _queue(reg, "promotion", "promoted", now, token=token, ticket=ticket)


def queue_status_mail(reg: Registration, template: str, now: datetime) -> None:
    """Cancellation ("cancelled") or released hold ("hold_expired"): no link needed."""
    _queue(reg, template, template, now)


def queue_already_registered_mail(reg: Registration, token: str, now: datetime) -> None:
    _queue(reg, "already_registered", "already_registered", now, token=token)


def queue_lost_link_mail(
    reg: Registration, token: str, now: datetime, *, dedupe_key: str | None = None
) -> None:
    _queue(reg, "lost_link", "lost_link", now, token=token, dedupe_key=dedupe_key)


def queue_reminder_mail(reg: Registration, now: datetime) -> bool:
    """The day-before reminder with the ticket; at most once per registration."""
    context = mail_context(reg)
    message = queue_mail(
        "reminder",
        reg.email,
        "reminder",
        context,
        event_id=reg.event_id,
        registration_id=reg.id,
        attachments=_ticket_attachments(reg, now),
        dedupe_key=f"reminder:{reg.id}",
        locale=reg.locale,
        now=now,
    )
    return message is not None
