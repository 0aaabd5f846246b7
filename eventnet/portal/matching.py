"""Attendee portal: people to meet, meeting requests, bookmarks, my agenda (``/r/<token>/...``).

Each view resolves the manage token to a registration, parses its form, calls one service of
`eventnet.services.meetings` and redirects back (post/redirect/get). Only participants
(confirmed, consented to show a profile) see others or are seen by them.
"""

from __future__ import annotations

import re

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.routing import BuildError
from werkzeug.wrappers import Response
from wtforms import SelectMultipleField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length
from wtforms.widgets import CheckboxInput, ListWidget

from ..extensions import limiter
from ..models import MeetingSlot, Registration, utcnow
from ..services import DomainError
from ..services import meetings as svc
from ..services.matching_messages import explanation
from . import bp

NOTE_MAX = svc.NOTE_MAX
_ANCHOR = re.compile(r"#[a-z]+-\d+")


class RequestForm(FlaskForm):
    note = TextAreaField(
        _l("A short note (optional)"),
        validators=[Length(max=NOTE_MAX)],
        render_kw={"maxlength": NOTE_MAX, "rows": 4},
    )


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""


class AvailabilityForm(FlaskForm):
    unavailable = SelectMultipleField(
        _l("Slots in which you cannot meet anyone"),
        coerce=int,
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
        validate_choice=True,
    )


def _registration(token: str) -> Registration:
    from ..services.registration import registration_for_token

    reg = registration_for_token(token)
    if reg is None:
        abort(404)
    return reg


def manage_href(token: str) -> str:
    """The registration's main portal page (built by the registration views)."""
    try:
        return url_for("portal.manage", token=token)
    except BuildError:  # pragma: no cover - only before the manage page exists
        return f"{request.script_root}/r/{token}"


def _back(token: str, default: str) -> Response:
    target = request.form.get("next", "")
    allowed = {
        "people": url_for("portal.people_to_meet", token=token),
        "agenda": url_for("portal.agenda", token=token),
    }
    anchor = request.form.get("anchor", "")
    if not _ANCHOR.fullmatch(anchor):
        anchor = ""
    return redirect(allowed.get(target, allowed[default]) + anchor)


def _flash_error(exc: DomainError) -> None:
    flash(exc.message, "error")


@bp.route("/<token>/people")
def people_to_meet(token: str) -> str:
    reg = _registration(token)
    view = svc.portal_matching(reg.id, utcnow(), explanation)
    return render_template(
        "portal/matching.html",
        token=token,
        reg=reg,
        event=reg.event,
        view=view,
        action_form=ActionForm(),
        manage_url=manage_href(token),
        status_label=svc.request_status_label,
    )


@bp.route("/<token>/people/<int:partner_id>/request", methods=["GET", "POST"])
@limiter.limit("30 per hour", methods=["POST"])
def request_meeting(token: str, partner_id: int) -> str | Response | tuple[str, int]:
    reg = _registration(token)
    card = svc.partner_card(reg.id, partner_id)
    form = RequestForm()
    if form.validate_on_submit():
        try:
            svc.request_meeting(reg.id, partner_id, form.note.data or "", utcnow())
        except DomainError as exc:
            if exc.field == "note":
                form.note.errors = [*form.note.errors, exc.message]
            else:
                form.form_errors.append(exc.message)
        else:
            flash(_("Your request was sent to %(name)s.", name=card.name), "success")
            return redirect(url_for("portal.people_to_meet", token=token))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "portal/matching_request.html",
        token=token,
        reg=reg,
        event=reg.event,
        card=card,
        form=form,
        manage_url=manage_href(token),
    ), status


@bp.route(
    "/<token>/requests/<int:request_id>/<any(accept, decline, cancel):action>", methods=["POST"]
)
def answer_request(token: str, request_id: int, action: str) -> Response:
    reg = _registration(token)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        if action == "cancel":
            svc.cancel_request(request_id, reg.id, utcnow())
            flash(_("Your request was withdrawn."), "success")
        else:
            svc.respond_to_request(request_id, reg.id, action == "accept", utcnow())
            if action == "accept":
                flash(_("You accepted the meeting. It will appear in your agenda."), "success")
            else:
                flash(_("You declined the request."), "success")
    except DomainError as exc:
        if exc.status_code == 404:
            raise
        _flash_error(exc)
    return _back(token, "people")


@bp.route("/<token>/people/<int:partner_id>/bookmark", methods=["POST"])
def bookmark(token: str, partner_id: int) -> Response:
    reg = _registration(token)
    if not ActionForm().validate_on_submit():
        abort(400)
    saved = svc.toggle_bookmark(reg.id, partner_id, utcnow())
    flash(_("Saved to your list.") if saved else _("Removed from your list."), "success")
    return _back(token, "people")


def _availability_form(reg: Registration, slots: list[MeetingSlot]) -> AvailabilityForm:
    from ..i18n import format_in_zone

    form = AvailabilityForm()
    form.unavailable.choices = [
        SelectChoice(
            s.id,
            format_in_zone(s.starts_at, reg.event.timezone, "HH:mm")
            + "–"
            + format_in_zone(s.ends_at, reg.event.timezone, "HH:mm"),
        )
        for s in slots
    ]
    return form


def _slots(reg: Registration) -> list[MeetingSlot]:
    return list(reg.event.slots)


@bp.route("/<token>/agenda", methods=["GET"])
def agenda(token: str) -> str:
    reg = _registration(token)
    slots = _slots(reg)
    form = _availability_form(reg, slots)
    form.unavailable.data = sorted(svc.unavailable_slots(reg.id))
    return _render_agenda(token, reg, slots, form)


def _render_agenda(
    token: str, reg: Registration, slots: list[MeetingSlot], form: AvailabilityForm
) -> str:
    now = utcnow()
    event = reg.event
    return render_template(
        "portal/agenda.html",
        token=token,
        reg=reg,
        event=event,
        agenda=svc.agenda_for(reg.id),
        published=event.schedule_published_at is not None,
        participant=svc.is_participant(reg),
        slots=slots,
        form=form,
        action_form=ActionForm(),
        now=now,
        can_change_availability=bool(slots) and now < event.starts_at,
        manage_url=manage_href(token),
    )


@bp.route("/<token>/agenda/availability", methods=["POST"])
def availability(token: str) -> Response | tuple[str, int]:
    reg = _registration(token)
    slots = _slots(reg)
    form = _availability_form(reg, slots)
    if form.validate_on_submit():
        try:
            svc.set_availability(reg.id, form.unavailable.data or [], utcnow())
        except DomainError as exc:
            form.unavailable.errors = [*form.unavailable.errors, exc.message]
        else:
            flash(_("Your availability was saved."), "success")
            return redirect(url_for("portal.agenda", token=token))
    return _render_agenda(token, reg, slots, form), 400


@bp.route("/<token>/meetings/<int:meeting_id>/<any(held, no_show):status>", methods=["POST"])
def mark(token: str, meeting_id: int, status: str) -> Response:
    reg = _registration(token)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        svc.mark_meeting(meeting_id, status, utcnow(), by_registration_id=reg.id)
    except DomainError as exc:
        if exc.status_code == 404:
            raise
        _flash_error(exc)
    else:
        flash(_("Thank you, noted."), "success")
    return _back(token, "agenda")


@bp.route("/<token>/agenda.pdf")
def agenda_pdf(token: str) -> Response:
    from ..i18n import current_language
    from ..pdf import pdf_response, render_pdf

    reg = _registration(token)
    context = svc.agenda_pdf_context(reg.event, [svc.agenda_for(reg.id)])
    pdf = render_pdf(
        "pdf/agenda.html",
        context,
        title=_("Agenda: %(name)s", name=reg.name),
        lang=current_language(),
    )
    return pdf_response(pdf, f"agenda-{reg.event.slug}.pdf")
