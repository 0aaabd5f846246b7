"""GDPR rights and retention: a copy of one's data, erasure, and anonymization after the event.

- `export_person_data(registration_id)`: everything eventnet holds about the person behind a
  manage link, as plain JSON-ready data (Art. 15/20): the person, each registration with its
  consents (and the privacy notice version they were given for), tags, meetings, requests,
  bookmarks, feedback, follow-ups, outcomes, connections, the mail sent to them and the audit
  entries about them.
- `erase_person(person_id, now, actor=...)`: Art. 17. Active registrations of events that have
  not ended are cancelled through the registration service (the place is freed and the waiting
  list promoted, under the event lock), pending mail to the person is cancelled, then every
  registration and the person are anonymized (`_anonymize_registration`) and their texts are
  removed wherever they were copied (mail to other attendees, audit entries).
- `purge_expired_events(now)`: retention, run by ``eventnet tick``. For each event that ended
  more than ``Event.retention_months`` ago (default 12) and is not purged yet, anonymize every
  registration, scrub the event's mail and audit entries, delete its generated files, and
  anonymize people who have no other registration left with personal data. Idempotent.

What survives anonymization is what the reports count: role, status and its timestamps,
organization (a body, not a person), country, degree programme (a category for the study
fields figure), tags, ratings, meetings, connections and outcome types. Names, e-mail
addresses, free texts, notes, tokens, mail bodies and audit details do not.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from ..extensions import db
from ..models import (
    AuditEntry,
    BackgroundJob,
    Bookmark,
    Connection,
    Event,
    FeedbackInvitation,
    FeedbackResponse,
    FollowUp,
    Meeting,
    MeetingRequest,
    OrganizerAccount,
    OutboxMessage,
    OutboxStatus,
    Outcome,
    Person,
    QuoteConsent,
    Recommendation,
    Registration,
    RegistrationStatus,
    TagKind,
)
from . import DomainError, NotFound
from .tokens import hash_token, new_ticket_code

log = logging.getLogger(__name__)

ANON_DOMAIN = "anonymized.invalid"
ANON_NAME = "Anonymized"
ERASED = "[erased]"
MIN_NEEDLE = 4  # shorter strings are not searched for in other people's texts


def anonymized_email(kind: str, row_id: int) -> str:
    return f"{kind}-{row_id}@{ANON_DOMAIN}"


def is_anonymized(reg: Registration) -> bool:
    return reg.email.endswith("@" + ANON_DOMAIN)


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` plus whole calendar months (the day clamped to the month's length)."""
    import calendar

    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def purge_due_at(ends_at: datetime, retention_months: int | None) -> datetime:
    """When an event's personal data is anonymized: ``retention_months`` after it ended."""
    months = retention_months if retention_months is not None else 12
    return add_months(ends_at, max(int(months), 0))


# --------------------------------------------------------------------------- export


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _value(value: Any) -> Any:
    return getattr(value, "value", value)


def export_person_data(registration_id: int) -> dict[str, Any]:
    """All data about the person of this registration, across every event (JSON-ready)."""
    reg = db.session.get(Registration, registration_id)
    if reg is None:
        raise NotFound(_("This registration does not exist."))
    person = reg.person
    regs = list(
        db.session.scalars(
            sa.select(Registration)
            .where(Registration.person_id == person.id)
            .order_by(Registration.created_at, Registration.id)
        )
    )
    reg_ids = [r.id for r in regs]
    names = _partner_names(reg_ids)
    return {
        "format": "eventnet personal data export",
        "privacy_notice_version": str(current_app.config.get("PRIVACY_POLICY_VERSION", "")),
        "person": {
            "name": person.name,
            "email": person.email,
            "country": person.country,
            "organization": person.organization.name if person.organization else None,
            "locale": person.locale,
            "unsubscribed_from_follow_ups_at": _iso(person.unsubscribed_at),
            "created_at": _iso(person.created_at),
        },
        "registrations": [_export_registration(r, names) for r in regs],
        "mail": [
            {
                "kind": m.kind,
                "to": m.to_address,
                "subject": m.subject,
                "status": _value(m.status),
                "created_at": _iso(m.created_at),
                "sent_at": _iso(m.sent_at),
            }
            for m in db.session.scalars(
                sa.select(OutboxMessage)
                .where(
                    sa.or_(
                        OutboxMessage.registration_id.in_(reg_ids),
                        OutboxMessage.to_address == person.email,
                    )
                )
                .order_by(OutboxMessage.id)
            )
        ],
        "history": [
            {
                "at": _iso(a.at),
                "action": a.action,
                "by": a.actor_kind,
                "registration_id": a.registration_id,
                "before": a.before,
                "after": a.after,
            }
            for a in db.session.scalars(
                sa.select(AuditEntry)
                .where(AuditEntry.registration_id.in_(reg_ids))
                .order_by(AuditEntry.at, AuditEntry.id)
            )
        ],
    }


def _partner_names(reg_ids: list[int]) -> dict[int, str]:
    """Names of the people this person met or connected with (shown to them already)."""
    partners: set[int] = set()
    for model in (Meeting, Connection):
        for first, second in db.session.execute(
            sa.select(model.first_id, model.second_id).where(
                sa.or_(model.first_id.in_(reg_ids), model.second_id.in_(reg_ids))
            )
        ):
            partners.update((first, second))
    for a, b in db.session.execute(
        sa.select(MeetingRequest.requester_id, MeetingRequest.recipient_id).where(
            sa.or_(
                MeetingRequest.requester_id.in_(reg_ids),
                MeetingRequest.recipient_id.in_(reg_ids),
            )
        )
    ):
        partners.update((a, b))
    partners -= set(reg_ids)
    if not partners:
        return {}
    return dict(
        db.session.execute(
            sa.select(Registration.id, Registration.name).where(Registration.id.in_(partners))
        ).all()
    )


def _export_registration(reg: Registration, names: dict[int, str]) -> dict[str, Any]:
    rid = reg.id

    def other(first: int, second: int) -> str:
        return names.get(second if first == rid else first, "")

    feedback = db.session.scalar(
        sa.select(FeedbackResponse).where(FeedbackResponse.registration_id == rid)
    )
    return {
        "id": rid,
        "event": {
            "title": reg.event.title,
            "slug": reg.event.slug,
            "starts_at": _iso(reg.event.starts_at),
        },
        "role": _value(reg.role),
        "status": _value(reg.status),
        "waitlist_position": reg.waitlist_position,
        "name": reg.name,
        "email": reg.email,
        "organization": reg.organization.name if reg.organization else None,
        "job_title": reg.job_title,
        "degree_programme": reg.degree_programme,
        "study_level": reg.study_level,
        "graduation_year": reg.graduation_year,
        "country": reg.country,
        "languages": list(reg.languages or []),
        "interests": reg.tag_labels(TagKind.INTEREST),
        "offers": reg.tag_labels(TagKind.OFFER),
        "seeks": reg.tag_labels(TagKind.SEEK),
        "other_interests": reg.other_interests,
        "offer_text": reg.offer_text,
        "seek_text": reg.seek_text,
        "goals": reg.goals,
        "dietary_needs": reg.dietary_needs,
        "accessibility_needs": reg.accessibility_needs,
        "locale": reg.locale,
        "ticket_code": reg.ticket_code,
        "source": reg.source,
        "consents": {
            "privacy_notice_version": reg.privacy_policy_version,
            "privacy_notice_accepted_at": _iso(reg.consent_privacy_at),
            "shown_to_other_attendees_since": _iso(reg.consent_profile_at),
            "photos_since": _iso(reg.consent_photos_at),
        },
        "organizer_notes": reg.organizer_notes,
        "timeline": {
            key: _iso(getattr(reg, key))
            for key in (
                "created_at",
                "updated_at",
                "confirmed_at",
                "pending_expires_at",
                "waitlisted_at",
                "promoted_at",
                "cancelled_at",
                "checked_in_at",
                "reminder_sent_at",
            )
        },
        "recommended_to_you": [
            {"rank": r.rank, "name": r.partner.name, "reasons": r.reasons}
            for r in db.session.scalars(
                sa.select(Recommendation)
                .where(Recommendation.registration_id == rid)
                .order_by(Recommendation.rank)
            )
        ],
        "bookmarks": [
            names.get(pid)
            or db.session.scalar(sa.select(Registration.name).where(Registration.id == pid))
            for pid in db.session.scalars(
                sa.select(Bookmark.partner_id).where(Bookmark.registration_id == rid)
            )
        ],
        "meeting_requests": [
            {
                "direction": "sent" if m.requester_id == rid else "received",
                "with": other(m.requester_id, m.recipient_id),
                "note": m.note,
                "status": _value(m.status),
                "created_at": _iso(m.created_at),
            }
            for m in db.session.scalars(
                sa.select(MeetingRequest).where(
                    sa.or_(MeetingRequest.requester_id == rid, MeetingRequest.recipient_id == rid)
                )
            )
        ],
        "meetings": [
            {
                "with": other(m.first_id, m.second_id),
                "starts_at": _iso(m.slot.starts_at) if m.slot else None,
                "table": m.table.label if m.table else None,
                "status": _value(m.status),
            }
            for m in db.session.scalars(
                sa.select(Meeting).where(sa.or_(Meeting.first_id == rid, Meeting.second_id == rid))
            )
        ],
        "connections": [
            {"with": other(c.first_id, c.second_id), "confirmed": c.confirmed}
            for c in db.session.scalars(
                sa.select(Connection).where(
                    sa.or_(Connection.first_id == rid, Connection.second_id == rid)
                )
            )
        ],
        "feedback": None
        if feedback is None
        else {
            "overall_rating": feedback.overall_rating,
            "nps": feedback.nps,
            "recommendations_useful": feedback.recommendations_useful,
            "improve": feedback.improve,
            "comment": feedback.comment,
            "quote_consent": _value(feedback.quote_consent),
            "submitted_at": _iso(feedback.submitted_at),
        },
        "follow_ups": [
            {
                "days_after": f.days_after,
                "answered_at": _iso(f.answered_at),
                "comment": f.comment,
            }
            for f in db.session.scalars(sa.select(FollowUp).where(FollowUp.registration_id == rid))
        ],
        "outcomes": [
            {"type": _value(o.type), "text": o.text, "reported_at": _iso(o.reported_at)}
            for o in db.session.scalars(sa.select(Outcome).where(Outcome.registration_id == rid))
        ],
    }


# --------------------------------------------------------------------------- scrubbing


def _needles(texts: Iterable[str | None]) -> list[str]:
    """Distinct strings worth searching for in other rows, longest first."""
    found = {t.strip() for t in texts if t and len(t.strip()) >= MIN_NEEDLE}
    found.discard(ERASED)
    return sorted(found, key=len, reverse=True)


def _scrub(value: Any, needles: list[str]) -> Any:
    """``value`` (text or JSON) with every needle replaced by ``[erased]``."""
    if isinstance(value, str):
        lowered = value.casefold()
        for needle in needles:
            if needle.casefold() in lowered:
                value = _replace_casefold(value, needle)
                lowered = value.casefold()
        return value
    if isinstance(value, dict):
        return {k: _scrub(v, needles) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, needles) for v in value]
    return value


def _replace_casefold(text: str, needle: str) -> str:
    out, lowered, key, start = [], text.casefold(), needle.casefold(), 0
    if len(lowered) != len(text):  # casefold changed lengths (e.g. "ß"): exact match only
        return text.replace(needle, ERASED)
    while True:
        index = lowered.find(key, start)
        if index < 0:
            out.append(text[start:])
            return "".join(out)
        out.append(text[start:index] + ERASED)
        start = index + len(key)


def _registration_texts(reg: Registration) -> list[str]:
    texts = [
        reg.name,
        reg.email,
        reg.job_title,
        reg.other_interests,
        reg.offer_text,
        reg.seek_text,
        reg.goals,
        reg.dietary_needs,
        reg.accessibility_needs,
        reg.organizer_notes,
        reg.ticket_code,
    ]
    rid = reg.id
    texts += db.session.scalars(
        sa.select(MeetingRequest.note).where(MeetingRequest.requester_id == rid)
    ).all()
    for improve, comment in db.session.execute(
        sa.select(FeedbackResponse.improve, FeedbackResponse.comment).where(
            FeedbackResponse.registration_id == rid
        )
    ):
        texts += [improve, comment]
    texts += db.session.scalars(sa.select(FollowUp.comment).where(FollowUp.registration_id == rid))
    texts += db.session.scalars(sa.select(Outcome.text).where(Outcome.registration_id == rid))
    return texts


def _anonymize_registration(reg: Registration) -> None:
    """Remove what identifies the person from one registration and what hangs off it."""
    rid = reg.id
    reg.name = ANON_NAME
    reg.email = anonymized_email("registration", rid)
    for name in (
        "job_title",
        "other_interests",
        "offer_text",
        "seek_text",
        "goals",
        "dietary_needs",
        "accessibility_needs",
        "organizer_notes",
    ):
        setattr(reg, name, "")
    reg.graduation_year = None
    reg.languages = []
    reg.manage_token_hash = None
    reg.ticket_code = new_ticket_code()
    reg.consent_profile_at = None
    reg.consent_photos_at = None
    db.session.execute(
        sa.update(MeetingRequest).where(MeetingRequest.requester_id == rid).values(note="")
    )
    db.session.execute(
        sa.update(FeedbackResponse)
        .where(FeedbackResponse.registration_id == rid)
        .values(improve="", comment="", quote_consent=QuoteConsent.NONE)
    )
    db.session.execute(
        sa.update(FollowUp)
        .where(FollowUp.registration_id == rid)
        .values(comment="", token_hash=None)
    )
    db.session.execute(sa.update(Outcome).where(Outcome.registration_id == rid).values(text=""))
    for invitation in db.session.scalars(
        sa.select(FeedbackInvitation).where(FeedbackInvitation.registration_id == rid)
    ):
        invitation.token_hash = hash_token(secrets.token_urlsafe(32))  # the link dies
    db.session.execute(
        sa.update(Recommendation)
        .where(sa.or_(Recommendation.registration_id == rid, Recommendation.partner_id == rid))
        .values(reasons=[])
    )


def _anonymize_person(person: Person, now: datetime) -> None:
    person.name = ANON_NAME
    person.email = anonymized_email("person", person.id)
    person.locale = None
    person.anonymized_at = now
    person.unsubscribed_at = person.unsubscribed_at or now


def _scrub_mail(messages: Iterable[OutboxMessage], needles: list[str], *, whole: bool) -> list[int]:
    """Cancel pending mail and remove personal data from mail rows; returns their ids.

    ``whole``: the rows are the person's own (or the purged event's): their bodies go.
    Otherwise only the needles are removed (mail to other attendees that mentions them).
    """
    ids = []
    for message in messages:
        ids.append(message.id)
        if whole:
            if message.status == OutboxStatus.PENDING:
                message.status = OutboxStatus.CANCELLED
            message.to_address = anonymized_email("mail", message.id)
            message.subject = ERASED
            message.body_text = ""
            message.body_html = ""
            message.attachments = []
            message.headers = {}
            message.render_later = None  # holds the person's manage-link token
            message.last_error = ""
            if message.dedupe_key:
                message.dedupe_key = f"erased:{message.id}"
        else:
            message.subject = _scrub(message.subject, needles)[:300]
            message.body_text = _scrub(message.body_text, needles)
            message.body_html = _scrub(message.body_html, needles)
            message.headers = _scrub(dict(message.headers or {}), needles)
            message.attachments = (
                []
                if message.attachments
                and any(n.casefold() in str(message.attachments).casefold() for n in needles)
                else message.attachments
            )
    return ids


def _delete_mail_files(ids: Iterable[int]) -> None:
    """The file mail backend keeps a copy of each message as ``instance/outbox/<id>.eml``."""
    directory = Path(current_app.instance_path) / "outbox"
    for message_id in ids:
        (directory / f"{message_id}.eml").unlink(missing_ok=True)


def _delete_job_files(event_ids: Iterable[int]) -> None:
    """Generated files of the events (reports, certificates): they may name people."""
    root = Path(current_app.instance_path).resolve()
    event_ids = list(event_ids)
    for job in db.session.scalars(
        sa.select(BackgroundJob).where(BackgroundJob.event_id.in_(event_ids))
    ):
        if job.result_path:
            path = (root / job.result_path).resolve()
            if path.is_relative_to(root):
                path.unlink(missing_ok=True)
            job.result_path = None
        job.params = {}
        job.message = ""
        job.error = ""
    for event_id in event_ids:
        folder = root / "reports" / f"event-{event_id}"
        if folder.is_dir():
            for path in sorted(folder.rglob("*"), reverse=True):
                path.unlink() if path.is_file() else path.rmdir()
            folder.rmdir()


# --------------------------------------------------------------------------- erasure


def erase_person(
    person_id: int,
    now: datetime,
    *,
    actor: OrganizerAccount | int | None = None,
    actor_kind: str = "attendee",
) -> int:
    """Erase a person (see the module docstring); commits. Returns the places freed.

    Safe to repeat: a second call finds nothing left to cancel or remove.
    """
    from .audit import record
    from .registration import cancel_registration

    person = db.session.get(Person, person_id)
    if person is None:
        raise NotFound(_("This person does not exist."))
    # 1. Free places at events that have not ended, through the registration service (event
    #    lock, waiting list promoted, its own commit). No mail to the person being erased.
    upcoming = db.session.scalars(
        sa.select(Registration.id)
        .join(Event, Event.id == Registration.event_id)
        .where(
            Registration.person_id == person_id,
            Registration.status.in_(
                (
                    RegistrationStatus.CONFIRMED,
                    RegistrationStatus.PENDING,
                    RegistrationStatus.WAITLISTED,
                )
            ),
            Event.ends_at > now,
        )
        .order_by(Registration.event_id)
    ).all()
    freed = 0
    for reg_id in upcoming:
        cancel_registration(reg_id, now, notify=False)
        freed += 1
    # 2. Anonymize everything else in one transaction.
    person = db.session.get(Person, person_id, populate_existing=True)
    assert person is not None
    regs = list(
        db.session.scalars(sa.select(Registration).where(Registration.person_id == person_id))
    )
    reg_ids = [r.id for r in regs]
    event_ids = sorted({r.event_id for r in regs})
    needles = _needles(
        [person.name, person.email, *(t for r in regs for t in _registration_texts(r))]
    )
    own_mail = list(
        db.session.scalars(
            sa.select(OutboxMessage).where(
                sa.or_(
                    OutboxMessage.registration_id.in_(reg_ids),
                    OutboxMessage.to_address == person.email,
                )
            )
        )
    )
    own_ids = {m.id for m in own_mail}
    other_mail = [
        m
        for m in db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.event_id.in_(event_ids))
        )
        if m.id not in own_ids
    ]
    mail_ids = _scrub_mail(own_mail, needles, whole=True)
    _scrub_mail(other_mail, needles, whole=False)
    for entry in db.session.scalars(
        sa.select(AuditEntry).where(
            sa.or_(AuditEntry.registration_id.in_(reg_ids), AuditEntry.event_id.in_(event_ids))
        )
    ):
        if entry.registration_id in reg_ids:
            entry.before = _erase_values(entry.before)
            entry.after = _erase_values(entry.after)
        else:
            entry.before = _scrub(dict(entry.before or {}), needles)
            entry.after = _scrub(dict(entry.after or {}), needles)
    for reg in regs:
        _anonymize_registration(reg)
    _anonymize_person(person, now)
    for event_id in event_ids:
        record(
            "person.erased",
            event_id=event_id,
            actor=actor,
            actor_kind=actor_kind if actor is None else "organizer",
            after={"registrations": [r.id for r in regs if r.event_id == event_id]},
            at=now,
        )
    _delete_job_files(event_ids)
    db.session.commit()
    _delete_mail_files(mail_ids)
    log.info("person %s erased (%d registrations)", person_id, len(regs))
    return freed


def _erase_values(data: dict[str, Any] | None) -> dict[str, Any]:
    """Keep which fields changed, drop what they were."""
    return {key: ERASED for key in (data or {})}


# --------------------------------------------------------------------------- retention


def purge_event(event_id: int, now: datetime) -> int:
    """Anonymize all personal data of one event; commits. Returns registrations anonymized."""
    event = db.session.get(Event, event_id)
    if event is None:
        raise NotFound(_("This event does not exist."))
    regs = list(
        db.session.scalars(sa.select(Registration).where(Registration.event_id == event_id))
    )
    reg_ids = [r.id for r in regs]
    messages = list(
        db.session.scalars(
            sa.select(OutboxMessage).where(
                sa.or_(
                    OutboxMessage.event_id == event_id,
                    OutboxMessage.registration_id.in_(reg_ids),
                )
            )
        )
    )
    mail_ids = _scrub_mail(messages, [], whole=True)
    for entry in db.session.scalars(
        sa.select(AuditEntry).where(
            sa.or_(AuditEntry.event_id == event_id, AuditEntry.registration_id.in_(reg_ids))
        )
    ):
        entry.before = _erase_values(entry.before)
        entry.after = _erase_values(entry.after)
    db.session.execute(
        sa.update(MeetingRequest).where(MeetingRequest.event_id == event_id).values(note="")
    )
    for reg in regs:
        _anonymize_registration(reg)
    db.session.flush()
    # People with nothing personal left anywhere are anonymized too.
    for person in db.session.scalars(
        sa.select(Person).where(
            Person.id.in_({r.person_id for r in regs}), Person.anonymized_at.is_(None)
        )
    ):
        live = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Registration)
            .where(
                Registration.person_id == person.id,
                ~Registration.email.endswith("@" + ANON_DOMAIN),
            )
        )
        if not live:
            mail_ids += _scrub_mail(
                db.session.scalars(
                    sa.select(OutboxMessage).where(OutboxMessage.to_address == person.email)
                ),
                [],
                whole=True,
            )
            _anonymize_person(person, now)
    _delete_job_files([event_id])
    event.personal_data_purged_at = now
    db.session.commit()
    _delete_mail_files(mail_ids)
    log.info("event %s: personal data of %d registrations anonymized", event_id, len(regs))
    return len(regs)


MAX_RETENTION_MONTHS = 120


def set_retention(
    event_id: int, months: int, now: datetime, *, actor: OrganizerAccount | int | None = None
) -> None:
    """Change how long the event's personal data is kept after it ends; commits."""
    from .audit import record

    event = db.session.get(Event, event_id)
    if event is None:
        raise NotFound(_("This event does not exist."))
    if not 0 <= months <= MAX_RETENTION_MONTHS:
        raise DomainError(
            _("Please enter 0 to %(n)d months.", n=MAX_RETENTION_MONTHS), "retention_months"
        )
    if event.personal_data_purged_at is not None:
        raise DomainError(
            _("The personal data of this event is already anonymized."), "retention_months"
        )
    before = event.retention_months
    event.retention_months = months
    record(
        "event.retention_changed",
        event_id=event.id,
        actor=actor,
        before={"retention_months": before},
        after={"retention_months": months},
        at=now,
    )
    db.session.commit()


def events_due_for_purge(now: datetime) -> list[int]:
    candidates = db.session.execute(
        sa.select(Event.id, Event.ends_at, Event.retention_months)
        .where(Event.personal_data_purged_at.is_(None), Event.ends_at < now)
        .order_by(Event.ends_at, Event.id)
    ).all()
    return [eid for eid, ends_at, months in candidates if purge_due_at(ends_at, months) <= now]


def purge_expired_events(now: datetime) -> int:
    """The retention step of ``eventnet tick``: purge every event past its retention."""
    total = 0
    for event_id in events_due_for_purge(now):
        total += purge_event(event_id, now)
    return total


def register_tick_step() -> None:
    from .tick import tick_step

    tick_step("anonymize after retention", before="deliver outbox")(purge_expired_events)


register_tick_step()
