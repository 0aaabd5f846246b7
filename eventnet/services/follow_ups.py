"""After the event: when eventnet asks what came of it, and what attendees answer.

The clock (``now``) drives everything; `follow_up_tick` is a step of ``eventnet tick``:

- **Survey**: once an event has ended, every attendee gets a survey invitation with its own
  secret link, queued in the outbox for the next morning (09:00 in the event's time zone),
  and one reminder queued for three days before the survey closes. The survey stays
  editable until ``Event.feedback_closes_at`` (default: 14 days after the event).
- **Follow-ups**: at each of ``Event.follow_up_days`` (default 30 and 90) after the event,
  at 09:00 in the event's time zone, each attendee is asked "what came of it?" with their own
  link, plus one reminder queued a week later. A follow-up that is more than `GRACE` late
  (the tick did not run for weeks) is skipped rather than sent out of season.
- Answering cancels the pending reminder; unsubscribing (`unsubscribe`) cancels every pending
  follow-up mail of the person, for every event, and no new one is ever queued for them.

Idempotence: each mail has a dedupe key (``survey:<registration>``,
``follow-up:<registration>:<days>``...)
and each step runs under the event's lock and skips attendees already handled, so running the
tick twice, or on two machines at once, never sends anything twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from ..extensions import db
from ..models import (
    Connection,
    Event,
    EventStatus,
    FeedbackInvitation,
    FollowUp,
    OrganizerAccount,
    OutboxMessage,
    OutboxStatus,
    Outcome,
    OutcomeType,
    Person,
    Registration,
)
from . import DomainError, NotFound
from .locking import lock_event
from .outcomes import attended
from .tick import tick_step
from .tokens import hash_token, new_token

log = logging.getLogger(__name__)

SEND_AT = time(9, 0)  # local time of the event at which survey and follow-ups go out
SURVEY_OPEN_DAYS = 14
SURVEY_REMINDER_BEFORE_CLOSE = timedelta(days=3)
FOLLOW_UP_REMINDER_AFTER = timedelta(days=7)
MIN_REMINDER_GAP = timedelta(days=2)
GRACE = timedelta(days=14)
MAX_FOLLOW_UP_DAYS = 730
MAX_ROUNDS = 4
MAIL_KINDS = ("survey", "survey_reminder", "follow_up", "follow_up_reminder")
NOTE_MAX = 500
COMMENT_MAX = 2000


# --------------------------------------------------------------------------- the calendar


def local_morning(event: Event, days_after_end: int) -> datetime:
    """09:00 in the event's zone, ``days_after_end`` days after the day the event ended."""
    tz = event.tz
    day = event.ends_at.astimezone(tz).date() + timedelta(days=days_after_end)
    return datetime.combine(day, SEND_AT, tz).astimezone(UTC)


def survey_due_at(event: Event) -> datetime:
    return local_morning(event, 1)


def survey_closes_at(event: Event) -> datetime:
    """``Event.feedback_closes_at``, else the end (23:59 local) of the 14th day after the event."""
    if event.feedback_closes_at is not None:
        return event.feedback_closes_at
    day = event.ends_at.astimezone(event.tz).date() + timedelta(days=SURVEY_OPEN_DAYS)
    return datetime.combine(day, time(23, 59), event.tz).astimezone(UTC)


def survey_reminder_at(event: Event, sent_at: datetime) -> datetime | None:
    """09:00 local, three days before the survey's last day; none when too soon after sending."""
    tz = event.tz
    day = survey_closes_at(event).astimezone(tz).date() - SURVEY_REMINDER_BEFORE_CLOSE
    at = datetime.combine(day, SEND_AT, tz).astimezone(UTC)
    return at if at >= sent_at + MIN_REMINDER_GAP else None


def follow_up_due_at(event: Event, days: int) -> datetime:
    return local_morning(event, days)


def follow_up_days(event: Event) -> list[int]:
    return sorted(
        {int(d) for d in (event.follow_up_days or []) if 0 < int(d) <= MAX_FOLLOW_UP_DAYS}
    )


# --------------------------------------------------------------------------- mail


def _links(kind: str, token: str) -> dict[str, str]:
    from .outbox import absolute_url

    # Paths of eventnet.followup (built by hand: the tick has no request to build URLs from).
    page = "survey" if kind.startswith("survey") else "follow-up"
    return {
        "link": absolute_url(f"/f/{page}/{token}"),
        "unsubscribe_link": absolute_url(f"/f/unsubscribe/{token}"),
    }


def _queue(
    kind: str,
    reg: Registration,
    event: Event,
    token: str,
    *,
    dedupe_key: str,
    send_after: datetime,
    now: datetime,
    extra: dict[str, Any] | None = None,
) -> OutboxMessage | None:
    from .notifications import mail_context
    from .outbox import queue_mail

    links = _links(kind, token)
    context = {**mail_context(reg), **links, **(extra or {})}
    message = queue_mail(
        kind,
        reg.email,
        kind,
        context,
        event_id=event.id,
        registration_id=reg.id,
        dedupe_key=dedupe_key,
        send_after=send_after,
        locale=reg.locale,
        now=now,
    )
    if message is not None:
        # RFC 2369 / RFC 8058: mail clients offer one-click unsubscribe with these.
        message.headers = {
            **(message.headers or {}),
            "List-Unsubscribe": f"<{links['unsubscribe_link']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    return message


def _cancel_pending(where: sa.ColumnElement[bool]) -> int:
    result = db.session.execute(
        sa.update(OutboxMessage)
        .where(where, OutboxMessage.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.CANCELLED)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


def _reachable(event_id: int) -> sa.Select[tuple[Registration]]:
    """Attendees who may be mailed: not unsubscribed, not anonymized; persons locked."""
    return (
        sa.select(Registration)
        .join(Person, Person.id == Registration.person_id)
        .where(attended(event_id), Person.unsubscribed_at.is_(None), Person.anonymized_at.is_(None))
        .order_by(Registration.id)
        .with_for_update(of=Person)
    )


# --------------------------------------------------------------------------- tick steps


def _eligible(event: Event) -> bool:
    return event.status != EventStatus.DRAFT and event.personal_data_purged_at is None


def schedule_feedback(event: Event, now: datetime) -> int:
    """Queue the survey (and its reminder) for attendees who have none yet; returns how many."""
    if not _eligible(event) or now < event.ends_at or now >= survey_closes_at(event):
        return 0
    event_id = event.id
    lock_event(event_id)
    event = db.session.get(Event, event_id, populate_existing=True)
    assert event is not None
    due = max(survey_due_at(event), now)
    closes = survey_closes_at(event)
    invited = sa.select(FeedbackInvitation.registration_id).where(
        FeedbackInvitation.event_id == event_id
    )
    regs = db.session.scalars(_reachable(event_id).where(Registration.id.not_in(invited))).all()
    count = 0
    for reg in regs:
        token, token_hash = new_token()
        reminder = survey_reminder_at(event, due)
        extra = {"closes_at": closes}
        if (
            _queue(
                "survey",
                reg,
                event,
                token,
                dedupe_key=f"survey:{reg.id}",
                send_after=due,
                now=now,
                extra=extra,
            )
            is None
        ):
            continue  # queued before (the dedupe key says so): never twice
        if reminder is not None:
            _queue(
                "survey_reminder",
                reg,
                event,
                token,
                dedupe_key=f"survey-reminder:{reg.id}",
                send_after=reminder,
                now=now,
                extra=extra,
            )
        db.session.add(
            FeedbackInvitation(
                event_id=event_id,
                registration_id=reg.id,
                token_hash=token_hash,
                sent_at=due,
                reminder_sent_at=reminder,
                created_at=now,
            )
        )
        count += 1
    db.session.commit()
    return count


def schedule_follow_ups(event: Event, now: datetime) -> int:
    """Queue every follow-up that is due (and its reminder); returns how many were queued."""
    if not _eligible(event):
        return 0
    rounds = [
        d
        for d in follow_up_days(event)
        if follow_up_due_at(event, d) <= now < follow_up_due_at(event, d) + GRACE
    ]
    if not rounds:
        return 0
    event_id = event.id
    lock_event(event_id)
    event = db.session.get(Event, event_id, populate_existing=True)
    assert event is not None
    count = 0
    for days in rounds:
        asked = sa.select(FollowUp.registration_id).where(
            FollowUp.event_id == event_id, FollowUp.days_after == days
        )
        regs = db.session.scalars(_reachable(event_id).where(Registration.id.not_in(asked))).all()
        due = follow_up_due_at(event, days)
        for reg in regs:
            token, token_hash = new_token()
            follow_up = FollowUp(
                event_id=event_id,
                registration_id=reg.id,
                days_after=days,
                due_at=due,
                token_hash=token_hash,
                sent_at=now,
                reminder_sent_at=now + FOLLOW_UP_REMINDER_AFTER,
                comment="",
            )
            db.session.add(follow_up)
            db.session.flush()
            extra = {"days_after": days, "months": round(days / 30)}
            if (
                _queue(
                    "follow_up",
                    reg,
                    event,
                    token,
                    dedupe_key=f"follow-up:{reg.id}:{days}",
                    send_after=now,
                    now=now,
                    extra=extra,
                )
                is None
            ):
                db.session.delete(follow_up)
                continue
            _queue(
                "follow_up_reminder",
                reg,
                event,
                token,
                dedupe_key=f"follow-up-reminder:{reg.id}:{days}",
                send_after=follow_up.reminder_sent_at or now,
                now=now,
                extra=extra,
            )
            count += 1
    db.session.commit()
    return count


@tick_step("survey and follow-ups", before="deliver outbox")
def follow_up_tick(now: datetime) -> int:
    """The ``eventnet tick`` step: survey and follow-ups for every event that has ended."""
    horizon = now - timedelta(days=MAX_FOLLOW_UP_DAYS) - GRACE
    events = (
        db.session.execute(
            sa.select(Event.id)
            .where(
                Event.ends_at <= now,
                Event.ends_at > horizon,
                Event.status != EventStatus.DRAFT,
                Event.personal_data_purged_at.is_(None),
            )
            .order_by(Event.id)
        )
        .scalars()
        .all()
    )
    db.session.commit()
    from .outbox import deliver_after_commit

    total = 0
    for event_id in events:
        # One event's failure (a broken translation, a lock timeout) must not stop the others.
        try:
            event = db.session.get(Event, event_id)
            if event is None:  # pragma: no cover - deleted meanwhile
                continue
            total += schedule_feedback(event, now)
            event = db.session.get(Event, event_id)
            if event is not None:
                total += schedule_follow_ups(event, now)
        except Exception:
            db.session.rollback()
            log.exception("follow-up: event %s failed; the next tick retries", event_id)
        deliver_after_commit(now)
    return total


# --------------------------------------------------------------------------- unsubscribe


@dataclass(frozen=True)
class LinkOwner:
    """Who a survey or follow-up link belongs to."""

    registration: Registration
    event: Event
    person: Person


def resolve_link(token: str) -> LinkOwner:
    """The attendee behind a survey or follow-up token; `NotFound` when it matches none."""
    token_hash = hash_token(token)
    reg_id = db.session.scalar(
        sa.select(FeedbackInvitation.registration_id).where(
            FeedbackInvitation.token_hash == token_hash
        )
    ) or db.session.scalar(
        sa.select(FollowUp.registration_id).where(FollowUp.token_hash == token_hash)
    )
    reg = db.session.get(Registration, reg_id) if reg_id else None
    if reg is None:
        raise NotFound(_("This link is not valid. It may be incomplete or no longer in use."))
    return LinkOwner(registration=reg, event=reg.event, person=reg.person)


def unsubscribe(token: str, now: datetime) -> LinkOwner:
    """Stop every follow-up mail to the person, for all events; idempotent."""
    owner = resolve_link(token)
    person_id = owner.person.id
    db.session.execute(
        sa.update(Person)
        .where(Person.id == person_id, Person.unsubscribed_at.is_(None))
        .values(unsubscribed_at=now)
        .execution_options(synchronize_session=False)
    )
    their_regs = sa.select(Registration.id).where(Registration.person_id == person_id)
    _cancel_pending(
        sa.and_(OutboxMessage.kind.in_(MAIL_KINDS), OutboxMessage.registration_id.in_(their_regs))
    )
    db.session.execute(
        sa.update(FeedbackInvitation)
        .where(FeedbackInvitation.registration_id.in_(their_regs))
        .values(reminder_sent_at=None)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        sa.update(FollowUp)
        .where(FollowUp.registration_id.in_(their_regs), FollowUp.answered_at.is_(None))
        .values(reminder_sent_at=None)
        .execution_options(synchronize_session=False)
    )
    from .audit import record

    record(
        "follow_up.unsubscribed",
        event_id=owner.event.id,
        registration_id=owner.registration.id,
        actor_kind="attendee",
        at=now,
    )
    db.session.commit()
    return resolve_link(token)


def resubscribe(token: str, now: datetime) -> LinkOwner:
    """Undo `unsubscribe` (future follow-ups only; cancelled mail stays cancelled)."""
    owner = resolve_link(token)
    owner.person.unsubscribed_at = None
    from .audit import record

    record(
        "follow_up.resubscribed",
        event_id=owner.event.id,
        registration_id=owner.registration.id,
        actor_kind="attendee",
        at=now,
    )
    db.session.commit()
    return resolve_link(token)


def cancel_reminder(dedupe_key: str) -> None:
    """Cancel a pending reminder (in the caller's transaction)."""
    _cancel_pending(OutboxMessage.dedupe_key == dedupe_key)


# --------------------------------------------------------------------------- answering


@dataclass(frozen=True)
class ConnectionAnswer:
    connection_id: int
    types: frozenset[str] = frozenset()
    note: str = ""


@dataclass(frozen=True)
class FollowUpAnswer:
    overall: frozenset[str] = frozenset()
    comment: str = ""
    connections: tuple[ConnectionAnswer, ...] = ()


@dataclass
class PartnerView:
    connection_id: int
    name: str
    organization: str | None
    role: str
    types: set[str] = field(default_factory=set)
    note: str = ""


@dataclass
class FollowUpView:
    follow_up: FollowUp
    registration: Registration
    event: Event
    partners: list[PartnerView]
    overall: set[str]


def _load(token: str) -> FollowUp:
    follow_up = db.session.scalar(
        sa.select(FollowUp).where(FollowUp.token_hash == hash_token(token))
    )
    if follow_up is None:
        raise NotFound(_("This link is not valid. It may be incomplete or no longer in use."))
    return follow_up


def confirmed_partners(registration_id: int) -> list[tuple[Connection, Registration]]:
    """The registration's confirmed connections with the other person, by name."""
    rows = db.session.scalars(
        sa.select(Connection).where(
            sa.or_(Connection.first_id == registration_id, Connection.second_id == registration_id),
            Connection.first_confirmed_at.is_not(None),
            Connection.second_confirmed_at.is_not(None),
        )
    ).all()
    pairs = [(c, c.second if c.first_id == registration_id else c.first) for c in rows]
    return sorted(pairs, key=lambda p: (p[1].name.casefold(), p[0].id))


def load_follow_up(token: str) -> FollowUpView:
    follow_up = _load(token)
    reg = db.session.get(Registration, follow_up.registration_id)
    assert reg is not None
    outcomes = db.session.scalars(
        sa.select(Outcome).where(Outcome.follow_up_id == follow_up.id).order_by(Outcome.id)
    ).all()
    partners = []
    for connection, other in confirmed_partners(reg.id):
        mine = [o for o in outcomes if o.connection_id == connection.id]
        partners.append(
            PartnerView(
                connection_id=connection.id,
                name=other.name,
                organization=other.organization.name if other.organization else None,
                role=str(other.role),
                types={str(o.type) for o in mine},
                note=next((o.text for o in mine if o.text), ""),
            )
        )
    overall = {str(o.type) for o in outcomes if o.connection_id is None}
    return FollowUpView(follow_up, reg, reg.event, partners, overall)


def _check_types(types: Iterable[str], field_name: str) -> list[OutcomeType]:
    try:
        chosen = sorted({OutcomeType(t) for t in types})
    except ValueError as exc:
        raise DomainError(_("Please choose from the list."), field_name) from exc
    if OutcomeType.NOTHING_YET in chosen and len(chosen) > 1:
        raise DomainError(_("“Nothing yet” cannot be combined with another outcome."), field_name)
    return chosen


def answer_follow_up(token: str, answer: FollowUpAnswer, now: datetime) -> FollowUp:
    """Record (or replace) the answers to one follow-up; cancels its pending reminder."""
    follow_up = _load(token)
    allowed = {c.id for c, _other in confirmed_partners(follow_up.registration_id)}
    if len(answer.comment) > COMMENT_MAX:
        raise DomainError(_("Please keep this under %(n)d characters.", n=COMMENT_MAX), "comment")
    rows: list[Outcome] = []
    for type_ in _check_types(answer.overall, "overall"):
        rows.append(Outcome(type=type_, text=answer.comment.strip()))
    for conn in answer.connections:
        if conn.connection_id not in allowed:
            raise NotFound(_("This connection is not one of yours."))
        name = f"conn_{conn.connection_id}"
        if len(conn.note) > NOTE_MAX:
            raise DomainError(_("Please keep this under %(n)d characters.", n=NOTE_MAX), name)
        for type_ in _check_types(conn.types, name):
            rows.append(
                Outcome(type=type_, text=conn.note.strip(), connection_id=conn.connection_id)
            )
    db.session.execute(sa.delete(Outcome).where(Outcome.follow_up_id == follow_up.id))
    for row in rows:
        row.event_id = follow_up.event_id
        row.registration_id = follow_up.registration_id
        row.follow_up_id = follow_up.id
        row.reported_at = now
        db.session.add(row)
    follow_up.comment = answer.comment.strip()
    if follow_up.answered_at is None:
        follow_up.answered_at = now
    if follow_up.reminder_sent_at is not None and follow_up.reminder_sent_at > now:
        follow_up.reminder_sent_at = None
    cancel_reminder(f"follow-up-reminder:{follow_up.registration_id}:{follow_up.days_after}")
    db.session.commit()
    return follow_up


# --------------------------------------------------------------------------- settings


def parse_days(text: str) -> list[int]:
    """ "30, 90" -> [30, 90]; raises DomainError (field ``follow_up_days``) when invalid."""
    parts = [p for p in text.replace(";", ",").replace(" ", ",").split(",") if p]
    try:
        days = sorted({int(p) for p in parts})
    except ValueError as exc:
        raise DomainError(
            _("Enter whole numbers of days, like “30, 90”."), "follow_up_days"
        ) from exc
    if len(days) > MAX_ROUNDS:
        raise DomainError(_("At most %(n)d follow-ups.", n=MAX_ROUNDS), "follow_up_days")
    if any(d < 7 or d > MAX_FOLLOW_UP_DAYS for d in days):
        raise DomainError(
            _(
                "Each follow-up must be between 7 and %(n)d days after the event.",
                n=MAX_FOLLOW_UP_DAYS,
            ),
            "follow_up_days",
        )
    return days


def update_settings(
    event: Event,
    days: Sequence[int],
    closes_at: datetime | None,
    actor: OrganizerAccount,
    now: datetime,
) -> None:
    """Change when follow-ups are asked and when the survey closes (audited)."""
    from .audit import changes, record, snapshot

    if closes_at is not None and closes_at <= event.ends_at:
        raise DomainError(_("The survey must close after the event ends."), "feedback_closes_at")
    before = snapshot(event, ("follow_up_days", "feedback_closes_at"))
    event.follow_up_days = list(days)
    event.feedback_closes_at = closes_at
    old, new = changes(before, snapshot(event, ("follow_up_days", "feedback_closes_at")))
    if new:
        record(
            "event.follow_up_settings",
            event_id=event.id,
            actor=actor,
            before=old,
            after=new,
            at=now,
        )
    db.session.commit()


@dataclass(frozen=True)
class PlannedRound:
    label: str
    days_after: int | None
    due_at: datetime
    sent: int
    answered: int


def plan(event: Event) -> list[PlannedRound]:
    """The survey and each follow-up: when it goes out, how many were sent and answered."""
    from ..models import FeedbackResponse

    invited = (
        db.session.scalar(
            sa.select(sa.func.count(FeedbackInvitation.id)).where(
                FeedbackInvitation.event_id == event.id
            )
        )
        or 0
    )
    responses = (
        db.session.scalar(
            sa.select(sa.func.count(FeedbackResponse.id)).where(
                FeedbackResponse.event_id == event.id
            )
        )
        or 0
    )
    rounds = [PlannedRound(_("Feedback survey"), None, survey_due_at(event), invited, responses)]
    counts = {
        d: (n, a)
        for d, n, a in db.session.execute(
            sa.select(
                FollowUp.days_after, sa.func.count(FollowUp.id), sa.func.count(FollowUp.answered_at)
            )
            .where(FollowUp.event_id == event.id)
            .group_by(FollowUp.days_after)
        )
    }
    for days in sorted(set(follow_up_days(event)) | set(counts)):
        sent, answered = counts.get(days, (0, 0))
        rounds.append(
            PlannedRound(
                _("Follow-up after %(n)d days", n=days),
                days,
                follow_up_due_at(event, days),
                sent,
                answered,
            )
        )
    return rounds
