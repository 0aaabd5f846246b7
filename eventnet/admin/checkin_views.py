"""The check-in desk: type-ahead search, one-tap check-in and undo, live counts, QR tickets.

Every page works without JavaScript (search is a GET form, buttons are POST forms);
``static/js/checkin.js`` turns them into a type-ahead list that updates in place.
"""

from __future__ import annotations

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from ..models import Registration, utcnow
from ..services import DomainError, attendees, checkin
from ..web.safety import safe_next_url
from . import bp
from .access import load_event
from .forms import ConfirmForm, WalkInForm, role_choices
from .helpers import attach_errors, wants_json


def _desk_url(slug: str) -> str:
    return safe_next_url(request.form.get("next")) or url_for("admin.checkin_desk", slug=slug)


def _reg_json(reg: Registration) -> dict[str, object]:
    return {
        "id": reg.id,
        "name": reg.name,
        "status": reg.status.value,
        "role": reg.role.value,
        "ticket_code": reg.ticket_code,
        "checked_in_at": reg.checked_in_at.isoformat() if reg.checked_in_at else None,
    }


@bp.route("/events/<slug>/checkin")
def checkin_desk(slug: str) -> str:
    event = load_event(slug)
    q = request.args.get("q", "")
    hits = checkin.desk_search(event.id, q) if q.strip() else []
    walk_in = WalkInForm(prefix="walkin")
    walk_in.role.choices = role_choices()
    return render_template(
        "admin/checkin_desk.html",
        event=event,
        q=q,
        hits=hits,
        counts=checkin.desk_counts(event.id),
        confirm_form=ConfirmForm(),
        walk_in=walk_in,
    )


@bp.route("/events/<slug>/checkin/search")
def checkin_search(slug: str) -> Response:
    event = load_event(slug)
    hits = checkin.desk_search(event.id, request.args.get("q", ""))
    return jsonify({"results": [h.as_json() for h in hits]})


@bp.route("/events/<slug>/checkin/counts")
def checkin_counts(slug: str) -> Response:
    event = load_event(slug)
    return jsonify(checkin.counts_json(checkin.desk_counts(event.id)))


@bp.route(
    "/events/<slug>/attendees/<int(max=2147483647):registration_id>/checkin", methods=["POST"]
)
def checkin_do(slug: str, registration_id: int) -> Response | tuple[Response, int]:
    event = load_event(slug)
    if not ConfirmForm().validate_on_submit():
        return _fail(slug, _("Your session expired. Reload the page and try again."), 400)
    try:
        result = checkin.check_in(registration_id, current_user, utcnow(), event_id=event.id)
    except DomainError as exc:
        return _fail(slug, exc.message, exc.status_code)
    reg = result.registration
    if result.already:
        message = _(
            "%(name)s was already checked in at %(time)s.",
            name=reg.name,
            time=_time(reg.checked_in_at, event.timezone),
        )
    else:
        message = _("%(name)s is checked in.", name=reg.name)
    if wants_json():
        return jsonify(
            {
                "ok": True,
                "already": result.already,
                "message": message,
                "registration": _reg_json(reg),
                "counts": checkin.counts_json(checkin.desk_counts(event.id)),
            }
        )
    flash(message, "warning" if result.already else "success")
    return redirect(_desk_url(slug))


@bp.route(
    "/events/<slug>/attendees/<int(max=2147483647):registration_id>/undo-checkin", methods=["POST"]
)
def checkin_undo(slug: str, registration_id: int) -> Response | tuple[Response, int]:
    event = load_event(slug)
    if not ConfirmForm().validate_on_submit():
        return _fail(slug, _("Your session expired. Reload the page and try again."), 400)
    try:
        reg = checkin.undo_check_in(registration_id, current_user, utcnow(), event_id=event.id)
    except DomainError as exc:
        return _fail(slug, exc.message, exc.status_code)
    message = _("Check-in of %(name)s undone.", name=reg.name)
    if wants_json():
        return jsonify(
            {
                "ok": True,
                "message": message,
                "registration": _reg_json(reg),
                "counts": checkin.counts_json(checkin.desk_counts(event.id)),
            }
        )
    flash(message, "info")
    return redirect(_desk_url(slug))


def _fail(slug: str, message: str, status: int) -> Response | tuple[Response, int]:
    if wants_json():
        return jsonify({"ok": False, "message": message}), status
    flash(message, "error")
    return redirect(_desk_url(slug))


def _time(value: object, tz: str) -> str:
    from ..i18n import format_in_zone

    return format_in_zone(value, tz, "HH:mm")  # type: ignore[arg-type]


@bp.route("/events/<slug>/checkin/<ticket_code>")
def checkin_ticket(slug: str, ticket_code: str) -> str:
    """Where the QR code on a ticket leads: this person, with a big check-in button."""
    event = load_event(slug)
    reg = attendees.get_by_ticket(event.id, ticket_code)
    return render_template(
        "admin/checkin_ticket.html",
        event=event,
        reg=reg,
        confirm_form=ConfirmForm(),
        here=url_for("admin.checkin_ticket", slug=slug, ticket_code=reg.ticket_code),
    )


@bp.route("/events/<slug>/checkin/walk-in", methods=["POST"])
def checkin_walk_in(slug: str) -> str | Response | tuple[str, int]:
    """Register someone standing at the desk, and check them in when they got a place."""
    from .attendee_views import ADD_ALIASES, add_result_message, registration_input

    event = load_event(slug)
    form = WalkInForm(prefix="walkin")
    form.role.choices = role_choices()
    if form.validate_on_submit():
        now = utcnow()
        try:
            result = attendees.add_attendee(
                event.id,
                registration_input(form),
                actor=current_user,
                now=now,
                source="desk",
                notify=bool(form.send_email.data),
            )
        except DomainError as exc:
            existing = exc.details.get("registration_id")
            if existing:
                flash(exc.message, "warning")
                reg = attendees.get_registration(event.id, existing)
                return redirect(
                    url_for("admin.checkin_ticket", slug=slug, ticket_code=reg.ticket_code)
                )
            attach_errors(form, exc, default_field="email", aliases=ADD_ALIASES)
        else:
            name = form.name.data or ""
            checked = False
            if form.check_in_now.data and result.status.value in ("confirmed", "pending"):
                checkin.check_in(result.registration_id, current_user, now, event_id=event.id)
                checked = True
            message = (
                _("%(name)s is registered and checked in.", name=name)
                if checked
                else add_result_message(name, result)
            )
            flash(message, "success" if checked else "warning")
            return redirect(url_for("admin.checkin_desk", slug=slug))
    return render_template(
        "admin/checkin_desk.html",
        event=event,
        q="",
        hits=[],
        counts=checkin.desk_counts(event.id),
        confirm_form=ConfirmForm(),
        walk_in=form,
    ), 400
