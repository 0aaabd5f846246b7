"""Reading what came of events: survey figures, connections and outcomes, per event and across.

Queries only (no writes): rows become the plain dataclasses of `eventnet.core.outcomes`, which
compute every figure. `outcome_figures(event_id)` is what the event report's outcome section
calls; `institution_overview` feeds the organizer's outcome pages and the institution report.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from ..core import outcomes as core
from ..extensions import db
from ..models import (
    Connection,
    Event,
    FeedbackInvitation,
    FeedbackResponse,
    FollowUp,
    MeetingFeedback,
    Organization,
    Outcome,
    QuoteConsent,
    Registration,
    RegistrationStatus,
)


def attended(event_id: int) -> sa.ColumnElement[bool]:
    """Registrations that count as attendees of the event.

    Confirmed and checked in; when nobody at all was checked in (an event run without the
    door check-in), every confirmed registration.
    """
    other = aliased(Registration)
    nobody_checked_in = ~sa.exists(
        sa.select(other.id).where(other.event_id == event_id, other.checked_in_at.is_not(None))
    )
    return sa.and_(
        Registration.event_id == event_id,
        Registration.status == RegistrationStatus.CONFIRMED,
        sa.or_(Registration.checked_in_at.is_not(None), nobody_checked_in),
    )


def attendee_count(event_id: int) -> int:
    return int(
        db.session.scalar(sa.select(sa.func.count(Registration.id)).where(attended(event_id))) or 0
    )


# --------------------------------------------------------------------------- per event


def _feedback(event_ids: Sequence[int]) -> core.FeedbackFigures:
    invited = db.session.scalar(
        sa.select(sa.func.count(FeedbackInvitation.id)).where(
            FeedbackInvitation.event_id.in_(event_ids)
        )
    )
    answers = [
        core.SurveyAnswer(r.overall_rating, r.nps, r.recommendations_useful)
        for r in db.session.execute(
            sa.select(
                FeedbackResponse.overall_rating,
                FeedbackResponse.nps,
                FeedbackResponse.recommendations_useful,
            ).where(FeedbackResponse.event_id.in_(event_ids))
        )
    ]
    votes = list(
        db.session.scalars(
            sa.select(MeetingFeedback.valuable)
            .join(Registration, Registration.id == MeetingFeedback.registration_id)
            .where(Registration.event_id.in_(event_ids))
        )
    )
    return core.feedback_figures(int(invited or 0), answers, votes)


def _connections(event_id: int, attendees: int) -> core.ConnectionFigures:
    first, second = aliased(Registration), aliased(Registration)
    rows = db.session.execute(
        sa.select(
            first.role,
            second.role,
            Connection.first_confirmed_at.is_not(None),
            Connection.second_confirmed_at.is_not(None),
            Connection.first_id,
            Connection.second_id,
        )
        .join(first, first.id == Connection.first_id)
        .join(second, second.id == Connection.second_id)
        .where(Connection.event_id == event_id)
    ).all()
    pairs = [core.ConnectionPair(str(r[0]), str(r[1]), bool(r[2]), bool(r[3])) for r in rows]
    connected = {r[4] for r in rows if r[2] and r[3]} | {r[5] for r in rows if r[2] and r[3]}
    return core.connection_figures(pairs, attendees, len(connected))


def _reported(event_ids: Sequence[int]) -> list[core.ReportedOutcome]:
    rows = db.session.execute(
        sa.select(Outcome.registration_id, Outcome.type, Outcome.connection_id, FollowUp.days_after)
        .outerjoin(FollowUp, FollowUp.id == Outcome.follow_up_id)
        .where(Outcome.event_id.in_(event_ids))
    )
    return [core.ReportedOutcome(r[0], str(r[1]), r[2], r[3]) for r in rows]


def _rounds(event_id: int) -> list[core.RoundAnswers]:
    rows = db.session.execute(
        sa.select(
            FollowUp.days_after,
            sa.func.count(FollowUp.id),
            sa.func.count(FollowUp.answered_at),
        )
        .where(FollowUp.event_id == event_id, FollowUp.sent_at.is_not(None))
        .group_by(FollowUp.days_after)
    )
    return [core.RoundAnswers(days_after=d, asked=a, answered=n) for d, a, n in rows]


def _quotes(event_id: int) -> tuple[core.Quote, ...]:
    rows = db.session.execute(
        sa.select(FeedbackResponse, Registration.role, Registration.name, Organization.name)
        .join(Registration, Registration.id == FeedbackResponse.registration_id)
        .outerjoin(Organization, Organization.id == Registration.organization_id)
        .where(
            FeedbackResponse.event_id == event_id,
            FeedbackResponse.quote_consent != QuoteConsent.NONE,
            FeedbackResponse.comment != "",
        )
        .order_by(FeedbackResponse.overall_rating.desc(), FeedbackResponse.id)
    )
    quotes = []
    for response, role, name, org in rows:
        named = response.quote_consent == QuoteConsent.NAMED
        quotes.append(
            core.Quote(
                text=response.comment.strip(),
                role=str(role),
                name=name if named else None,
                organization=org if named else None,
            )
        )
    return tuple(quotes)


def outcome_figures(event_id: int) -> core.EventOutcomes:
    """Everything the event report's outcome section shows, as plain data.

    For the PDF engineer: call it with the event's id; it reads, never writes.
    Quotes are only comments whose author agreed to be quoted (named or anonymously).
    """
    attendees = attendee_count(event_id)
    improvements = tuple(
        text.strip()
        for text in db.session.scalars(
            sa.select(FeedbackResponse.improve)
            .where(FeedbackResponse.event_id == event_id, FeedbackResponse.improve != "")
            .order_by(FeedbackResponse.id)
        )
    )
    return core.EventOutcomes(
        event_id=event_id,
        attendees=attendees,
        feedback=_feedback([event_id]),
        connections=_connections(event_id, attendees),
        outcomes=core.outcome_figures(_reported([event_id]), _rounds(event_id)),
        quotes=_quotes(event_id),
        improvements=improvements,
    )


@dataclass(frozen=True)
class ResponseRow:
    """One survey response as the organizer sees it."""

    name: str
    role: str
    organization: str | None
    overall_rating: int | None
    nps: int | None
    recommendations_useful: int | None
    improve: str
    comment: str
    quote_consent: str
    submitted_at: datetime


def survey_responses(event_id: int) -> list[ResponseRow]:
    rows = db.session.execute(
        sa.select(FeedbackResponse, Registration.name, Registration.role, Organization.name)
        .join(Registration, Registration.id == FeedbackResponse.registration_id)
        .outerjoin(Organization, Organization.id == Registration.organization_id)
        .where(FeedbackResponse.event_id == event_id)
        .order_by(FeedbackResponse.updated_at.desc(), FeedbackResponse.id.desc())
    )
    return [
        ResponseRow(
            name=name,
            role=str(role),
            organization=org,
            overall_rating=r.overall_rating,
            nps=r.nps,
            recommendations_useful=r.recommendations_useful,
            improve=r.improve,
            comment=r.comment,
            quote_consent=str(r.quote_consent),
            submitted_at=r.updated_at,
        )
        for r, name, role, org in rows
    ]


@dataclass(frozen=True)
class OutcomeRow:
    """What one attendee reported at one follow-up about one connection (or overall)."""

    name: str
    role: str
    types: tuple[str, ...]  # in `core.OUTCOME_TYPES` order
    partner: str | None
    text: str
    days_after: int | None
    reported_at: datetime


def outcome_rows(event_id: int) -> list[OutcomeRow]:
    """Reported outcomes grouped per attendee, follow-up and connection, newest first."""
    reporter, first, second = aliased(Registration), aliased(Registration), aliased(Registration)
    rows = db.session.execute(
        sa.select(Outcome, reporter.name, reporter.role, first, second, FollowUp.days_after)
        .join(reporter, reporter.id == Outcome.registration_id)
        .outerjoin(Connection, Connection.id == Outcome.connection_id)
        .outerjoin(first, first.id == Connection.first_id)
        .outerjoin(second, second.id == Connection.second_id)
        .outerjoin(FollowUp, FollowUp.id == Outcome.follow_up_id)
        .where(Outcome.event_id == event_id)
        .order_by(Outcome.reported_at.desc(), Outcome.id)
    )
    groups: dict[tuple[int, int | None, int | None], OutcomeRow] = {}
    for outcome, name, role, a, b, days in rows:
        key = (outcome.registration_id, outcome.follow_up_id, outcome.connection_id)
        row = groups.get(key)
        if row is None:
            partner = None
            if a is not None and b is not None:
                partner = b.name if a.id == outcome.registration_id else a.name
            row = OutcomeRow(name, str(role), (), partner, "", days, outcome.reported_at)
        groups[key] = replace(
            row, types=(*row.types, str(outcome.type)), text=row.text or outcome.text
        )
    order = {t: i for i, t in enumerate(core.OUTCOME_TYPES)}
    return [
        replace(row, types=tuple(sorted(row.types, key=lambda t: order.get(t, len(order)))))
        for row in groups.values()
    ]


# --------------------------------------------------------------------------- across events


@dataclass(frozen=True)
class EventLine:
    """One event on the institution's timeline."""

    event_id: int
    slug: str
    title: str
    starts_at: datetime
    timezone: str
    attendees: int
    feedback: core.FeedbackFigures
    connections: int
    outcomes: core.OutcomeFigures


@dataclass(frozen=True)
class InstitutionOverview:
    """Outcomes across a set of events (typically a year of an institution's events)."""

    start: datetime
    end: datetime
    events: tuple[EventLine, ...]
    attendees: int  # attendances, summed over events
    people: int  # distinct persons
    feedback: core.FeedbackFigures
    connections: int
    outcomes: core.OutcomeFigures
    organizations: tuple[core.OrganizationEngagement, ...]
    repeat: core.RepeatAttendance


def _attendances(event_ids: Sequence[int]) -> list[core.Attendance]:
    rows = []
    for event_id in event_ids:
        rows += db.session.execute(
            sa.select(
                Registration.person_id,
                Registration.event_id,
                Registration.role,
                Organization.id,
                Organization.name,
                Organization.kind,
            )
            .outerjoin(Organization, Organization.id == Registration.organization_id)
            .where(attended(event_id))
        ).all()
    return [
        core.Attendance(
            person_id=r[0],
            event_id=r[1],
            role=str(r[2]),
            organization_id=r[3],
            organization_name=r[4],
            organization_kind=str(r[5]) if r[5] is not None else None,
        )
        for r in rows
    ]


def institution_overview(
    events: Sequence[Event], start: datetime, end: datetime, now: datetime
) -> InstitutionOverview:
    """Figures for the given events that started in [start, end) and have ended by ``now``,
    oldest first (an event still to come has no attendance or outcomes to count)."""
    chosen = sorted(
        (e for e in events if start <= e.starts_at < end and e.ends_at <= now),
        key=lambda e: (e.starts_at, e.id),
    )
    ids = [e.id for e in chosen]
    lines = []
    for event in chosen:
        figures = outcome_figures(event.id)
        lines.append(
            EventLine(
                event_id=event.id,
                slug=event.slug,
                title=event.title,
                starts_at=event.starts_at,
                timezone=event.timezone,
                attendees=figures.attendees,
                feedback=figures.feedback,
                connections=figures.connections.confirmed,
                outcomes=figures.outcomes,
            )
        )
    attendances = _attendances(ids)
    reported = _reported(ids) if ids else []
    person_of = (
        dict(
            db.session.execute(
                sa.select(Registration.id, Registration.person_id).where(
                    Registration.id.in_({o.registration_id for o in reported})
                )
            ).all()
        )
        if reported
        else {}
    )
    event_of_reg = (
        dict(
            db.session.execute(
                sa.select(Registration.id, Registration.event_id).where(
                    Registration.id.in_({o.registration_id for o in reported})
                )
            ).all()
        )
        if reported
        else {}
    )
    result_types: dict[tuple[int, int], set[str]] = defaultdict(set)
    for o in reported:
        if o.type not in core.NOT_A_RESULT:
            result_types[(person_of[o.registration_id], event_of_reg[o.registration_id])].add(
                o.type
            )
    results = {key: len(types) for key, types in result_types.items()}
    return InstitutionOverview(
        start=start,
        end=end,
        events=tuple(lines),
        attendees=len(attendances),
        people=len({a.person_id for a in attendances}),
        feedback=_feedback(ids) if ids else core.feedback_figures(0, []),
        connections=sum(line.connections for line in lines),
        outcomes=core.outcome_figures(reported),
        organizations=tuple(core.organization_engagement(attendances, results)),
        repeat=core.repeat_attendance(attendances),
    )


def year_bounds(year: int) -> tuple[datetime, datetime]:
    return datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)


# --------------------------------------------------------------------------- labels and PDF


def outcome_label(type_: str) -> str:
    from flask_babel import gettext as _

    return {
        "still_in_touch": _("Still in touch"),
        "internship": _("Internship"),
        "job": _("Job offer"),
        "thesis": _("Thesis or project topic"),
        "project": _("Student or company project"),
        "research_collaboration": _("Research collaboration"),
        "guest_lecture": _("Guest lecture"),
        "joint_application": _("Joint application"),
        "nothing_yet": _("Nothing yet"),
    }.get(type_, type_)


def role_label(role: str) -> str:
    from flask_babel import gettext as _

    return {
        "student": _("Students"),
        "employer": _("Employers"),
        "staff": _("Higher-education staff"),
    }.get(role, role)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{round(100 * value)} %"


def _one(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def institution_report_context(
    overview: InstitutionOverview, year: int, *, organizer: str, now: datetime
) -> dict[str, object]:
    """Plain data (and SVG charts) for ``templates/pdf/institution_report.html``."""
    from flask_babel import gettext as _

    from ..i18n import format_in_zone
    from ..pdf import charts

    fb = overview.feedback
    o = overview.outcomes
    events = [
        {
            "date": format_in_zone(line.starts_at, line.timezone, "d MMM y"),
            "title": line.title,
            "attendees": line.attendees,
            "response_rate": _pct(line.feedback.response_rate),
            "rating": _one(line.feedback.average_rating),
            "nps": "–" if line.feedback.nps is None else f"{line.feedback.nps:+.0f}",
            "connections": line.connections,
            "with_result": line.outcomes.people_with_result,
            "results": line.outcomes.results,
        }
        for line in overview.events
    ]
    types = [
        {
            "label": outcome_label(c.type),
            "people": c.people,
            "connections": c.connections,
        }
        for c in o.by_type
    ]
    type_chart = charts.bar_chart(
        [(outcome_label(c.type), c.people) for c in o.by_type if c.people],
        title=_("Outcomes reported, by type (people)"),
        colour="#0f7b6c",
        empty=_("No outcomes reported yet"),
    )
    timeline_chart = None
    if len(overview.events) >= 3:
        timeline_chart = charts.line_chart(
            [format_in_zone(line.starts_at, line.timezone, "d MMM") for line in overview.events],
            [
                charts.Series(_("Attendees"), [line.attendees for line in overview.events]),
                charts.Series(
                    _("Confirmed connections"), [line.connections for line in overview.events]
                ),
                charts.Series(
                    _("People with a result"),
                    [line.outcomes.people_with_result for line in overview.events],
                ),
            ],
            title=_("Events over the year"),
        )
    repeating = [org for org in overview.organizations if org.repeat]
    others = [org for org in overview.organizations if not org.repeat]
    organizations = [
        {
            "name": org.name,
            "kind": {
                "employer": _("Employer"),
                "higher_education": _("Higher education"),
            }.get(org.kind, _("Other")),
            "events": org.events,
            "people": org.people,
            "attendances": org.attendances,
            "results": org.results,
        }
        for org in (repeating + others)[:40]
    ]
    rep = overview.repeat
    return {
        "year": year,
        "organizer": organizer,
        "generated": format_in_zone(now, "UTC", "d MMMM y"),
        "kpis": [
            (str(len(overview.events)), _("Events")),
            (str(overview.attendees), _("Attendances")),
            (str(overview.people), _("Different people")),
            (_pct(rep.returning_share), _("Came to two or more events")),
            (_pct(fb.response_rate), _("Survey response rate")),
            (_one(fb.average_rating), _("Average rating (1–5)")),
            ("–" if fb.nps is None else f"{fb.nps:+.0f}", _("Net promoter score")),
            (str(overview.connections), _("Confirmed connections")),
            (str(o.people_with_result), _("People reporting a result")),
        ],
        "events": events,
        "types": types,
        "type_chart": type_chart,
        "timeline_chart": timeline_chart,
        "organizations": organizations,
        "organizations_total": len(overview.organizations),
        "repeating_total": len(repeating),
        "repeat": {
            "people": rep.people,
            "returning": rep.returning,
            "share": _pct(rep.returning_share),
            "distribution": [{"events": n, "people": p} for n, p in rep.distribution],
            "by_role": [
                {"role": role_label(r), "people": p, "returning": ret} for r, p, ret in rep.by_role
            ],
        },
        "feedback": {
            "invited": fb.invited,
            "responses": fb.responses,
            "response_rate": _pct(fb.response_rate),
            "average_rating": _one(fb.average_rating),
            "nps": "–" if fb.nps is None else f"{fb.nps:+.0f}",
            "usefulness": _one(fb.average_usefulness),
            "valuable": _pct(fb.valuable_share),
        },
        "results_total": o.results,
        "people_reporting": o.people_reporting,
        "people_with_result": o.people_with_result,
    }


def institution_report_pdf(
    events: Sequence[Event], year: int, *, organizer: str, now: datetime
) -> bytes:
    """The institution report for a calendar year of the given events, as PDF bytes."""
    from flask_babel import get_locale
    from flask_babel import gettext as _

    from ..pdf import render_pdf

    start, end = year_bounds(year)
    overview = institution_overview(events, start, end, now)
    context = institution_report_context(overview, year, organizer=organizer, now=now)
    return render_pdf(
        "institution_report.html",
        context,
        title=_("What came of our events in %(year)d", year=year),
        lang=str(get_locale() or "en"),
    )
