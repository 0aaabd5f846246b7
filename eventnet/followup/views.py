"""Survey, follow-up and unsubscribe pages: form -> one service -> render or redirect."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ..extensions import csrf, limiter
from ..models import QuoteConsent, utcnow
from ..public.views import public_post_limit
from ..services import DomainError
from ..services import feedback as feedback_service
from ..services import follow_ups as follow_up_service
from . import bp
from .forms import UnsubscribeForm, follow_up_form, survey_form


def _int(value: str | None) -> int | None:
    return int(value) if value not in (None, "", "None") else None


def _apply(form: object, exc: DomainError) -> str | None:
    """Put the service's message next to its field; returns it when no field fits."""
    target = getattr(form, exc.field, None) if exc.field else None
    if target is None:
        return exc.message
    target.errors = [*target.errors, exc.message]
    return None


def _in_event_zone(event_timezone: str) -> None:
    g.event_timezone = event_timezone


@bp.route("/survey/<token>", methods=["GET", "POST"])
@limiter.limit(public_post_limit, methods=["POST"])
def survey(token: str) -> str | Response | tuple[str, int]:
    now = utcnow()
    view = feedback_service.load_survey(token, now)
    _in_event_zone(view.event.timezone)
    data = None
    if request.method == "GET":
        response = view.response
        data = {
            "overall_rating": str(response.overall_rating)
            if response and response.overall_rating
            else None,
            "nps": str(response.nps) if response and response.nps is not None else None,
            "recommendations_useful": str(response.recommendations_useful)
            if response and response.recommendations_useful
            else None,
            "improve": response.improve if response else "",
            "comment": response.comment if response else "",
            "quote_consent": str(response.quote_consent) if response else QuoteConsent.NONE.value,
        }
        for m in view.meetings:
            data[f"meeting_{m.meeting_id}"] = (
                None if m.valuable is None else ("yes" if m.valuable else "no")
            )
            data[f"connected_{m.meeting_id}"] = m.connected
    form = survey_form(view.meetings, data=data)
    if not view.is_open:
        status = 410 if request.method == "POST" else 200
        return render_template("followup/survey.html", view=view, form=form), status
    message = None
    if form.validate_on_submit():
        answers = feedback_service.SurveyAnswers(
            overall_rating=_int(form.overall_rating.data),
            nps=_int(form.nps.data),
            recommendations_useful=_int(form.recommendations_useful.data),
            improve=form.improve.data or "",
            comment=form.comment.data or "",
            quote_consent=QuoteConsent(form.quote_consent.data or QuoteConsent.NONE.value),
            meeting_votes={
                m.meeting_id: {"yes": True, "no": False}.get(
                    form[f"meeting_{m.meeting_id}"].data or ""
                )
                for m in view.meetings
            },
            connected_meetings=frozenset(
                m.meeting_id for m in view.meetings if form[f"connected_{m.meeting_id}"].data
            ),
        )
        try:
            feedback_service.submit_survey(token, answers, now)
        except DomainError as exc:
            message = _apply(form, exc)
        else:
            flash(
                _(
                    "Thank you! Your answers are saved. You can change them until the survey "
                    "closes."
                ),
                "success",
            )
            return redirect(url_for("followup.survey", token=token), code=303)
    status = 400 if request.method == "POST" and (form.errors or message) else 200
    return render_template("followup/survey.html", view=view, form=form, message=message), status


@bp.route("/follow-up/<token>", methods=["GET", "POST"])
@limiter.limit(public_post_limit, methods=["POST"])
def follow_up(token: str) -> str | Response | tuple[str, int]:
    now = utcnow()
    view = follow_up_service.load_follow_up(token)
    _in_event_zone(view.event.timezone)
    data = None
    if request.method == "GET":
        data = {"overall": sorted(view.overall), "comment": view.follow_up.comment}
        for p in view.partners:
            data[f"conn_{p.connection_id}"] = sorted(p.types)
            data[f"note_{p.connection_id}"] = p.note
    form = follow_up_form(view.partners, data=data)
    message = None
    if form.validate_on_submit():
        answer = follow_up_service.FollowUpAnswer(
            overall=frozenset(form.overall.data or []),
            comment=form.comment.data or "",
            connections=tuple(
                follow_up_service.ConnectionAnswer(
                    connection_id=p.connection_id,
                    types=frozenset(form[f"conn_{p.connection_id}"].data or []),
                    note=form[f"note_{p.connection_id}"].data or "",
                )
                for p in view.partners
            ),
        )
        try:
            follow_up_service.answer_follow_up(token, answer, now)
        except DomainError as exc:
            message = _apply(form, exc)
        else:
            flash(_("Thank you! We have saved your answers."), "success")
            return redirect(url_for("followup.follow_up", token=token), code=303)
    status = 400 if request.method == "POST" and (form.errors or message) else 200
    return render_template("followup/follow_up.html", view=view, form=form, message=message), status


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@limiter.limit(public_post_limit, methods=["POST"])
@csrf.exempt  # RFC 8058 one-click: the mail client POSTs without our CSRF token
def unsubscribe(token: str) -> str | Response:
    """GET shows a button (link scanners must not unsubscribe anyone); POST unsubscribes."""
    now = utcnow()
    if request.method == "POST":
        follow_up_service.unsubscribe(token, now)
        if request.form.get("List-Unsubscribe") == "One-Click":
            return Response(_("You are unsubscribed."), mimetype="text/plain")
        return redirect(url_for("followup.unsubscribe", token=token, done=1), code=303)
    owner = follow_up_service.resolve_link(token)
    return render_template(
        "followup/unsubscribe.html", owner=owner, form=UnsubscribeForm(), token=token
    )


@bp.route("/resubscribe/<token>", methods=["POST"])
@limiter.limit(public_post_limit)
def resubscribe(token: str) -> Response:
    follow_up_service.resubscribe(token, utcnow())
    flash(_("Welcome back: we will ask you about future events again."), "success")
    return redirect(url_for("followup.unsubscribe", token=token), code=303)
