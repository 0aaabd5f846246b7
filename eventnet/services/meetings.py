"""Meetings as use cases: requests between attendees, the schedule, and what happened.

Attendees (through the portal, as their registration):

- `request_meeting` -> the recipient gets an e-mail; `respond_to_request` accepts (the
  requester gets an e-mail) or declines (no e-mail: a quiet no); `cancel_request` withdraws.
  Unanswered requests expire at ``expires_at`` (`expire_requests`, a tick step), at the
  latest when the event starts.
- `toggle_bookmark`, `set_availability` (slots they cannot meet in).
- `mark_meeting`: after its start, either partner marks a meeting held or no-show.

Organizers:

- `schedule_meetings` places accepted requests first, then the best recommended pairs,
  with `eventnet.core.scheduling.schedule`; locked meetings (and meetings already held or
  missed) are kept, the other scheduled ones are replaced.
- `publish_schedule` e-mails every attendee their agenda; `lock_schedule`,
  `set_meeting_lock`, `cancel_meeting`, and `mark_meeting` (as organizer, any time).

Who takes part is the same as for matching (`matching.participants_query`): confirmed and
consented to show a profile. Nobody's e-mail address is shown to another attendee until
their meeting was marked held (`AgendaItem.partner_email`).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from ..core import scheduling as sched
from ..extensions import db
from ..models import (
    Bookmark,
    Event,
    MatchOverride,
    Meeting,
    MeetingRequest,
    MeetingRequestStatus,
    MeetingSlot,
    MeetingSource,
    MeetingStatus,
    MeetingTable,
    OrganizerAccount,
    OverrideKind,
    Recommendation,
    Registration,
    RegistrationTag,
    Unavailability,
    utcnow,
)
from . import DomainError, Forbidden, NotFound, audit
from .matching import (
    Progress,
    finish_job,
    is_participant,
    job_progress,
    no_progress,
    participants_query,
    reraise_on_worker,
)
from .tick import tick_step

log = logging.getLogger(__name__)
REQUEST_TTL = timedelta(days=3)
NOTE_MAX = 500
ACTIVE_MEETING = (MeetingStatus.SCHEDULED, MeetingStatus.HELD, MeetingStatus.NO_SHOW)
FIXED_STATUSES = (MeetingStatus.HELD, MeetingStatus.NO_SHOW)


# --------------------------------------------------------------------------- helpers


def _registration(registration_id: int) -> Registration:
    reg = db.session.get(Registration, registration_id)
    if reg is None:
        raise NotFound(_("This registration does not exist."))
    return reg


def _require_participant(reg: Registration) -> None:
    if not is_participant(reg):
        raise Forbidden(
            _("Meetings are for confirmed attendees who show their profile to other attendees.")
        )


def requests_open(event: Event, now: datetime) -> bool:
    """Attendees may send and answer requests: recommendations are out, the event not begun."""
    return event.recommendations_published_at is not None and now < event.starts_at


def _mail(
    kind: str,
    reg: Registration,
    template: str,
    context: dict[str, Any],
    now: datetime,
    dedupe_key: str | None = None,
) -> None:
    """Queue one of the ``emails/meeting_*`` mails to ``reg`` in this transaction."""
    from .notifications import mail_context
    from .outbox import queue_mail

    queue_mail(
        kind,
        reg.email,
        template,
        {**mail_context(reg), **context},
        event_id=reg.event_id,
        registration_id=reg.id,
        locale=reg.locale,
        dedupe_key=dedupe_key,
        now=now,
    )


def _deliver(now: datetime) -> None:
    from .outbox import deliver_after_commit

    deliver_after_commit(now)


def profile_line(reg: Registration) -> str:
    """ "Job title, Organization" or "Degree programme, University": who this person is."""
    org = reg.organization.name if reg.organization is not None else ""
    what = reg.job_title or reg.degree_programme
    return ", ".join(x for x in (what, org) if x)


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def _accepted_count(registration_id: int) -> int:
    return int(
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(MeetingRequest)
            .where(
                MeetingRequest.status == MeetingRequestStatus.ACCEPTED,
                sa.or_(
                    MeetingRequest.requester_id == registration_id,
                    MeetingRequest.recipient_id == registration_id,
                ),
            )
        )
        or 0
    )


# --------------------------------------------------------------------------- requests


def request_meeting(
    requester_id: int, recipient_id: int, note: str, now: datetime
) -> MeetingRequest:
    """Ask another attendee for a 1:1 meeting; they get an e-mail and answer in the portal."""
    requester = _registration(requester_id)
    recipient = _registration(recipient_id)
    event = requester.event
    _require_participant(requester)
    if recipient.event_id != requester.event_id or not is_participant(recipient):
        raise NotFound(_("This person is not available for meetings at this event."))
    if requester.id == recipient.id:
        raise DomainError(_("You cannot ask yourself for a meeting."))
    if not requests_open(event, now):
        raise DomainError(_("Meeting requests are not open for this event."))
    if requester.organization_id is not None and (
        requester.organization_id == recipient.organization_id
    ):
        raise DomainError(
            _("You are from the same organization: eventnet helps you meet new people.")
        )
    note = " ".join((note or "").split())
    if len(note) > NOTE_MAX:
        raise DomainError(_("Keep the note under %(n)d characters.", n=NOTE_MAX), "note")
    blocked = db.session.scalar(
        sa.select(MatchOverride.id).where(
            MatchOverride.first_id == min(requester.id, recipient.id),
            MatchOverride.second_id == max(requester.id, recipient.id),
            MatchOverride.kind == OverrideKind.BLOCK,
        )
    )
    if blocked:
        raise DomainError(_("This meeting is not possible at this event."))
    existing = db.session.scalars(
        sa.select(MeetingRequest).where(
            sa.or_(
                sa.and_(
                    MeetingRequest.requester_id == requester.id,
                    MeetingRequest.recipient_id == recipient.id,
                ),
                sa.and_(
                    MeetingRequest.requester_id == recipient.id,
                    MeetingRequest.recipient_id == requester.id,
                ),
            )
        )
    ).all()
    lo, hi = _pair(requester.id, recipient.id)
    if event.schedule_published_at is not None and db.session.scalar(
        sa.select(Meeting.id).where(
            Meeting.first_id == lo,
            Meeting.second_id == hi,
            Meeting.status != MeetingStatus.CANCELLED,
        )
    ):
        raise DomainError(_("You already have a meeting together: see your agenda."))
    for other in existing:
        if other.status == MeetingRequestStatus.ACCEPTED:
            raise DomainError(_("You have already agreed to meet."))
        if (
            other.status == MeetingRequestStatus.PENDING
            and other.expires_at
            and other.expires_at > now
        ):
            if other.requester_id == requester.id:
                raise DomainError(_("You have already asked; they have not answered yet."))
            raise DomainError(_("They have already asked to meet you: answer their request."))
        if other.status == MeetingRequestStatus.DECLINED and other.requester_id == requester.id:
            raise DomainError(_("They declined your earlier request."))
    limit = max(1, event.max_meetings_per_person)
    if _accepted_count(requester.id) >= limit:
        raise DomainError(
            _("You already have %(n)d agreed meetings, the most this event allows.", n=limit)
        )
    open_count = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(MeetingRequest)
        .where(
            MeetingRequest.requester_id == requester.id,
            MeetingRequest.status == MeetingRequestStatus.PENDING,
            MeetingRequest.expires_at > now,
        )
    )
    if (open_count or 0) >= 2 * limit:
        raise DomainError(
            _(
                "You have %(n)d requests waiting for an answer; wait for some before sending more.",
                n=open_count,
            )
        )
    # stale pending rows (past expiry, not yet swept) would clash with the open-pair index
    for other in existing:
        if other.status == MeetingRequestStatus.PENDING:
            other.status = MeetingRequestStatus.EXPIRED
    db.session.flush()
    request = MeetingRequest(
        event_id=event.id,
        requester_id=requester.id,
        recipient_id=recipient.id,
        note=note,
        status=MeetingRequestStatus.PENDING,
        created_at=now,
        expires_at=min(now + REQUEST_TTL, event.starts_at),
    )
    db.session.add(request)
    db.session.flush()
    _mail(
        "meeting_request",
        recipient,
        "meeting_request",
        {
            "requester": {
                "name": requester.name,
                "profile_line": profile_line(requester),
                "role": requester.role.value,
            },
            "note": note,
            "expires_at": request.expires_at,
        },
        now,
        dedupe_key=f"meeting-request:{request.id}",
    )
    db.session.commit()
    _deliver(now)
    return request


def respond_to_request(
    request_id: int, registration_id: int, accept: bool, now: datetime
) -> MeetingRequest:
    """The recipient accepts or declines; an acceptance e-mails the requester."""
    request = db.session.get(MeetingRequest, request_id)
    if request is None or request.recipient_id != registration_id:
        raise NotFound(_("This meeting request does not exist."))
    if request.status != MeetingRequestStatus.PENDING:
        raise DomainError(_("This request was already answered or withdrawn."))
    if request.expires_at is not None and request.expires_at <= now:
        request.status = MeetingRequestStatus.EXPIRED
        db.session.commit()
        raise DomainError(_("This request has expired."))
    recipient, requester = request.recipient, request.requester
    if accept:
        _require_participant(recipient)
        if not is_participant(requester):
            raise DomainError(_("This person no longer takes part in meetings at this event."))
        limit = max(1, recipient.event.max_meetings_per_person)
        if _accepted_count(recipient.id) >= limit:
            raise DomainError(
                _("You already have %(n)d agreed meetings, the most this event allows.", n=limit)
            )
        if _accepted_count(requester.id) >= limit:
            raise DomainError(_("They already have as many agreed meetings as this event allows."))
    request.status = MeetingRequestStatus.ACCEPTED if accept else MeetingRequestStatus.DECLINED
    request.responded_at = now
    if accept:
        _mail(
            "meeting_accepted",
            requester,
            "meeting_accepted",
            {"partner": {"name": recipient.name, "profile_line": profile_line(recipient)}},
            now,
            dedupe_key=f"meeting-accepted:{request.id}",
        )
    db.session.commit()
    _deliver(now)
    return request


def cancel_request(request_id: int, registration_id: int, now: datetime) -> None:
    """The requester withdraws a request that has not been answered."""
    request = db.session.get(MeetingRequest, request_id)
    if request is None or request.requester_id != registration_id:
        raise NotFound(_("This meeting request does not exist."))
    if request.status != MeetingRequestStatus.PENDING:
        raise DomainError(_("This request was already answered or withdrawn."))
    request.status = MeetingRequestStatus.CANCELLED
    request.responded_at = now
    db.session.commit()


@tick_step("expire meeting requests", before="deliver outbox")
def expire_requests(now: datetime) -> int:
    """Tick step: pending requests whose time is up become expired. Returns how many."""
    result = db.session.execute(
        sa.update(MeetingRequest)
        .where(
            MeetingRequest.status == MeetingRequestStatus.PENDING,
            MeetingRequest.expires_at <= now,
        )
        .values(status=MeetingRequestStatus.EXPIRED)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return int(result.rowcount or 0)


def toggle_bookmark(registration_id: int, partner_id: int, now: datetime) -> bool:
    """Save or unsave someone; returns whether they are bookmarked now."""
    reg = _registration(registration_id)
    partner = _registration(partner_id)
    _require_participant(reg)
    if partner.event_id != reg.event_id or partner.id == reg.id or not is_participant(partner):
        raise NotFound(_("This person is not available for meetings at this event."))
    existing = db.session.get(Bookmark, (reg.id, partner.id))
    if existing is not None:
        db.session.delete(existing)
        db.session.commit()
        return False
    db.session.add(Bookmark(registration_id=reg.id, partner_id=partner.id, created_at=now))
    db.session.commit()
    return True


def set_availability(
    registration_id: int, unavailable_slot_ids: Iterable[int], now: datetime
) -> None:
    """Replace the slots this attendee cannot meet in."""
    reg = _registration(registration_id)
    wanted = {int(s) for s in unavailable_slot_ids}
    slots = {
        s.id: s
        for s in db.session.scalars(
            sa.select(MeetingSlot).where(MeetingSlot.event_id == reg.event_id)
        )
    }
    if wanted - slots.keys():
        raise DomainError(_("Choose among this event's time slots."), "unavailable")
    if now >= reg.event.starts_at:
        raise DomainError(_("The event has begun; ask the organizers to change your meetings."))
    busy = db.session.scalars(
        sa.select(Meeting.slot_id).where(
            sa.or_(Meeting.first_id == reg.id, Meeting.second_id == reg.id),
            Meeting.status == MeetingStatus.SCHEDULED,
            Meeting.slot_id.in_(wanted),
        )
    ).all()
    if busy and reg.event.schedule_published_at is not None:
        raise DomainError(
            _("You have a meeting in a slot you marked; ask the organizers to move it first."),
            "unavailable",
        )
    db.session.execute(sa.delete(Unavailability).where(Unavailability.registration_id == reg.id))
    db.session.add_all(Unavailability(registration_id=reg.id, slot_id=s) for s in sorted(wanted))
    db.session.commit()


def unavailable_slots(registration_id: int) -> set[int]:
    return set(
        db.session.scalars(
            sa.select(Unavailability.slot_id).where(
                Unavailability.registration_id == registration_id
            )
        )
    )


# --------------------------------------------------------------------------- scheduling


@dataclass(frozen=True)
class ScheduleSummary:
    meetings: int  # non-cancelled meetings after the run
    placed: int  # placed by this run
    kept: int  # locked or already held/no-show, kept as they were
    accepted_total: int
    accepted_placed: int
    accepted_unplaced: list[tuple[int, int, str]]
    objective: float
    lp_upper_bound: float
    ratio: float
    status: str
    without_meeting: int
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "meetings": self.meetings,
            "placed": self.placed,
            "kept": self.kept,
            "accepted_total": self.accepted_total,
            "accepted_placed": self.accepted_placed,
            "accepted_unplaced": [list(x) for x in self.accepted_unplaced],
            "objective": self.objective,
            "lp_upper_bound": self.lp_upper_bound,
            "ratio": self.ratio,
            "status": self.status,
            "without_meeting": self.without_meeting,
            "seconds": self.seconds,
        }


def schedule_meetings(
    event_id: int,
    now: datetime,
    *,
    actor: OrganizerAccount | int | None = None,
    max_meetings: int | None = None,
    progress: Progress = no_progress,
) -> ScheduleSummary:
    """(Re)build the event's schedule; locked, held and no-show meetings stay as they are.

    ``max_meetings`` (when given) first becomes the event's meetings-per-person limit.
    """
    event = db.session.get(Event, event_id)
    if event is None:
        raise NotFound(_("This event does not exist."))
    if max_meetings is not None:
        if not 1 <= max_meetings <= 30:
            raise DomainError(_("Between 1 and 30 meetings per person."), "max_meetings")
        event.max_meetings_per_person = max_meetings
    progress(5, "loading")
    slots = list(db.session.scalars(sa.select(MeetingSlot).where(MeetingSlot.event_id == event_id)))
    tables = list(
        db.session.scalars(sa.select(MeetingTable).where(MeetingTable.event_id == event_id))
    )
    if not slots or not tables:
        raise DomainError(_("Add meeting slots and tables before scheduling."))
    participants = db.session.execute(
        participants_query(event_id).with_only_columns(
            Registration.id, Registration.organization_id
        )
    ).all()
    org = {rid: org_id for rid, org_id in participants}
    unavailable: dict[int, set[int]] = defaultdict(set)
    for rid, sid in db.session.execute(
        sa.select(Unavailability.registration_id, Unavailability.slot_id)
        .join(Registration, Registration.id == Unavailability.registration_id)
        .where(Registration.event_id == event_id)
    ):
        unavailable[rid].add(sid)
    fixed = db.session.scalars(
        sa.select(Meeting).where(
            Meeting.event_id == event_id,
            Meeting.status != MeetingStatus.CANCELLED,
            sa.or_(Meeting.locked.is_(True), Meeting.status.in_(FIXED_STATUSES)),
        )
    ).all()
    fixed_count: dict[int, int] = defaultdict(int)
    for m in fixed:
        fixed_count[m.first_id] += 1
        fixed_count[m.second_id] += 1
        for rid in (m.first_id, m.second_id):
            if rid not in org:  # no longer participating: keep their place taken, nothing more
                org[rid] = db.session.get(Registration, rid).organization_id  # type: ignore[union-attr]
    limit = max(0, event.max_meetings_per_person)
    people = [
        sched.Person(
            id=rid,
            max_meetings=max(limit, fixed_count[rid]),
            unavailable=frozenset(unavailable[rid]),
            organization_id=org[rid],
        )
        for rid in sorted(org)
    ]
    participant_ids = {rid for rid, _o in participants}

    # candidates: accepted requests first, then recommended pairs (never declined or blocked)
    declined = {
        _pair(a, b)
        for a, b in db.session.execute(
            sa.select(MeetingRequest.requester_id, MeetingRequest.recipient_id).where(
                MeetingRequest.event_id == event_id,
                MeetingRequest.status == MeetingRequestStatus.DECLINED,
            )
        )
    }
    blocked = {
        (a, b)
        for a, b in db.session.execute(
            sa.select(MatchOverride.first_id, MatchOverride.second_id).where(
                MatchOverride.event_id == event_id, MatchOverride.kind == OverrideKind.BLOCK
            )
        )
    }
    scores: dict[tuple[int, int], float] = {}
    for a, b, s in db.session.execute(
        sa.select(
            Recommendation.registration_id, Recommendation.partner_id, Recommendation.score
        ).where(Recommendation.event_id == event_id)
    ):
        key = _pair(a, b)
        scores[key] = max(scores.get(key, 0.0), float(s))
    accepted: dict[tuple[int, int], int] = {}
    for req_id, a, b in db.session.execute(
        sa.select(MeetingRequest.id, MeetingRequest.requester_id, MeetingRequest.recipient_id)
        .where(
            MeetingRequest.event_id == event_id,
            MeetingRequest.status == MeetingRequestStatus.ACCEPTED,
        )
        .order_by(MeetingRequest.id)
    ):
        accepted.setdefault(_pair(a, b), req_id)
    candidates = []
    for key in sorted(set(scores) | set(accepted)):
        if key in blocked or (key in declined and key not in accepted):
            continue
        if key[0] not in participant_ids or key[1] not in participant_ids:
            continue
        candidates.append(
            sched.Candidate(key[0], key[1], scores.get(key, 0.0), accepted_request=key in accepted)
        )
    locked = [sched.LockedMeeting(m.first_id, m.second_id, m.slot_id, m.table_id) for m in fixed]
    progress(20, "choosing meetings")
    try:
        result = sched.schedule(
            people,
            candidates,
            [sched.Slot(s.id) for s in slots],
            [sched.Table(t.id, t.label) for t in tables],
            locked,
        )
    except sched.ScheduleInputError as exc:
        raise DomainError(
            _(
                "The locked meetings conflict with each other: %(problems)s",
                problems="; ".join(exc.problems[:5]),
            )
        ) from exc
    progress(80, "saving meetings")
    db.session.execute(
        sa.delete(Meeting).where(
            Meeting.event_id == event_id,
            Meeting.status == MeetingStatus.SCHEDULED,
            Meeting.locked.is_(False),
        )
    )
    fixed_keys = {_pair(m.first_id, m.second_id) for m in fixed}
    placed = 0
    for pm in result.meetings:
        key = _pair(pm.a, pm.b)
        if pm.source == "locked" or key in fixed_keys:
            continue
        request_id = accepted.get(key)
        db.session.add(
            Meeting(
                event_id=event_id,
                first_id=key[0],
                second_id=key[1],
                slot_id=pm.slot_id,
                table_id=pm.table_id,
                status=MeetingStatus.SCHEDULED,
                source=MeetingSource.REQUEST if request_id else MeetingSource.RECOMMENDATION,
                score=float(pm.score),
                locked=False,
                request_id=request_id,
                created_at=now,
            )
        )
        placed += 1
    db.session.flush()
    busy = set()
    for a, b in db.session.execute(
        sa.select(Meeting.first_id, Meeting.second_id).where(
            Meeting.event_id == event_id, Meeting.status != MeetingStatus.CANCELLED
        )
    ):
        busy.update((a, b))
    accepted_unplaced = sorted((u.a, u.b, u.reason) for u in result.unplaced if u.accepted_request)
    summary = ScheduleSummary(
        meetings=len(fixed) + placed,
        placed=placed,
        kept=len(fixed),
        accepted_total=len(
            [k for k in accepted if k[0] in participant_ids and k[1] in participant_ids]
        ),
        accepted_placed=sum(1 for pm in result.meetings if pm.source == "accepted")
        + sum(1 for m in fixed if _pair(m.first_id, m.second_id) in accepted),
        accepted_unplaced=accepted_unplaced,
        objective=round(result.objective, 4),
        lp_upper_bound=round(result.lp_upper_bound, 4),
        ratio=round(result.ratio, 4),
        status=result.status,
        without_meeting=len(participant_ids - busy),
        seconds=round(float(result.stats.get("seconds", 0.0)), 3),
    )
    audit.record("schedule.run", event_id=event_id, actor=actor, after=summary.as_dict(), at=now)
    db.session.commit()
    progress(100, "done")
    return summary


def run_schedule_job(job_id: int) -> None:
    """Job body (inline or on a worker): build the schedule."""
    from ..models import BackgroundJob

    job = db.session.get(BackgroundJob, job_id)
    if job is None or job.event_id is None:
        return
    try:
        max_meetings = (job.params or {}).get("max_meetings")
        summary = schedule_meetings(
            job.event_id,
            utcnow(),
            actor=job.requested_by_id,
            max_meetings=int(max_meetings) if max_meetings else None,
            progress=job_progress(job_id),
        )
    except DomainError as exc:
        db.session.rollback()
        finish_job(job_id, error=exc.message)
        return
    except Exception as exc:
        db.session.rollback()
        log.exception("scheduling job %s failed", job_id)
        finish_job(job_id, error=_("Scheduling failed: %(error)s", error=type(exc).__name__))
        reraise_on_worker()
    finish_job(job_id, result=summary.as_dict())


def publish_schedule(
    event_id: int, now: datetime, *, actor: OrganizerAccount | int | None = None
) -> int:
    """Show agendas in the portal and e-mail each attendee with meetings their agenda."""
    event = db.session.get(Event, event_id)
    if event is None:
        raise NotFound(_("This event does not exist."))
    agendas = agendas_for_event(event_id)
    if not any(a.items for a in agendas):
        raise DomainError(_("There are no meetings to publish yet: run the schedule first."))
    event.schedule_published_at = now
    stamp = now.strftime("%Y%m%dT%H%M%S")
    regs = {
        r.id: r
        for r in db.session.scalars(
            sa.select(Registration).where(Registration.id.in_([a.registration_id for a in agendas]))
        )
    }
    sent = 0
    for agenda in agendas:
        if not agenda.items:
            continue
        _mail(
            "meeting_agenda",
            regs[agenda.registration_id],
            "meeting_agenda",
            {"meetings": [item.mail_dict() for item in agenda.items]},
            now,
            dedupe_key=f"meeting-agenda:{event_id}:{agenda.registration_id}:{stamp}",
        )
        sent += 1
    audit.record(
        "schedule.published", event_id=event_id, actor=actor, after={"mails": sent}, at=now
    )
    db.session.commit()
    _deliver(now)
    return sent


def lock_schedule(
    event_id: int,
    now: datetime,
    *,
    locked: bool = True,
    actor: OrganizerAccount | int | None = None,
) -> int:
    """Lock (or unlock) every scheduled meeting so a re-run keeps (or may move) them."""
    result = db.session.execute(
        sa.update(Meeting)
        .where(Meeting.event_id == event_id, Meeting.status == MeetingStatus.SCHEDULED)
        .values(locked=locked)
        .execution_options(synchronize_session=False)
    )
    audit.record(
        "schedule.locked" if locked else "schedule.unlocked",
        event_id=event_id,
        actor=actor,
        after={"meetings": int(result.rowcount or 0)},
        at=now,
    )
    db.session.commit()
    return int(result.rowcount or 0)


def _event_meeting(event_id: int, meeting_id: int) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or meeting.event_id != event_id:
        raise NotFound(_("This meeting does not exist."))
    return meeting


def set_meeting_lock(
    event_id: int,
    meeting_id: int,
    locked: bool,
    now: datetime,
    *,
    actor: OrganizerAccount | int | None = None,
) -> None:
    meeting = _event_meeting(event_id, meeting_id)
    if meeting.status == MeetingStatus.CANCELLED:
        raise DomainError(_("This meeting was cancelled."))
    meeting.locked = locked
    audit.record(
        "meeting.locked" if locked else "meeting.unlocked",
        event_id=event_id,
        actor=actor,
        after={"meeting": meeting.id},
        at=now,
    )
    db.session.commit()


def cancel_meeting(
    event_id: int, meeting_id: int, now: datetime, *, actor: OrganizerAccount | int | None = None
) -> None:
    meeting = _event_meeting(event_id, meeting_id)
    if meeting.status != MeetingStatus.SCHEDULED:
        raise DomainError(_("Only a meeting that has not happened yet can be cancelled."))
    meeting.status = MeetingStatus.CANCELLED
    meeting.locked = False
    meeting.marked_at = now
    audit.record(
        "meeting.cancelled",
        event_id=event_id,
        actor=actor,
        after={"meeting": meeting.id, "first": meeting.first_id, "second": meeting.second_id},
        at=now,
    )
    db.session.commit()


MARKABLE = (MeetingStatus.HELD, MeetingStatus.NO_SHOW)


def mark_meeting(
    meeting_id: int,
    status: MeetingStatus | str,
    now: datetime,
    *,
    by_registration_id: int | None = None,
    by_organizer: OrganizerAccount | int | None = None,
    event_id: int | None = None,
) -> Meeting:
    """Held or no-show, by either partner once the meeting has started, or by an organizer."""
    status = MeetingStatus(status)
    if status not in MARKABLE:
        raise DomainError(_("A meeting can be marked held or no-show."), "status")
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None or (event_id is not None and meeting.event_id != event_id):
        raise NotFound(_("This meeting does not exist."))
    if by_registration_id is not None:
        if by_registration_id not in (meeting.first_id, meeting.second_id):
            raise NotFound(_("This meeting does not exist."))
        if now < meeting.slot.starts_at:
            raise DomainError(_("You can mark a meeting once its time has come."))
    elif by_organizer is None:
        raise Forbidden(_("Only the partners or the organizers can mark a meeting."))
    if meeting.status == MeetingStatus.CANCELLED:
        raise DomainError(_("This meeting was cancelled."))
    before = meeting.status
    meeting.status = status
    meeting.marked_at = now
    audit.record(
        "meeting.marked",
        event_id=meeting.event_id,
        registration_id=by_registration_id,
        actor=by_organizer,
        actor_kind="attendee" if by_registration_id is not None else None,
        before={"status": before},
        after={"meeting": meeting.id, "status": status},
        at=now,
    )
    db.session.commit()
    return meeting


# --------------------------------------------------------------------------- read models


@dataclass(frozen=True)
class AgendaItem:
    meeting_id: int
    slot_id: int
    starts_at: datetime
    ends_at: datetime
    table: str
    partner_id: int
    partner_name: str
    partner_role: str
    partner_line: str
    status: str
    source: str
    locked: bool
    partner_email: str | None = None  # shared only once the meeting was held

    def mail_dict(self) -> dict[str, Any]:
        return {
            "starts_at": self.starts_at,
            "ends_at": self.ends_at,
            "table": self.table,
            "partner_name": self.partner_name,
            "partner_line": self.partner_line,
        }


@dataclass(frozen=True)
class Agenda:
    registration_id: int
    name: str
    role: str
    line: str
    items: list[AgendaItem] = field(default_factory=list)


def _agenda_items(meetings: Iterable[Meeting], me: int) -> list[AgendaItem]:
    items = []
    for m in meetings:
        partner = m.second if m.first_id == me else m.first
        items.append(
            AgendaItem(
                meeting_id=m.id,
                slot_id=m.slot_id,
                starts_at=m.slot.starts_at,
                ends_at=m.slot.ends_at,
                table=m.table.label,
                partner_id=partner.id,
                partner_name=partner.name,
                partner_role=partner.role.value,
                partner_line=profile_line(partner),
                status=m.status.value,
                source=m.source.value,
                locked=m.locked,
                partner_email=partner.email if m.status == MeetingStatus.HELD else None,
            )
        )
    items.sort(key=lambda i: (i.starts_at, i.table))
    return items


def _meetings_query(event_id: int) -> sa.Select[tuple[Meeting]]:
    return (
        sa.select(Meeting)
        .where(Meeting.event_id == event_id, Meeting.status != MeetingStatus.CANCELLED)
        .options(
            selectinload(Meeting.slot),
            selectinload(Meeting.table),
            selectinload(Meeting.first).selectinload(Registration.organization),
            selectinload(Meeting.second).selectinload(Registration.organization),
        )
    )


def agenda_for(registration_id: int) -> Agenda:
    reg = _registration(registration_id)
    meetings = db.session.scalars(
        _meetings_query(reg.event_id).where(
            sa.or_(Meeting.first_id == reg.id, Meeting.second_id == reg.id)
        )
    ).all()
    return Agenda(
        reg.id, reg.name, reg.role.value, profile_line(reg), _agenda_items(meetings, reg.id)
    )


def agendas_for_event(event_id: int) -> list[Agenda]:
    """Every participant's agenda (those without meetings too), by name."""
    meetings = db.session.scalars(_meetings_query(event_id)).all()
    by_person: dict[int, list[Meeting]] = defaultdict(list)
    for m in meetings:
        by_person[m.first_id].append(m)
        by_person[m.second_id].append(m)
    regs = db.session.scalars(
        participants_query(event_id).options(selectinload(Registration.organization))
    ).all()
    ids = {r.id for r in regs}
    extra = [rid for rid in by_person if rid not in ids]
    if extra:
        regs = [
            *regs,
            *db.session.scalars(
                sa.select(Registration)
                .where(Registration.id.in_(extra))
                .options(selectinload(Registration.organization))
            ),
        ]
    agendas = [
        Agenda(r.id, r.name, r.role.value, profile_line(r), _agenda_items(by_person[r.id], r.id))
        for r in regs
    ]
    agendas.sort(key=lambda a: (a.name.casefold(), a.registration_id))
    return agendas


def agenda_pdf_context(event: Event, agendas: Iterable[Agenda]) -> dict[str, Any]:
    """Plain data for ``templates/pdf/agenda.html``: one page per agenda."""
    return {
        "event": {
            "title": event.title,
            "starts_at": event.starts_at,
            "ends_at": event.ends_at,
            "timezone": event.timezone,
            "venue": event.venue,
            "address": event.address,
        },
        "agendas": list(agendas),
    }


AGENDAS_JOB = "agendas_pdf"
AGENDAS_INLINE_MAX = 150  # agendas rendered in the request; more go through a background job


def agendas_pdf(event_id: int, lang: str, *, timeout: float | None = None) -> bytes:
    """One PDF with a page per attendee who has meetings (for the organizer to print)."""
    from flask_babel import force_locale

    from ..pdf import render_pdf

    event = db.session.get(Event, event_id)
    if event is None:
        raise NotFound(_("This event does not exist."))
    agendas = [a for a in agendas_for_event(event_id) if a.items]
    if not agendas:
        raise DomainError(_("There are no meetings to print yet."))
    with force_locale(lang):
        return render_pdf(
            "pdf/agenda.html",
            agenda_pdf_context(event, agendas),
            title=_("Meeting agendas: %(title)s", title=event.title),
            lang=lang,
            timeout=timeout,
        )


def agenda_count(event_id: int) -> int:
    """How many attendees have a meeting (pages of the printed agendas)."""
    firsts = sa.select(Meeting.first_id.label("rid")).where(
        Meeting.event_id == event_id, Meeting.status != MeetingStatus.CANCELLED
    )
    seconds = sa.select(Meeting.second_id.label("rid")).where(
        Meeting.event_id == event_id, Meeting.status != MeetingStatus.CANCELLED
    )
    both = sa.union(firsts, seconds).subquery()
    return int(db.session.scalar(sa.select(sa.func.count()).select_from(both)) or 0)


def run_agendas_pdf_job(job_id: int) -> None:
    """Job body: render the printed agendas and keep the file under the instance folder."""
    import secrets
    from pathlib import Path

    from flask import current_app

    from ..models import BackgroundJob
    from ..pdf import PdfError

    job = db.session.get(BackgroundJob, job_id)
    if job is None or job.event_id is None:
        return
    event_id, lang = job.event_id, str((job.params or {}).get("lang") or "en")
    job_progress(job_id)(10, _("Laying out the pages"))
    try:
        pdf = agendas_pdf(
            event_id,
            lang,
            timeout=float(current_app.config.get("REPORT_JOB_TIMEOUT_SECONDS", 600)),
        )
    except (PdfError, DomainError) as exc:
        db.session.rollback()
        finish_job(job_id, error=exc.message)
        return
    folder = Path(current_app.instance_path) / "agendas" / f"event-{event_id}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"agendas-{job_id}-{secrets.token_hex(8)}.pdf"
    path.write_bytes(pdf)
    finish_job(job_id, result_path=str(path.relative_to(current_app.instance_path)))


def agendas_pdf_file(event_id: int, job_id: int) -> bytes:
    """The file of a finished agendas job of this event (the caller checked access)."""
    from pathlib import Path

    from flask import current_app

    from ..models import BackgroundJob, JobStatus

    job = db.session.get(BackgroundJob, job_id)
    if (
        job is None
        or job.event_id != event_id
        or job.kind != AGENDAS_JOB
        or job.status != JobStatus.FINISHED
        or not job.result_path
    ):
        raise NotFound(_("This file does not exist."))
    root = Path(current_app.instance_path).resolve()
    path = (root / job.result_path).resolve()
    if root not in path.parents or not path.is_file():
        raise NotFound(_("This file does not exist."))
    return path.read_bytes()


def event_meetings(event_id: int) -> list[Meeting]:
    return list(
        db.session.scalars(
            _meetings_query(event_id)
            .join(MeetingSlot, MeetingSlot.id == Meeting.slot_id)
            .join(MeetingTable, MeetingTable.id == Meeting.table_id)
            .order_by(MeetingSlot.starts_at, MeetingTable.position, MeetingTable.label)
        )
    )


def meetings_page(
    event_id: int,
    *,
    status: MeetingStatus | None = None,
    page: int = 1,
    per_page: int = 500,
) -> tuple[list[Meeting], int]:
    """Meetings (not cancelled, unless asked for) by slot and table, one page, and the total."""
    where = [Meeting.event_id == event_id]
    where.append(Meeting.status == status if status else Meeting.status != MeetingStatus.CANCELLED)
    total = int(
        db.session.scalar(sa.select(sa.func.count()).select_from(Meeting).where(*where)) or 0
    )
    rows = db.session.scalars(
        sa.select(Meeting)
        .where(*where)
        .join(MeetingSlot, MeetingSlot.id == Meeting.slot_id)
        .join(MeetingTable, MeetingTable.id == Meeting.table_id)
        .options(
            selectinload(Meeting.slot),
            selectinload(Meeting.table),
            selectinload(Meeting.first),
            selectinload(Meeting.second),
        )
        .order_by(MeetingSlot.starts_at, MeetingTable.position, MeetingTable.label, Meeting.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return list(rows), total


def people_without_meetings(event_id: int) -> list[Registration]:
    """Participants with no scheduled, held or missed meeting, by name."""
    busy = (
        sa.select(Meeting.first_id)
        .where(Meeting.event_id == event_id, Meeting.status != MeetingStatus.CANCELLED)
        .union(
            sa.select(Meeting.second_id).where(
                Meeting.event_id == event_id, Meeting.status != MeetingStatus.CANCELLED
            )
        )
    )
    return list(
        db.session.scalars(
            participants_query(event_id)
            .where(Registration.id.not_in(busy))
            .options(selectinload(Registration.organization))
            .order_by(Registration.name, Registration.id)
        )
    )


def request_counts(event_id: int) -> dict[str, int]:
    rows = db.session.execute(
        sa.select(MeetingRequest.status, sa.func.count())
        .where(MeetingRequest.event_id == event_id)
        .group_by(MeetingRequest.status)
    )
    counts = {s.value: 0 for s in MeetingRequestStatus}
    for status, n in rows:
        counts[status.value] = n
    return counts


def meeting_counts(event_id: int) -> dict[str, int]:
    rows = db.session.execute(
        sa.select(Meeting.status, sa.func.count())
        .where(Meeting.event_id == event_id)
        .group_by(Meeting.status)
    )
    counts = {s.value: 0 for s in MeetingStatus}
    for status, n in rows:
        counts[status.value] = n
    return counts


# --------------------------------------------------------------------------- portal view


@dataclass
class PartnerCard:
    """A photo-free profile card: what one attendee may see of another."""

    registration_id: int
    name: str
    role: str
    line: str
    country: str | None
    languages: list[str]
    interests: list[str]
    offers: list[str]
    seeks: list[str]
    offer_text: str
    seek_text: str
    goals: str
    rank: int | None = None
    score: float | None = None
    explanation: str = ""
    bookmarked: bool = False
    incoming: MeetingRequest | None = None  # their pending request to me
    outgoing: MeetingRequest | None = None  # my latest request to them
    agreed: bool = False  # an accepted request, either way
    meeting: bool = False  # a meeting in the published schedule
    declined_by_them: bool = False


def card_for(reg: Registration) -> PartnerCard:
    tags: dict[str, list[str]] = {"interest": [], "offer": [], "seek": []}
    for t in reg.tags:
        tags[t.kind.value].append(t.interest.label)
    return PartnerCard(
        registration_id=reg.id,
        name=reg.name,
        role=reg.role.value,
        line=profile_line(reg),
        country=reg.country,
        languages=list(reg.languages or []),
        interests=sorted(tags["interest"]),
        offers=sorted(tags["offer"]),
        seeks=sorted(tags["seek"]),
        offer_text=reg.offer_text,
        seek_text=reg.seek_text,
        goals=reg.goals,
    )


@dataclass
class PortalMatching:
    me: Registration
    participant: bool
    published: bool
    requests_open: bool
    recommended: list[PartnerCard]
    incoming: list[PartnerCard]  # pending requests to me
    outgoing: list[PartnerCard]  # my requests (any state), newest first
    bookmarked: list[PartnerCard]
    accepted_count: int
    limit: int


def portal_matching(registration_id: int, now: datetime, explain: Any) -> PortalMatching:
    """Everything "people to meet" shows, in a fixed number of queries.

    ``explain`` turns stored reasons into a sentence (`matching_messages.explanation`).
    """
    me = _registration(registration_id)
    event = me.event
    participant = is_participant(me)
    published = event.recommendations_published_at is not None
    if not (participant and published):
        return PortalMatching(
            me, participant, published, False, [], [], [], [], 0, event.max_meetings_per_person
        )
    recs = db.session.scalars(
        sa.select(Recommendation)
        .where(Recommendation.registration_id == me.id)
        .order_by(Recommendation.rank)
    ).all()
    reqs = db.session.scalars(
        sa.select(MeetingRequest)
        .where(sa.or_(MeetingRequest.requester_id == me.id, MeetingRequest.recipient_id == me.id))
        .order_by(MeetingRequest.created_at.desc(), MeetingRequest.id.desc())
    ).all()
    marks = set(
        db.session.scalars(sa.select(Bookmark.partner_id).where(Bookmark.registration_id == me.id))
    )
    partner_ids = {r.partner_id for r in recs} | marks
    partner_ids |= {q.requester_id if q.recipient_id == me.id else q.recipient_id for q in reqs}
    partners = {
        r.id: r
        for r in db.session.scalars(
            sa.select(Registration)
            .where(Registration.id.in_(partner_ids))
            .options(
                selectinload(Registration.organization),
                selectinload(Registration.tags).joinedload(RegistrationTag.interest),
            )
        )
    }
    visible = {
        pid for pid, r in partners.items() if is_participant(r) and r.event_id == me.event_id
    }
    cards: dict[int, PartnerCard] = {pid: card_for(partners[pid]) for pid in visible}
    for q in reversed(reqs):  # oldest first, so the newest wins
        mine = q.requester_id == me.id
        pid = q.recipient_id if mine else q.requester_id
        card = cards.get(pid)
        if card is None:
            continue
        pending = q.status == MeetingRequestStatus.PENDING and (
            q.expires_at is None or q.expires_at > now
        )
        if q.status == MeetingRequestStatus.ACCEPTED:
            card.agreed = True
        if mine:
            card.outgoing = q
            card.declined_by_them = (
                q.status == MeetingRequestStatus.DECLINED or card.declined_by_them
            )
        elif pending:
            card.incoming = q
    for pid in marks & visible:
        cards[pid].bookmarked = True
    if event.schedule_published_at is not None:
        for a, b in db.session.execute(
            sa.select(Meeting.first_id, Meeting.second_id).where(
                sa.or_(Meeting.first_id == me.id, Meeting.second_id == me.id),
                Meeting.status != MeetingStatus.CANCELLED,
            )
        ):
            card = cards.get(b if a == me.id else a)
            if card is not None:
                card.meeting = True
    recommended = []
    for r in recs:
        card = cards.get(r.partner_id)
        if card is None:
            continue
        card.rank, card.score = r.rank, r.score
        card.explanation = explain(r.reasons)
        recommended.append(card)
    incoming = [
        cards[q.requester_id]
        for q in reqs
        if q.recipient_id == me.id
        and q.requester_id in cards
        and cards[q.requester_id].incoming is q
    ]
    seen: set[int] = set()
    outgoing = []
    for q in reqs:
        if q.requester_id == me.id and q.recipient_id in cards and q.recipient_id not in seen:
            seen.add(q.recipient_id)
            outgoing.append(cards[q.recipient_id])
    bookmarked = sorted((cards[p] for p in marks & visible), key=lambda c: c.name.casefold())
    return PortalMatching(
        me=me,
        participant=participant,
        published=published,
        requests_open=requests_open(event, now),
        recommended=recommended,
        incoming=incoming,
        outgoing=outgoing,
        bookmarked=bookmarked,
        accepted_count=_accepted_count(me.id),
        limit=event.max_meetings_per_person,
    )


def partner_card(registration_id: int, partner_id: int) -> PartnerCard:
    """One other participant's card (for the request form), or NotFound."""
    me = _registration(registration_id)
    partner = db.session.get(Registration, partner_id)
    if (
        partner is None
        or partner.event_id != me.event_id
        or partner.id == me.id
        or not is_participant(partner)
    ):
        raise NotFound(_("This person is not available for meetings at this event."))
    return card_for(partner)


def request_status_label(status: str) -> str:
    return {
        "pending": _("Waiting for an answer"),
        "accepted": _("Accepted"),
        "declined": _("Declined"),
        "expired": _("Expired"),
        "cancelled": _("Withdrawn"),
    }.get(status, status)
