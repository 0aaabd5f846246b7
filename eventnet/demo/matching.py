"""Matching in the demo: published suggestions, requests, a schedule, and held meetings.

Runs after `load_demo` has committed its events, through the real services (matching and
the scheduler), with its own random generator so the rest of the demo stays the same.
Requests are written directly (no e-mail is queued for made-up people).

- upcoming event: 8 slots of 15 minutes from 13:00, tables, published suggestions, pending,
  accepted and declined requests, a schedule (not yet published: the organizer does that);
- past event: the same, with the schedule published and meetings marked held or no-show
  (no-show when a partner never checked in).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import sqlalchemy as sa

from ..extensions import db
from ..models import (
    Event,
    Meeting,
    MeetingRequest,
    MeetingRequestStatus,
    MeetingSlot,
    MeetingStatus,
    MeetingTable,
    Recommendation,
    Registration,
)
from ..services import matching as matching_svc
from ..services import meetings as meetings_svc

NOTES = (
    "I would love to hear about your thesis topics.",
    "Could we talk about internships in your team?",
    "Your research sounds close to mine: coffee?",
    "I am looking for guest lecturers for my course.",
    "",
    "",
)
SLOTS = 8
SLOT_MINUTES = 15
GAP_MINUTES = 5


def load_matching_demo(slugs: list[str], *, seed: int, now: datetime) -> None:
    """Add matching data to the demo events ``slugs`` (created by this `load_demo` run)."""
    for slug in slugs:
        event = db.session.scalar(sa.select(Event).where(Event.slug == slug))
        if event is None:
            continue
        rng = random.Random(f"matching-demo-{seed}-{slug}")  # noqa: S311 - demo data
        past = event.ends_at < now
        _room(event)
        run_at = min(now, event.starts_at - timedelta(days=7))
        matching_svc.run_matching(event.id, run_at)
        matching_svc.publish_recommendations(event.id, run_at)
        _requests(event, rng, run_at, past=past)
        meetings_svc.schedule_meetings(event.id, run_at + timedelta(days=3))
        if past:
            event.schedule_published_at = run_at + timedelta(days=4)
            _outcomes(event, rng)
        db.session.commit()


def _room(event: Event) -> None:
    if not event.slots:
        local = event.starts_at.astimezone(event.tz)
        start = local.replace(hour=13, minute=0).astimezone(event.starts_at.tzinfo)
        for i in range(SLOTS):
            begins = start + timedelta(minutes=i * (SLOT_MINUTES + GAP_MINUTES))
            db.session.add(
                MeetingSlot(
                    event_id=event.id,
                    starts_at=begins,
                    ends_at=begins + timedelta(minutes=SLOT_MINUTES),
                )
            )
    if not event.tables:
        n = max(4, min(40, matching_svc.participant_count(event.id) // 4))
        for i in range(n):
            db.session.add(MeetingTable(event_id=event.id, label=f"Table {i + 1}", position=i + 1))
    db.session.commit()


def _requests(event: Event, rng: random.Random, at: datetime, *, past: bool) -> None:
    """About a third of the participants ask their best suggestion for a meeting."""
    firsts = db.session.execute(
        sa.select(Recommendation.registration_id, Recommendation.partner_id)
        .where(Recommendation.event_id == event.id, Recommendation.rank <= 2)
        .order_by(Recommendation.registration_id, Recommendation.rank)
    ).all()
    asked: set[frozenset[int]] = set()
    accepted: dict[int, int] = {}
    limit = event.max_meetings_per_person
    for requester, recipient in firsts:
        pair = frozenset((requester, recipient))
        if pair in asked or rng.random() > 0.35:
            continue
        asked.add(pair)
        created = at + timedelta(hours=rng.randint(1, 40))
        roll = rng.random()
        full = accepted.get(requester, 0) >= limit or accepted.get(recipient, 0) >= limit
        if (past or roll < 0.55) and not full:
            status = MeetingRequestStatus.ACCEPTED
            accepted[requester] = accepted.get(requester, 0) + 1
            accepted[recipient] = accepted.get(recipient, 0) + 1
        elif roll < 0.7:
            status = MeetingRequestStatus.DECLINED
        else:
            status = MeetingRequestStatus.PENDING
        answered = status != MeetingRequestStatus.PENDING
        db.session.add(
            MeetingRequest(
                event_id=event.id,
                requester_id=requester,
                recipient_id=recipient,
                note=rng.choice(NOTES),
                status=status,
                created_at=created,
                expires_at=min(created + meetings_svc.REQUEST_TTL, event.starts_at),
                responded_at=created + timedelta(hours=rng.randint(1, 30)) if answered else None,
            )
        )
    db.session.commit()


def _outcomes(event: Event, rng: random.Random) -> None:
    """Past event: meetings were held, unless a partner never came (no-show)."""
    came = set(
        db.session.scalars(
            sa.select(Registration.id).where(
                Registration.event_id == event.id, Registration.checked_in_at.is_not(None)
            )
        )
    )
    meetings = db.session.scalars(
        sa.select(Meeting).where(Meeting.event_id == event.id).order_by(Meeting.id)
    ).all()
    for m in meetings:
        both = m.first_id in came and m.second_id in came
        if not both:
            m.status = MeetingStatus.NO_SHOW
        elif rng.random() < 0.9:
            m.status = MeetingStatus.HELD
        else:
            continue  # nobody marked it
        slot_end = db.session.get(MeetingSlot, m.slot_id).ends_at
        m.marked_at = slot_end + timedelta(minutes=rng.randint(1, 600))
