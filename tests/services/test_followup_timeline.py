"""An event walked with a controllable clock from its end to three months later.

The clock is just the ``now`` given to ``run_tick`` (the same steps ``eventnet tick`` runs:
survey and follow-ups, then outbox delivery). Every assertion is about the mail that
actually left (outbox rows marked sent) and about the figures the report shows.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from eventnet.extensions import db
from eventnet.models import (
    FeedbackInvitation,
    FollowUp,
    OutboxMessage,
    OutboxStatus,
    Person,
    QuoteConsent,
    Registration,
)
from eventnet.services import connections, feedback, follow_ups
from eventnet.services.outcomes import outcome_figures
from eventnet.services.tick import run_tick
from tests.factories import make_event, make_organization, make_registration

STARTS = datetime(2027, 4, 15, 10, 0, tzinfo=UTC)  # 13:00 in Helsinki (UTC+3 in April)
ENDS = STARTS + timedelta(hours=5)  # 18:00 in Helsinki
NEXT_MORNING = datetime(2027, 4, 16, 6, 0, tzinfo=UTC)  # 09:00 in Helsinki
LINK = re.compile(r"http://eventnet\.test(/f/(?:survey|follow-up|unsubscribe)/[A-Za-z0-9_-]+)")


def sent(kind: str | None = None) -> Counter[str]:
    """How many mails of ``kind`` left the outbox, per recipient."""
    query = sa.select(OutboxMessage.to_address).where(OutboxMessage.status == OutboxStatus.SENT)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return Counter(db.session.scalars(query))


def link(email: str, kind: str, path: str = "/f/") -> str:
    bodies = db.session.scalars(
        sa.select(OutboxMessage.body_text).where(
            OutboxMessage.to_address == email, OutboxMessage.kind == kind
        )
    ).all()
    assert bodies, f"no {kind} mail to {email}"
    paths = [p for p in LINK.findall(bodies[-1]) if p.startswith(path)]
    assert paths, bodies[-1]
    return paths[0].rsplit("/", 1)[1]


def tick(now: datetime, times: int = 2) -> None:
    """Run the tick (twice by default: a second run must change nothing)."""
    for _ in range(times):
        results = run_tick(now)
        assert not [r for r in results if r.error], results


def make_attendees():  # type: ignore[no-untyped-def]
    uni = make_organization("Aalto University")
    firm = make_organization("Nordic Grid Solutions")
    event = make_event(starts_at=STARTS, title="Spring Networking Day")
    checked = STARTS + timedelta(minutes=5)
    alice = make_registration(
        event,
        email="alice@student.example",
        name="Alice Student",
        role="student",
        checked_in_at=checked,
        organization_id=uni.id,
    )
    bob = make_registration(
        event,
        email="bob@firm.example",
        name="Bob Employer",
        role="employer",
        checked_in_at=checked,
        organization_id=firm.id,
        job_title="Head of Talent",
    )
    carol = make_registration(
        event,
        email="carol@uni.example",
        name="Carol Staff",
        role="staff",
        checked_in_at=checked,
        organization_id=uni.id,
    )
    noshow = make_registration(event, email="dan@student.example", name="Dan No-show")
    return event, alice, bob, carol, noshow


def test_survey_follow_ups_and_reminders_go_out_once_each(app_ctx) -> None:
    event, alice, bob, carol, noshow = make_attendees()
    ids = {r.email: r.id for r in (alice, bob, carol, noshow)}
    a, b, c, d = (
        "alice@student.example",
        "bob@firm.example",
        "carol@uni.example",
        "dan@student.example",
    )

    # During the event: nothing.
    tick(STARTS + timedelta(hours=1))
    assert (
        sent() == Counter()
        and db.session.scalar(sa.select(sa.func.count(FeedbackInvitation.id))) == 0
    )

    # The evening after: surveys are queued for the next morning, not sent yet.
    tick(ENDS + timedelta(hours=1))
    assert sent("survey") == Counter()
    pending = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.kind == "survey")
    ).all()
    assert sorted(m.to_address for m in pending) == [a, b, c]  # not the no-show
    assert {m.send_after for m in pending} == {NEXT_MORNING}
    assert all("List-Unsubscribe" in m.headers for m in pending)
    assert pending[0].headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # The next morning at 09:00 Helsinki time: one survey each.
    tick(NEXT_MORNING)
    assert sent("survey") == Counter({a: 1, b: 1, c: 1})

    # Alice and Bob met; both confirm the connection. Alice answers the survey.
    at = NEXT_MORNING + timedelta(hours=2)
    alice_reg = db.session.get(Registration, ids[a])
    bob_reg = db.session.get(Registration, ids[b])
    connections.set_connection(alice_reg, ids[b], True, at)
    connections.set_connection(db.session.get(Registration, ids[b]), ids[a], True, at)
    feedback.submit_survey(
        link(a, "survey", "/f/survey/"),
        feedback.SurveyAnswers(
            overall_rating=5,
            nps=10,
            recommendations_useful=4,
            comment="Met my future boss!",
            quote_consent=QuoteConsent.ANONYMOUS,
        ),
        at,
    )
    feedback.submit_survey(
        link(b, "survey", "/f/survey/"), feedback.SurveyAnswers(overall_rating=3, nps=6), at
    )
    assert bob_reg is not None

    # Day 11 (3 days before the survey closes): one reminder, only to Carol who did not answer.
    day11 = ENDS + timedelta(days=11)
    tick(day11)
    tick(day11 + timedelta(days=1))
    assert sent("survey_reminder") == Counter({c: 1})

    # Carol unsubscribes with the link in her mail.
    follow_ups.unsubscribe(link(c, "survey", "/f/unsubscribe/"), day11 + timedelta(days=2))
    carol_person = db.session.scalar(sa.select(Person).where(Person.email == c))
    assert carol_person is not None and carol_person.unsubscribed_at is not None

    # One month later, 09:00 Helsinki: a follow-up each for Alice and Bob, none for Carol.
    month = datetime(2027, 5, 15, 6, 0, tzinfo=UTC)
    tick(month - timedelta(minutes=1))
    assert sent("follow_up") == Counter()
    tick(month)
    assert sent("follow_up") == Counter({a: 1, b: 1})
    connection_id = connections.connection_state(alice_reg, ids[b]).connection_id
    assert connection_id is not None
    follow_ups.answer_follow_up(
        link(a, "follow_up", "/f/follow-up/"),
        follow_ups.FollowUpAnswer(
            overall=frozenset({"still_in_touch"}),
            connections=(
                follow_ups.ConnectionAnswer(
                    connection_id, frozenset({"internship"}), "Summer 2027"
                ),
            ),
        ),
        month + timedelta(hours=3),
    )
    # A week later: Bob (who did not answer) gets the one reminder.
    for day in (6, 7, 8, 20):
        tick(month + timedelta(days=day))
    assert sent("follow_up_reminder") == Counter({b: 1})

    # Three months later: the second follow-up; Bob answers "nothing yet", Alice reports the
    # same internship again (counted once) and a job offer.
    quarter = datetime(2027, 7, 14, 6, 0, tzinfo=UTC)
    tick(quarter)
    assert sent("follow_up") == Counter({a: 2, b: 2})
    follow_ups.answer_follow_up(
        link(b, "follow_up", "/f/follow-up/"),
        follow_ups.FollowUpAnswer(overall=frozenset({"nothing_yet"})),
        quarter + timedelta(days=1),
    )
    follow_ups.answer_follow_up(
        link(a, "follow_up", "/f/follow-up/"),
        follow_ups.FollowUpAnswer(
            overall=frozenset({"job"}),
            connections=(follow_ups.ConnectionAnswer(connection_id, frozenset({"internship"})),),
        ),
        quarter + timedelta(days=2),
    )
    for day in (7, 8, 30, 60):
        tick(quarter + timedelta(days=day))

    # Totals: the survey once each, one survey reminder, two follow-ups and one follow-up
    # reminder for each of Alice and Bob; nothing at all to Carol after unsubscribing and
    # nothing ever to the no-show.
    assert sent("survey") == Counter({a: 1, b: 1, c: 1})
    assert sent("survey_reminder") == Counter({c: 1})
    assert sent("follow_up") == Counter({a: 2, b: 2})
    assert sent("follow_up_reminder") == Counter({b: 1})
    assert sent()[d] == 0
    assert (
        db.session.scalar(
            sa.select(sa.func.count(OutboxMessage.id)).where(
                OutboxMessage.to_address == c, OutboxMessage.status == OutboxStatus.PENDING
            )
        )
        == 0
    )
    assert (
        db.session.scalar(
            sa.select(sa.func.count(FollowUp.id)).where(FollowUp.registration_id == ids[c])
        )
        == 0
    )

    # The report's outcome figures are exactly what the attendees answered.
    figures = outcome_figures(event.id)
    assert figures.attendees == 3
    assert figures.feedback.invited == 3 and figures.feedback.responses == 2
    assert figures.feedback.response_rate == 2 / 3
    assert figures.feedback.average_rating == 4.0
    assert figures.feedback.nps == 0.0  # one promoter (10), one detractor (6)
    assert figures.connections.confirmed == 1 and figures.connections.cross_role == 1
    outcomes = figures.outcomes
    assert outcomes.count("internship").people == 1
    assert outcomes.count("internship").connections == 1
    assert outcomes.count("job").people == 1
    assert outcomes.count("still_in_touch").people == 1
    assert outcomes.count("nothing_yet").people == 1
    assert outcomes.count("thesis").people == 0
    assert outcomes.people_reporting == 2 and outcomes.people_with_result == 1
    assert outcomes.connections_with_result == 1
    rounds = {r.days_after: r for r in outcomes.rounds}
    assert (rounds[30].asked, rounds[30].answered) == (2, 1)
    assert (rounds[90].asked, rounds[90].answered) == (2, 2)
    assert [q.text for q in figures.quotes] == ["Met my future boss!"]
    assert figures.quotes[0].name is None and figures.quotes[0].role == "student"


def test_a_late_check_in_still_gets_the_survey_and_a_closed_survey_sends_nothing(app_ctx) -> None:
    event, *_rest = make_attendees()
    tick(NEXT_MORNING)
    assert sent("survey")["alice@student.example"] == 1
    late = make_registration(
        event,
        email="erin@student.example",
        name="Erin Late",
        checked_in_at=ENDS,
    )
    tick(NEXT_MORNING + timedelta(days=2))
    assert sent("survey")["erin@student.example"] == 1
    assert late.id is not None
    # After the survey closed nobody new is invited.
    make_registration(event, email="fay@student.example", name="Fay", checked_in_at=ENDS)
    tick(ENDS + timedelta(days=15))
    assert sent("survey")["fay@student.example"] == 0


def test_a_follow_up_weeks_overdue_is_skipped_not_sent_out_of_season(app_ctx) -> None:
    make_attendees()
    tick(ENDS + timedelta(days=60))  # the tick did not run for two months
    assert sent("follow_up") == Counter()
    assert sent("survey") == Counter()  # the survey had closed too
