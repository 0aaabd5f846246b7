"""Organizer activity for the demo: the audit log, private notes, check-ins at the desk and a
message already sent, so that the organizer screens show a lived-in event."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from ..models import (
    AuditEntry,
    Event,
    OrganizerAccount,
    OutboxMessage,
    OutboxStatus,
    Registration,
    RegistrationStatus,
)

NOTES = [
    "Needs step-free access to the hall; seat near the entrance.",
    "Speaker at the opening panel: reserve a front-row seat.",
    "Asked to meet the university's career services after the meetings.",
    "Arrives late (train from Tampere), keep the badge at the desk.",
]


def _entry(
    event: Event, at: datetime, action: str, actor: OrganizerAccount | None, **kw
) -> AuditEntry:  # type: ignore[no-untyped-def]
    return AuditEntry(
        event_id=event.id,
        at=at,
        action=action,
        actor_id=actor.id if actor else None,
        actor_kind="organizer" if actor else "system",
        before=kw.get("before", {}),
        after=kw.get("after", {}),
        registration_id=kw.get("registration_id"),
    )


def demo_organizer_activity(
    session,  # type: ignore[no-untyped-def]
    event: Event,
    registrations: list[Registration],
    organizer: OrganizerAccount,
    coordinator: OrganizerAccount,
    *,
    past: bool,
    seed: int,
) -> None:
    """Add audit entries, notes, desk check-ins (past event) and a sent message (upcoming)."""
    rng = random.Random(seed * 7 + (1 if past else 0))  # noqa: S311 - deterministic demo data
    session.flush()
    opens = event.registration_opens_at or (event.starts_at - timedelta(days=45))
    entries = [
        _entry(
            event,
            opens - timedelta(days=6),
            "event.created",
            organizer,
            after={"slug": event.slug, "title": event.title, "status": "draft"},
        ),
        _entry(
            event,
            opens - timedelta(days=5),
            "organizer.added",
            organizer,
            after={"email": coordinator.email},
        ),
        _entry(
            event,
            opens - timedelta(days=2),
            "event.updated",
            coordinator,
            before={"venue": "Main Building"},
            after={"venue": event.venue},
        ),
        _entry(
            event,
            opens,
            "event.publish",
            organizer,
            before={"status": "draft"},
            after={"status": "published"},
        ),
    ]
    confirmed = [r for r in registrations if r.status == RegistrationStatus.CONFIRMED]
    for reg, note in zip(
        rng.sample(confirmed, min(len(NOTES), len(confirmed))), NOTES, strict=False
    ):
        reg.organizer_notes = note
        entries.append(
            _entry(
                event,
                reg.created_at + timedelta(days=2),
                "registration.notes",
                coordinator,
                registration_id=reg.id,
                before={"notes": ""},
                after={"notes": note},
            )
        )
    if past:
        closes = event.registration_closes_at or event.starts_at
        entries.append(
            _entry(
                event,
                closes,
                "event.close",
                organizer,
                before={"status": "published"},
                after={"status": "closed"},
            )
        )
        for reg in confirmed:
            if reg.checked_in_at is not None:
                reg.checked_in_by_id = rng.choice((organizer.id, coordinator.id))
                actor = organizer if reg.checked_in_by_id == organizer.id else coordinator
                entries.append(
                    _entry(
                        event,
                        reg.checked_in_at,
                        "registration.checked_in",
                        actor,
                        registration_id=reg.id,
                        before={"checked_in_at": None},
                        after={"checked_in_at": reg.checked_in_at.isoformat()},
                    )
                )
    elif confirmed:
        sent_at = event.starts_at - timedelta(days=25)
        subject = "Practical information for {event_title}"
        body = (
            "Hello {first_name},\n\nThe doors open at 12:00 at {event_venue}. Bring your ticket "
            "(the QR code in your confirmation e-mail) and a few words about what you offer "
            "and what you are looking for.\n\nSee you soon!"
        )
        recipients = confirmed
        for reg in recipients:
            session.add(
                OutboxMessage(
                    kind="organizer_message",
                    to_address=reg.email,
                    subject=f"Practical information for {event.title}",
                    body_text=body.replace("{first_name}", reg.first_name)
                    .replace("{event_venue}", event.venue)
                    .replace("{event_title}", event.title),
                    event_id=event.id,
                    registration_id=reg.id,
                    status=OutboxStatus.SENT,
                    created_at=sent_at,
                    send_after=sent_at,
                    sent_at=sent_at + timedelta(seconds=rng.randint(2, 90)),
                    attempts=1,
                )
            )
        entries.append(
            _entry(
                event,
                sent_at,
                "message.sent",
                coordinator,
                after={
                    "subject": subject,
                    "body": body,
                    "recipients": len(recipients),
                    "filters": {"status": "confirmed"},
                },
            )
        )
    session.add_all(entries)
