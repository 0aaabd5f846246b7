"""Attendee portal: the people I connected with (``/r/<token>/connections``).

Confirm people from your meetings or found by name among attendees who show their profile;
a connection counts once both confirm. Contact cards (vCard) of confirmed connections can be
downloaded when both agreed to show their profile. Views resolve the manage token, call one
service of `eventnet.services.connections`, and redirect back (post/redirect/get).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.routing import BuildError
from werkzeug.wrappers import Response
from wtforms import SearchField
from wtforms.validators import Length, Optional

from ..extensions import limiter
from ..i18n import format_in_zone
from ..models import Registration, utcnow
from ..pdf import file_response
from ..services import DomainError
from ..services import connections as svc
from . import bp


class SearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = SearchField(
        _l("Name, organization or title"),
        validators=[Optional(), Length(max=svc.QUERY_MAX)],
        render_kw={"autocomplete": "off", "maxlength": svc.QUERY_MAX},
    )


class ConnectForm(FlaskForm):
    """A confirm or withdraw button: only the CSRF token."""


def _registration(token: str) -> Registration:
    from ..services.registration import registration_for_token

    reg = registration_for_token(token)
    if reg is None:
        abort(404)
    return reg


def _manage_url(token: str) -> str:
    try:
        return url_for("portal.manage", token=token)
    except BuildError:  # pragma: no cover - before the manage page exists
        return f"{request.script_root}/r/{token}"


@bp.route("/<token>/connections")
def connections(token: str) -> str | tuple[str, int]:
    reg = _registration(token)
    now = utcnow()
    form = SearchForm(request.args)
    query = (form.q.data or "").strip() if form.validate() else ""
    page = svc.connections_page(reg, now)
    results = svc.search_attendees(reg, query) if query and page.can_connect else []
    return render_template(
        "portal/connections.html",
        token=token,
        reg=reg,
        event=reg.event,
        page=page,
        form=form,
        query=query,
        results=results,
        action_form=ConnectForm(),
        manage_url=_manage_url(token),
    ), (400 if form.errors else 200)


@bp.route("/<token>/connections/<int:other_id>/<any(confirm, withdraw):action>", methods=["POST"])
@limiter.limit("120 per hour", methods=["POST"])
def connection_action(token: str, other_id: int, action: str) -> Response:
    reg = _registration(token)
    if not ConnectForm().validate_on_submit():
        abort(400)
    try:
        state = svc.set_connection(reg, other_id, action == "confirm", utcnow())
    except DomainError as exc:
        if exc.status_code == 404:
            raise
        flash(exc.message, "error")
    else:
        if action == "withdraw":
            flash(_("Removed from your connections."), "success")
        elif state.confirmed:
            flash(_("Connected! You both confirmed."), "success")
        else:
            flash(_("Confirmed. It counts once they confirm too."), "success")
    query = request.form.get("q", "").strip()[: svc.QUERY_MAX]
    target = url_for("portal.connections", token=token, q=query or None)
    return redirect(target, code=303)


@bp.route("/<token>/connections.vcf")
def connections_vcard(token: str) -> Response:
    reg = _registration(token)
    event = reg.event
    text = svc.export_vcards(reg, format_in_zone(event.starts_at, event.timezone, "d MMMM y"))
    return file_response(
        text.encode("utf-8"), f"{event.slug}-connections.vcf", "text/vcard; charset=utf-8"
    )
