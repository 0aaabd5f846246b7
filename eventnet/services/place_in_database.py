"""A new registration placed inside PostgreSQL, in the round trip that writes it.

Why: a registration rush is serialised by the event's lock, and every client round trip
made while holding it is a wait for two busy processes to be woken up, which every other
registrant of the event waits out too. `eventnet_place_registration` (migration 0007) takes
the lock, counts and records the place in the database; the statement here also queues the
registration's mail, built from the place given, and the caller sends it in one pipeline
with the registration's rows and the COMMIT (`eventnet.services.pipeline`).

The function decides only the common case, exactly like `registration._placement`, and
raises SQLSTATE ``EVT01`` (`NEEDS_THE_LONG_WAY`) when the event's terms differ from those
the registration was checked against, a pending hold has run out, or the waiting list is
behind: the service then rolls back and does the same registration the long way.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ..models import RegistrationStatus
from .event_terms import EventTerms
from .notifications import registration_mail
from .outbox import later_message

NEEDS_THE_LONG_WAY = "EVT01"

# Columns of the mail's outbox row that do not depend on the place (`later_message`), in
# the order PLACE_AND_QUEUE lists them.
_FIXED = (
    "to_address",
    "subject",
    "body_text",
    "body_html",
    "event_id",
    "status",
    "attempts",
    "last_error",
    "send_after",
    "created_at",
)
PLACE_AND_QUEUE = sa.text(
    """
    WITH placed AS MATERIALIZED (
        SELECT * FROM eventnet_place_registration(
            CAST(:event_id AS integer), CAST(:ticket_code AS text), CAST(:role AS text),
            CAST(:now AS timestamptz), CAST(:terms_status AS text),
            CAST(:opens AS timestamptz), CAST(:closes AS timestamptz),
            CAST(:starts AS timestamptz), CAST(:capacity AS integer),
            CAST(:double_opt_in AS boolean), CAST(:hold_minutes AS integer),
            CAST(:quotas AS text[]), CAST(:roles AS text[]), CAST(:limits AS integer[])
        )
    ), mail AS (
        SELECT placed.*, CAST(:variants AS jsonb) -> placed.placed_status AS variant
        FROM placed
    )
    INSERT INTO outbox_messages (
        kind, attachments, headers, render_later, registration_id, to_address, subject,
        body_text, body_html, event_id, status, attempts, last_error, send_after, created_at
    )
    SELECT mail.variant ->> 'kind', CAST(:attachments AS json), CAST(:headers AS json),
        json_build_object(
            'template', mail.variant ->> 'template',
            'token', CAST(:token AS text),
            'ticket', mail.variant -> 'ticket',
            'queued_at', CAST(:queued_at AS text),
            'status', mail.placed_status,
            'waitlist_position', mail.placed_position,
            'pending_expires_at', mail.placed_expires
        ),
        mail.placed_id, :mail_to_address, :mail_subject, :mail_body_text, :mail_body_html,
        :mail_event_id, :mail_status, :mail_attempts, :mail_last_error, :mail_send_after,
        :mail_created_at
    FROM mail
    RETURNING id, render_later
    """
)


def place_and_queue(
    terms: EventTerms,
    *,
    ticket_code: str,
    role: str,
    email: str,
    token: str,
    now: datetime,
) -> dict[str, Any]:
    """The parameters of `PLACE_AND_QUEUE` for the registration with ``ticket_code``,
    checked against ``terms``; its rows read back with `placed_from_row`."""
    quotas = {group.value: cap for group, cap in terms.limits.items() if cap is not None}
    variants = {}
    for status in RegistrationStatus:
        if status != RegistrationStatus.CANCELLED:
            kind, template, ticket = registration_mail(status)
            variants[status.value] = {"kind": kind, "template": template, "ticket": ticket}
    mail = later_message("", email, {}, event_id=terms.id, registration_id=None, now=now)
    return {
        "event_id": terms.id,
        "ticket_code": ticket_code,
        "role": role,
        "now": now,
        "terms_status": terms.status.value,
        "opens": terms.registration_opens_at,
        "closes": terms.registration_closes_at,
        "starts": terms.starts_at,
        "capacity": terms.capacity,
        "double_opt_in": terms.double_opt_in,
        "hold_minutes": terms.pending_hold_minutes,
        "quotas": [f"{name}:{cap}" for name, cap in quotas.items()],
        "roles": [group.value for group in terms.limits],
        "limits": list(terms.limits.values()),
        "variants": json.dumps(variants),
        "attachments": json.dumps(mail["attachments"]),
        "headers": json.dumps(mail["headers"]),
        "token": token,
        "queued_at": now.isoformat(),
        **{f"mail_{name}": _plain(mail[name]) for name in _FIXED},
    }


def _plain(value: Any) -> Any:
    return getattr(value, "value", value)  # enums as their stored string


def placed_from_row(row: Any) -> tuple[int, RegistrationStatus, int | None]:
    """(mail id, status given, waiting-list position) from `PLACE_AND_QUEUE`'s row."""
    mail_id, recipe = row
    recipe = json.loads(recipe) if isinstance(recipe, str) else recipe
    return int(mail_id), RegistrationStatus(recipe["status"]), recipe["waitlist_position"]
