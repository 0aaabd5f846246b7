"""The survey behind a link: editable until it closes, validated, and per-meeting answers."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from eventnet.extensions import db
from eventnet.models import (
    FeedbackResponse,
    Meeting,
    MeetingFeedback,
    MeetingSlot,
    MeetingTable,
    OutboxMessage,
    OutboxStatus,
    QuoteConsent,
    Registration,
)
from eventnet.services import DomainError, NotFound
from eventnet.services.connections import connection_state
from eventnet.services.feedback import SurveyAnswers, SurveyClosed, load_survey, submit_survey
from eventnet.services.follow_ups import (
    parse_days,
    plan,
    schedule_feedback,
    survey_closes_at,
    update_settings,
)
from tests.factories import make_event, make_organizer, make_registration

STARTS = datetime(2027, 4, 15, 10, 0, tzinfo=UTC)
ENDS = STARTS + timedelta(hours=5)


def _invited():  # type: ignore[no-untyped-def]
    event = make_event(starts_at=STARTS)
    ana = make_registration(event, name="Ana Student", checked_in_at=STARTS)
    ben = make_registration(event, name="Ben Employer", role="employer", checked_in_at=STARTS)
    slot = MeetingSlot(event_id=event.id, starts_at=STARTS, ends_at=STARTS + timedelta(minutes=15))
    table = MeetingTable(event_id=event.id, label="T1")
    db.session.add_all([slot, table])
    db.session.flush()
    first, second = sorted((ana.id, ben.id))
    meeting = Meeting(
        event_id=event.id, first_id=first, second_id=second, slot_id=slot.id, table_id=table.id
    )
    db.session.add(meeting)
    db.session.commit()
    assert schedule_feedback(event, ENDS + timedelta(minutes=5)) == 2
    tokens = {}
    for body, reg_id in db.session.execute(
        sa.select(OutboxMessage.body_text, OutboxMessage.registration_id).where(
            OutboxMessage.kind == "survey"
        )
    ):
        tokens[reg_id] = re.search(r"/f/survey/([\w-]+)", body).group(1)  # type: ignore[union-attr]
    return event, ana, ben, meeting, tokens


def test_answers_can_be_changed_until_the_survey_closes(app_ctx) -> None:
    event, ana, _ben, _meeting, tokens = _invited()
    token = tokens[ana.id]
    at = ENDS + timedelta(days=1)
    submit_survey(token, SurveyAnswers(overall_rating=3, nps=5, comment="Fine"), at)
    submit_survey(
        token,
        SurveyAnswers(overall_rating=5, nps=9, comment="Great", quote_consent=QuoteConsent.NAMED),
        at + timedelta(days=2),
    )
    rows = db.session.scalars(sa.select(FeedbackResponse)).all()
    assert len(rows) == 1
    assert (rows[0].overall_rating, rows[0].nps, rows[0].comment) == (5, 9, "Great")
    assert rows[0].quote_consent == QuoteConsent.NAMED
    closes = survey_closes_at(event)
    assert not load_survey(token, closes).is_open
    with pytest.raises(SurveyClosed):
        submit_survey(token, SurveyAnswers(overall_rating=1), closes)
    assert db.session.scalar(sa.select(FeedbackResponse.overall_rating)) == 5


def test_answers_are_validated_and_quote_consent_needs_a_comment(app_ctx) -> None:
    _event, ana, _ben, _meeting, tokens = _invited()
    at = ENDS + timedelta(days=1)
    for answers, field in (
        (SurveyAnswers(overall_rating=None), "overall_rating"),
        (SurveyAnswers(overall_rating=6), "overall_rating"),
        (SurveyAnswers(overall_rating=4, nps=11), "nps"),
        (SurveyAnswers(overall_rating=4, recommendations_useful=0), "recommendations_useful"),
        (SurveyAnswers(overall_rating=4, comment="x" * 2001), "comment"),
    ):
        with pytest.raises(DomainError) as info:
            submit_survey(tokens[ana.id], answers, at)
        assert info.value.field == field
    submit_survey(
        tokens[ana.id], SurveyAnswers(overall_rating=4, quote_consent=QuoteConsent.NAMED), at
    )
    assert db.session.scalar(sa.select(FeedbackResponse.quote_consent)) == QuoteConsent.NONE
    with pytest.raises(NotFound):
        submit_survey("not-a-token", SurveyAnswers(overall_rating=4), at)


def test_meetings_are_rated_and_can_become_connections_from_the_survey(app_ctx) -> None:
    _event, ana, ben, meeting, tokens = _invited()
    at = ENDS + timedelta(days=1)
    view = load_survey(tokens[ana.id], at)
    assert [(m.partner_name, m.valuable, m.connected) for m in view.meetings] == [
        ("Ben Employer", None, False)
    ]
    submit_survey(
        tokens[ana.id],
        SurveyAnswers(
            overall_rating=4,
            meeting_votes={meeting.id: True},
            connected_meetings=frozenset({meeting.id}),
        ),
        at,
    )
    assert db.session.scalar(sa.select(MeetingFeedback.valuable)) is True
    ana_reg = db.session.get(Registration, ana.id)
    assert ana_reg is not None
    state = connection_state(ana_reg, ben.id)
    assert state.mine and not state.theirs
    # Ben says the meeting was not valuable, but connects too: now it counts.
    submit_survey(
        tokens[ben.id],
        SurveyAnswers(
            overall_rating=2,
            meeting_votes={meeting.id: False},
            connected_meetings=frozenset({meeting.id}),
        ),
        at,
    )
    assert connection_state(ana_reg, ben.id).confirmed
    # Ana's answer cancelled her pending reminder; Ben's too.
    reminders = db.session.scalars(
        sa.select(OutboxMessage.status).where(OutboxMessage.kind == "survey_reminder")
    ).all()
    assert reminders == [OutboxStatus.CANCELLED, OutboxStatus.CANCELLED]
    with pytest.raises(NotFound):  # a meeting of someone else
        submit_survey(
            tokens[ana.id], SurveyAnswers(overall_rating=4, meeting_votes={999999: True}), at
        )


def test_follow_up_settings_are_validated_and_shown_in_the_plan(app_ctx) -> None:
    organizer = make_organizer()
    event = make_event(starts_at=STARTS, organizers=(organizer,))
    assert parse_days("90; 30 , 30") == [30, 90]
    for bad in ("a month", "3", "800", "10, 20, 30, 40, 50"):
        with pytest.raises(DomainError) as info:
            parse_days(bad)
        assert info.value.field == "follow_up_days"
    with pytest.raises(DomainError) as info:
        update_settings(event, [30], ENDS - timedelta(hours=1), organizer, ENDS)
    assert info.value.field == "feedback_closes_at"
    update_settings(event, [14, 60], ENDS + timedelta(days=7), organizer, ENDS)
    rows = plan(event)
    assert [r.days_after for r in rows] == [None, 14, 60]
    assert survey_closes_at(event) == ENDS + timedelta(days=7)
