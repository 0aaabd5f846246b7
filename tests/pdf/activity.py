"""Meetings, feedback, connections and outcomes for an event, inserted in bulk.

Other features fill these tables for real; the report must read them correctly before that,
so tests (and benchmarks/report_scale.py) make plausible rows here. Deterministic for a seed.
No-shows are made more likely from the sixth slot on, so the "no-show rate rose after"
finding has something to find.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa

from eventnet.extensions import db
from eventnet.models import (
    Connection,
    Event,
    FeedbackInvitation,
    FeedbackResponse,
    FollowUp,
    Meeting,
    MeetingFeedback,
    MeetingRequest,
    MeetingSlot,
    MeetingTable,
    Outcome,
    Recommendation,
    Registration,
    RegistrationStatus,
)

OUTCOME_WEIGHTS = {
    "still_in_touch": 30,
    "internship": 12,
    "job": 5,
    "thesis": 9,
    "project": 8,
    "research_collaboration": 6,
    "guest_lecture": 5,
    "joint_application": 3,
    "nothing_yet": 22,
}
COMMENTS = (
    "The recommendations were spot on: I met two companies I had never heard of.",
    "Fifteen minutes was just enough to agree on a follow-up call.",
    "Great mix of people. More time for the open networking part, please!",
    "I found a thesis topic at my second meeting.",
    "Well organised; the table numbers made it easy to find people.",
)


@dataclass
class ActivitySummary:
    slots: int = 0
    recommendations: int = 0
    requests: int = 0
    meetings: int = 0
    feedback: int = 0
    connections: int = 0
    outcomes: int = 0


def add_activity(
    event_id: int,
    *,
    seed: int = 7,
    slots: int = 8,
    feedback_share: float = 0.5,
    with_feedback: bool = True,
    with_outcomes: bool = True,
) -> ActivitySummary:
    """Fill matching and follow-up tables for the attendees of ``event_id``; commits."""
    rng = random.Random(seed)
    event = db.session.get(Event, event_id)
    assert event is not None
    people = db.session.execute(
        sa.select(Registration.id, Registration.role, Registration.checked_in_at.is_not(None))
        .where(
            Registration.event_id == event_id,
            Registration.status == RegistrationStatus.CONFIRMED,
        )
        .order_by(Registration.id)
    ).all()
    any_checked_in = any(c for _i, _r, c in people)
    attendees = [(i, str(r)) for i, r, c in people if c or not any_checked_in]
    summary = ActivitySummary()
    if len(attendees) < 2:
        return summary
    ids = [i for i, _r in attendees]
    role_of = dict(attendees)
    start = event.starts_at + timedelta(hours=1)

    slot_ids = []
    for k in range(slots):
        slot = MeetingSlot(
            event_id=event_id,
            starts_at=start + timedelta(minutes=20 * k),
            ends_at=start + timedelta(minutes=20 * k + 15),
        )
        db.session.add(slot)
        slot_ids.append(slot)
    table_count = max(1, len(ids) // 3)
    tables = [
        MeetingTable(event_id=event_id, label=f"T{n + 1}", position=n) for n in range(table_count)
    ]
    db.session.add_all(tables)
    db.session.flush()
    summary.slots = len(slot_ids)

    # Recommendations: five per attendee, preferring other roles.
    recs = []
    for reg_id in ids:
        others = [o for o in ids if o != reg_id]
        others.sort(key=lambda o: (role_of[o] == role_of[reg_id], rng.random()))
        for rank, partner in enumerate(others[:5], start=1):
            recs.append(
                {
                    "event_id": event_id,
                    "registration_id": reg_id,
                    "partner_id": partner,
                    "rank": rank,
                    "score": round(rng.uniform(0.3, 0.95), 3),
                    "parts": {},
                    "reasons": [],
                    "created_at": event.starts_at - timedelta(days=3),
                }
            )
    if recs:
        db.session.execute(sa.insert(Recommendation), recs)
    summary.recommendations = len(recs)

    # Requests along the recommendations, with answers.
    statuses = ["accepted"] * 11 + ["declined"] * 3 + ["expired"] * 3 + ["pending", "cancelled"]
    requests, seen = [], set()
    for rec in recs:
        if rng.random() < 0.25 and (rec["registration_id"], rec["partner_id"]) not in seen:
            seen.add((rec["registration_id"], rec["partner_id"]))
            requests.append(
                {
                    "event_id": event_id,
                    "requester_id": rec["registration_id"],
                    "recipient_id": rec["partner_id"],
                    "note": "",
                    "status": rng.choice(statuses),
                    "created_at": event.starts_at - timedelta(days=2),
                }
            )
    if requests:
        db.session.execute(sa.insert(MeetingRequest), requests)
    summary.requests = len(requests)

    # Meetings: per slot, pair up free people (no one twice per slot, one table per meeting).
    meetings = []
    met: set[tuple[int, int]] = set()
    for k, slot in enumerate(slot_ids):
        free = ids[:]
        rng.shuffle(free)
        table_no = 0
        while len(free) >= 2 and table_no < table_count:
            a = free.pop()
            partner = next((b for b in free if (min(a, b), max(a, b)) not in met), None)
            if partner is None:
                continue
            free.remove(partner)
            pair = (min(a, partner), max(a, partner))
            met.add(pair)
            no_show_chance = 0.06 if k < 5 else 0.2
            roll = rng.random()
            status = (
                "cancelled"
                if roll < 0.03
                else "no_show"
                if roll < 0.03 + no_show_chance
                else "held"
            )
            meetings.append(
                {
                    "event_id": event_id,
                    "first_id": pair[0],
                    "second_id": pair[1],
                    "slot_id": slot.id,
                    "table_id": tables[table_no].id,
                    "status": status,
                    "source": rng.choice(["recommendation", "recommendation", "request"]),
                    "score": 0.5,
                    "locked": False,
                    "created_at": event.starts_at - timedelta(days=1),
                }
            )
            table_no += 1
    if meetings:
        db.session.execute(sa.insert(Meeting), meetings)
    summary.meetings = len(meetings)
    if not with_feedback:
        db.session.commit()
        return summary

    held = db.session.execute(
        sa.select(Meeting.id, Meeting.first_id, Meeting.second_id).where(
            Meeting.event_id == event_id, Meeting.status == "held"
        )
    ).all()
    votes = []
    for meeting_id, first, second in held:
        for person in (first, second):
            if rng.random() < 0.5:
                votes.append(
                    {
                        "meeting_id": meeting_id,
                        "registration_id": person,
                        "valuable": rng.random() < 0.8,
                    }
                )
    if votes:
        db.session.execute(sa.insert(MeetingFeedback), votes)

    after = event.ends_at + timedelta(days=2)
    db.session.execute(
        sa.insert(FeedbackInvitation),
        [
            {
                "event_id": event_id,
                "registration_id": reg_id,
                "token_hash": f"{event_id:08d}{reg_id:056d}",
                "sent_at": event.ends_at + timedelta(days=1),
                "created_at": event.ends_at + timedelta(days=1),
            }
            for reg_id in ids
        ],
    )
    responses = []
    for n, reg_id in enumerate(ids):
        if rng.random() >= feedback_share:
            continue
        rating = rng.choices([1, 2, 3, 4, 5], weights=[1, 2, 6, 14, 12])[0]
        consent = rng.choice(["none", "anonymous", "named"]) if n % 3 == 0 else "none"
        responses.append(
            {
                "event_id": event_id,
                "registration_id": reg_id,
                "overall_rating": rating,
                "nps": min(10, max(0, rating * 2 + rng.randint(-2, 1))),
                "recommendations_useful": rng.randint(2, 5),
                "improve": "",
                "comment": rng.choice(COMMENTS) if consent != "none" or rng.random() < 0.3 else "",
                "quote_consent": consent,
                "submitted_at": after,
                "updated_at": after,
            }
        )
    if responses:
        db.session.execute(sa.insert(FeedbackResponse), responses)
    summary.feedback = len(responses)

    connections = []
    for _mid, first, second in held:
        if rng.random() < 0.6:
            both = rng.random() < 0.85
            connections.append(
                {
                    "event_id": event_id,
                    "first_id": first,
                    "second_id": second,
                    "first_confirmed_at": after,
                    "second_confirmed_at": after if both else None,
                    "created_at": after,
                }
            )
    if connections:
        db.session.execute(sa.insert(Connection), connections)
    summary.connections = len(connections)
    if not with_outcomes:
        db.session.commit()
        return summary

    follow_ups = []
    for reg_id in ids:
        for days in (30, 90):
            due = event.ends_at + timedelta(days=days)
            answered = rng.random() < (0.45 if days == 30 else 0.35)
            follow_ups.append(
                {
                    "event_id": event_id,
                    "registration_id": reg_id,
                    "days_after": days,
                    "due_at": due,
                    "sent_at": due,
                    "answered_at": due + timedelta(days=2) if answered else None,
                    "comment": "",
                }
            )
    db.session.execute(sa.insert(FollowUp), follow_ups)
    answered_rows = db.session.execute(
        sa.select(FollowUp.id, FollowUp.registration_id, FollowUp.answered_at).where(
            FollowUp.event_id == event_id, FollowUp.answered_at.is_not(None)
        )
    ).all()
    types, weights = zip(*OUTCOME_WEIGHTS.items(), strict=True)
    outcomes = []
    for fu_id, reg_id, answered_at in answered_rows:
        for kind in set(rng.choices(types, weights=weights, k=rng.randint(1, 2))):
            outcomes.append(
                {
                    "event_id": event_id,
                    "registration_id": reg_id,
                    "follow_up_id": fu_id,
                    "type": kind,
                    "text": "",
                    "reported_at": answered_at,
                }
            )
    if outcomes:
        db.session.execute(sa.insert(Outcome), outcomes)
    summary.outcomes = len(outcomes)
    db.session.commit()
    return summary
