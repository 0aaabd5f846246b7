"""The post-event survey: one secret link per attendee, no login, editable until it closes.

The invitation and its mails are made by `eventnet.services.follow_ups.schedule_feedback`.
Here: reading the survey behind a link, and saving (or changing) the answers. Answering also
lets the attendee confirm, per meeting, that they connected with the person they met (the
same `eventnet.services.connections.set_connection` the attendee portal uses).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import format_datetime
from flask_babel import gettext as _

from ..extensions import db
from ..models import (
    Event,
    FeedbackInvitation,
    FeedbackResponse,
    Meeting,
    MeetingFeedback,
    MeetingStatus,
    QuoteConsent,
    Registration,
)
from . import DomainError, NotFound
from .connections import connection_state, set_connection
from .follow_ups import cancel_reminder, survey_closes_at
from .tokens import hash_token

TEXT_MAX = 2000


class SurveyClosed(DomainError):
    status_code = 409


@dataclass
class SurveyMeeting:
    meeting_id: int
    partner_id: int
    partner_name: str
    partner_organization: str | None
    partner_role: str
    starts_at: datetime
    valuable: bool | None = None
    connected: bool = False  # this attendee confirmed the connection


@dataclass
class SurveyView:
    invitation: FeedbackInvitation
    registration: Registration
    event: Event
    response: FeedbackResponse | None
    meetings: list[SurveyMeeting] = field(default_factory=list)
    closes_at: datetime | None = None
    is_open: bool = True


@dataclass(frozen=True)
class SurveyAnswers:
    overall_rating: int | None
    nps: int | None = None
    recommendations_useful: int | None = None
    improve: str = ""
    comment: str = ""
    quote_consent: QuoteConsent = QuoteConsent.NONE
    meeting_votes: dict[int, bool | None] = field(default_factory=dict)
    connected_meetings: frozenset[int] = frozenset()


def _invitation(token: str) -> FeedbackInvitation:
    invitation = db.session.scalar(
        sa.select(FeedbackInvitation).where(FeedbackInvitation.token_hash == hash_token(token))
    )
    if invitation is None:
        raise NotFound(_("This link is not valid. It may be incomplete or no longer in use."))
    return invitation


def meetings_of(registration: Registration) -> list[Meeting]:
    """The meetings the attendee had (cancelled ones and no-shows left out), by time."""
    rows = db.session.scalars(
        sa.select(Meeting).where(
            Meeting.event_id == registration.event_id,
            sa.or_(Meeting.first_id == registration.id, Meeting.second_id == registration.id),
            Meeting.status.not_in((MeetingStatus.CANCELLED, MeetingStatus.NO_SHOW)),
        )
    ).all()
    return sorted(rows, key=lambda m: (m.slot.starts_at, m.id))


def load_survey(token: str, now: datetime) -> SurveyView:
    invitation = _invitation(token)
    reg = invitation.registration
    event = reg.event
    response = db.session.scalar(
        sa.select(FeedbackResponse).where(FeedbackResponse.registration_id == reg.id)
    )
    votes = dict(
        db.session.execute(
            sa.select(MeetingFeedback.meeting_id, MeetingFeedback.valuable).where(
                MeetingFeedback.registration_id == reg.id
            )
        ).all()
    )
    meetings = []
    for meeting in meetings_of(reg):
        partner = meeting.second if meeting.first_id == reg.id else meeting.first
        meetings.append(
            SurveyMeeting(
                meeting_id=meeting.id,
                partner_id=partner.id,
                partner_name=partner.name,
                partner_organization=partner.organization.name if partner.organization else None,
                partner_role=str(partner.role),
                starts_at=meeting.slot.starts_at,
                valuable=votes.get(meeting.id),
                connected=connection_state(reg, partner.id).mine,
            )
        )
    closes = survey_closes_at(event)
    return SurveyView(
        invitation=invitation,
        registration=reg,
        event=event,
        response=response,
        meetings=meetings,
        closes_at=closes,
        is_open=now < closes,
    )


def _check_range(value: int | None, low: int, high: int, field_name: str) -> None:
    if value is not None and not low <= value <= high:
        raise DomainError(
            _("Choose a value from %(low)d to %(high)d.", low=low, high=high), field_name
        )


def submit_survey(token: str, answers: SurveyAnswers, now: datetime) -> FeedbackResponse:
    """Save the attendee's answers (replacing earlier ones) while the survey is open."""
    view = load_survey(token, now)
    if not view.is_open:
        raise SurveyClosed(
            _(
                "This survey closed on %(date)s. Thank you all the same!",
                date=format_datetime(view.closes_at, "long"),
            )
        )
    if answers.overall_rating is None:
        raise DomainError(_("Please rate the event overall."), "overall_rating")
    _check_range(answers.overall_rating, 1, 5, "overall_rating")
    _check_range(answers.nps, 0, 10, "nps")
    _check_range(answers.recommendations_useful, 1, 5, "recommendations_useful")
    for name in ("improve", "comment"):
        if len(getattr(answers, name)) > TEXT_MAX:
            raise DomainError(_("Please keep this under %(n)d characters.", n=TEXT_MAX), name)
    reg = view.registration
    response = view.response or FeedbackResponse(
        event_id=reg.event_id, registration_id=reg.id, submitted_at=now
    )
    response.overall_rating = answers.overall_rating
    response.nps = answers.nps
    response.recommendations_useful = answers.recommendations_useful
    response.improve = answers.improve.strip()
    response.comment = answers.comment.strip()
    response.quote_consent = answers.quote_consent if response.comment else QuoteConsent.NONE
    response.updated_at = now
    db.session.add(response)

    mine = {m.meeting_id: m for m in view.meetings}
    existing = {
        f.meeting_id: f
        for f in db.session.scalars(
            sa.select(MeetingFeedback).where(MeetingFeedback.registration_id == reg.id)
        )
    }
    for meeting_id, valuable in answers.meeting_votes.items():
        if meeting_id not in mine:
            raise NotFound(_("This meeting is not one of yours."))
        row = existing.get(meeting_id)
        if valuable is None:
            if row is not None:
                db.session.delete(row)
        elif row is None:
            db.session.add(
                MeetingFeedback(meeting_id=meeting_id, registration_id=reg.id, valuable=valuable)
            )
        else:
            row.valuable = valuable
    for meeting in view.meetings:
        wanted = meeting.meeting_id in answers.connected_meetings
        if wanted != meeting.connected:
            set_connection(reg, meeting.partner_id, wanted, now, commit=False)
    if view.invitation.reminder_sent_at is not None and view.invitation.reminder_sent_at > now:
        view.invitation.reminder_sent_at = None
    cancel_reminder(f"survey-reminder:{reg.id}")
    db.session.commit()
    return response
