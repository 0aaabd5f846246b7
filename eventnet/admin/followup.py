"""Organizer views of what came of events: per event (survey, connections, outcomes, when
follow-ups go out) and across events (outcomes over time, organizations that engage
repeatedly, returning people), with the institution report PDF."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import DateField, StringField
from wtforms.validators import DataRequired, Length, Optional

from ..extensions import db
from ..models import Event, EventStatus, utcnow
from ..pdf import pdf_response
from ..services import DomainError
from ..services import follow_ups as follow_up_service
from ..services import outcomes as outcome_service
from ..services.accounts import events_for
from . import bp
from .access import load_event


class FollowUpSettingsForm(FlaskForm):
    follow_up_days = StringField(
        _l("Ask what came of it after (days)"),
        validators=[DataRequired(), Length(max=40)],
    )
    feedback_closes_on = DateField(_l("The survey closes on"), validators=[Optional()])


def _closes_at(event: Event, day: Any) -> datetime | None:
    if day is None:
        return None
    return datetime.combine(day, time(23, 59), ZoneInfo(event.timezone))


def _live(event: Event) -> dict[str, Any]:
    figures = outcome_service.outcome_figures(event.id)
    fb = figures.feedback

    def pct(value: float | None) -> str:
        return "–" if value is None else f"{round(100 * value)} %"

    def one(value: float | None) -> str:
        return "–" if value is None else f"{value:.1f}"

    return {
        "invited": fb.invited,
        "responses": fb.responses,
        "response_rate": pct(fb.response_rate),
        "average_rating": one(fb.average_rating),
        "nps": "–" if fb.nps is None else f"{fb.nps:+.0f}",
        "average_usefulness": one(fb.average_usefulness),
        "valuable_share": pct(fb.valuable_share),
        "connections": figures.connections.confirmed,
        "people_with_result": figures.outcomes.people_with_result,
    }


@bp.route("/events/<slug>/follow-up", methods=["GET", "POST"])
def event_follow_up(slug: str) -> str | Response | tuple[str, int]:
    event = load_event(slug)
    tz = ZoneInfo(event.timezone)
    closes = follow_up_service.survey_closes_at(event)
    form = FollowUpSettingsForm(
        data={
            "follow_up_days": ", ".join(str(d) for d in follow_up_service.follow_up_days(event)),
            "feedback_closes_on": closes.astimezone(tz).date(),
        }
        if request.method == "GET"
        else None
    )
    if form.validate_on_submit():
        try:
            days = follow_up_service.parse_days(form.follow_up_days.data or "")
            follow_up_service.update_settings(
                event,
                days,
                _closes_at(event, form.feedback_closes_on.data),
                current_user,
                utcnow(),
            )
        except DomainError as exc:
            target = getattr(form, exc.field or "", None)
            if exc.field == "feedback_closes_at":
                target = form.feedback_closes_on
            if target is None:
                raise
            target.errors = [*target.errors, exc.message]
        else:
            flash(_("Follow-up settings saved."), "success")
            return redirect(url_for("admin.event_follow_up", slug=slug), code=303)
    figures = outcome_service.outcome_figures(event.id)
    status = 400 if request.method == "POST" and form.errors else 200
    return render_template(
        "admin/followup.html",
        event=event,
        form=form,
        figures=figures,
        live=_live(event),
        plan=follow_up_service.plan(event),
        closes_at=closes,
        now=utcnow(),
        responses=outcome_service.survey_responses(event.id),
        outcome_rows=outcome_service.outcome_rows(event.id),
        outcome_label=outcome_service.outcome_label,
        improvements=Counter(figures.improvements).most_common(),
    ), status


@bp.route("/events/<slug>/follow-up/live.json")
def event_follow_up_live(slug: str) -> Response:
    """The survey figures the follow-up page refreshes while it is open."""
    return jsonify(_live(load_event(slug)))


def _my_events() -> list[Event]:
    return list(
        db.session.scalars(
            events_for(current_user).where(Event.status != EventStatus.DRAFT)
        ).unique()
    )


def _year(events: list[Event]) -> int:
    years = sorted({e.starts_at.year for e in events})
    wanted = request.args.get("year", type=int)
    if wanted in years:
        return int(wanted)
    current = utcnow().year
    past = [y for y in years if y <= current]
    return past[-1] if past else (years[0] if years else current)


@bp.route("/outcomes")
def outcomes() -> str:
    events = _my_events()
    year = _year(events)
    start, end = outcome_service.year_bounds(year)
    overview = outcome_service.institution_overview(events, start, end, utcnow())
    return render_template(
        "admin/followup_outcomes.html",
        overview=overview,
        year=year,
        years=sorted({e.starts_at.year for e in events}, reverse=True),
        outcome_label=outcome_service.outcome_label,
    )


@bp.route("/outcomes/report.pdf")
def outcomes_report() -> Response:
    events = _my_events()
    year = _year(events)
    pdf = outcome_service.institution_report_pdf(
        events, year, organizer=current_user.name or current_user.email, now=utcnow()
    )
    return pdf_response(pdf, f"eventnet-outcomes-{year}.pdf")
