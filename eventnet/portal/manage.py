"""The manage link ``/r/<token>``: view and edit the profile, confirm, cancel, ticket, calendar.

The token is the only credential: responses say ``Referrer-Policy: no-referrer`` (the link
must not leak to other sites through the Referer header), are never cached, and an unknown
or revoked token gets a friendly 404 that points to "lost your link?".
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.routing import BuildError
from werkzeug.wrappers import Response

from ..extensions import limiter
from ..i18n import current_language
from ..models import Registration, RegistrationStatus, utcnow
from ..public.forms import ConfirmForm, ProfileForm
from ..public.views import public_post_limit
from ..services import DomainError
from ..services.notifications import ROLE_LABELS
from ..services.registration import (
    RegistrationInput,
    ValidationFailed,
    cancel_registration,
    confirm_pending,
    registration_for_token,
    reissue_manage_link,
    update_profile,
)
from ..services.tickets import checkin_url, event_ics, qr_svg_data_uri
from ..services.waitlist import availability
from . import bp


@bp.after_request
def _no_referrer(response: Response) -> Response:
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Cache-Control"] = "no-store"
    return response


def _registration(token: str) -> Registration:
    reg = registration_for_token(token)
    if reg is None:
        abort(404)
    return reg


@bp.errorhandler(404)
def _not_found(_exc: Exception) -> Any:
    return render_template("portal/not_found.html"), 404


def _manage(token: str) -> Response:
    return redirect(url_for("portal.manage", token=token))


# Other portal pages (matching, agenda, connections) linked from the manage page when present.
AREA_LINKS = (
    ("portal.people_to_meet", _l("People to meet")),
    ("portal.agenda", _l("My meetings")),
    ("portal.connections", _l("My connections")),
)


def _area_links(reg: Registration, token: str) -> list[tuple[str, str]]:
    if reg.status != RegistrationStatus.CONFIRMED:
        return []
    links = []
    for endpoint, label in AREA_LINKS:
        try:
            links.append((url_for(endpoint, token=token), str(label)))
        except BuildError:
            continue
    return links


@bp.route("/<token>")
def manage(token: str) -> str:
    reg = _registration(token)
    now = utcnow()
    return render_template(
        "portal/manage.html",
        reg=reg,
        event=reg.event,
        token=token,
        form=ConfirmForm(),
        info=availability(reg.event, now),
        profile=RegistrationInput.from_registration(reg),
        area_links=_area_links(reg, token),
        role_label=ROLE_LABELS[reg.role],
        now=now,
    )


@bp.route("/<token>/confirm", methods=["GET", "POST"])
@limiter.limit(public_post_limit, methods=["POST"])
def confirm(token: str) -> Any:
    """Double opt-in. GET only shows a button: mail scanners follow links, people press."""
    reg = _registration(token)
    form = ConfirmForm()
    if reg.status != RegistrationStatus.PENDING:
        return _manage(token)
    if form.validate_on_submit():
        try:
            result = confirm_pending(token, utcnow())
        except DomainError as exc:
            flash(exc.message, "error")
            return _manage(token)
        if result.status == RegistrationStatus.CONFIRMED:
            flash(_("Thank you! Your place is confirmed. Your ticket is on its way."), "success")
        else:
            flash(
                _(
                    "The place we held for you has gone, so you are on the waiting list "
                    "(position %(n)s). We will e-mail you when a place frees up.",
                    n=result.waitlist_position,
                ),
                "warning",
            )
        return _manage(token)
    return render_template("portal/confirm.html", reg=reg, event=reg.event, form=form)


@bp.route("/<token>/edit", methods=["GET", "POST"])
@limiter.limit(public_post_limit, methods=["POST"])
def edit(token: str) -> Any:
    reg = _registration(token)
    if reg.status == RegistrationStatus.CANCELLED:
        return _manage(token)
    form = ProfileForm()
    form.setup(reg.event)
    if request.method == "GET":
        form.fill_from(RegistrationInput.from_registration(reg))
    elif form.validate_on_submit():
        data = form.to_input(email=reg.email, role=reg.role.value, locale=current_language())
        try:
            update_profile(reg.id, data, utcnow())
        except ValidationFailed as exc:
            form.apply_errors(exc.errors)
        else:
            flash(_("Your changes are saved."), "success")
            return _manage(token)
    return render_template(
        "portal/edit.html",
        reg=reg,
        event=reg.event,
        form=form,
        token=token,
        tag_groups=form.grouped_tags(reg.event),
    ), (400 if form.errors else 200)


@bp.route("/<token>/cancel", methods=["GET", "POST"])
@limiter.limit(public_post_limit, methods=["POST"])
def cancel(token: str) -> Any:
    reg = _registration(token)
    if reg.status == RegistrationStatus.CANCELLED:
        return _manage(token)
    form = ConfirmForm()
    if form.validate_on_submit():
        cancel_registration(reg.id, utcnow())
        flash(_("Your registration is cancelled. Thank you for letting us know."), "success")
        return _manage(token)
    return render_template("portal/cancel.html", reg=reg, event=reg.event, form=form, token=token)


@bp.route("/<token>/new-link", methods=["POST"])
@limiter.limit(public_post_limit)
def new_link(token: str) -> Any:
    """Revoke this link and mail a new one (e.g. when the link was shared by mistake)."""
    reg = _registration(token)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    reissue_manage_link(reg.id, utcnow())
    return render_template("portal/new_link_sent.html", event=reg.event, email=reg.email)


def _ticket_data(reg: Registration) -> dict[str, Any]:
    event = reg.event
    return {
        "name": reg.name,
        "organization": reg.organization.name if reg.organization else "",
        "role": reg.role.value,
        "ticket_code": reg.ticket_code,
        "qr": qr_svg_data_uri(checkin_url(event.slug, reg.ticket_code), scale=8),
        "event": {
            "title": event.localized("title", current_language()),
            "starts_at": event.starts_at,
            "ends_at": event.ends_at,
            "timezone": event.timezone,
            "venue": event.venue,
            "address": event.address,
        },
    }


@bp.route("/<token>/ticket")
def ticket(token: str) -> Any:
    reg = _registration(token)
    if reg.status != RegistrationStatus.CONFIRMED:
        flash(_("Your ticket is ready once your place is confirmed."), "warning")
        return _manage(token)
    return render_template("portal/ticket.html", ticket=_ticket_data(reg), reg=reg, token=token)


@bp.route("/<token>/ticket.pdf")
def ticket_pdf(token: str) -> Any:
    reg = _registration(token)
    if reg.status != RegistrationStatus.CONFIRMED:
        return _manage(token)
    from ..pdf import pdf_response, render_pdf

    data = _ticket_data(reg)
    pdf = render_pdf(
        "pdf/ticket.html",
        {"ticket": data},
        title=_("Ticket: %(title)s", title=data["event"]["title"]),
        lang=current_language(),
    )
    return pdf_response(pdf, f"ticket-{reg.event.slug}.pdf")


@bp.route("/<token>/event.ics")
def calendar(token: str) -> Any:
    reg = _registration(token)
    body = event_ics(reg.event, reg, stamp=utcnow(), locale=current_language())
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{reg.event.slug}.ics"'
    return response
