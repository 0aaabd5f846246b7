"""Organizer home and organizer management."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from ..extensions import db
from ..models import Event, OrganizerAccount, utcnow
from ..services import DomainError
from ..services import api_tokens as api_token_service
from ..services.accounts import create_organizer, events_for
from ..services.stats import status_counts_by_event
from . import bp
from .access import require_admin
from .forms import ApiTokenForm, ConfirmForm, OrganizerForm


@bp.route("/")
def events() -> str:
    rows = db.session.scalars(events_for(current_user).order_by(Event.starts_at.desc())).all()
    counts = status_counts_by_event([e.id for e in rows])
    return render_template("admin/events.html", events=rows, counts=counts)


@bp.route("/organizers", methods=["GET", "POST"])
def organizers() -> str | Response:
    require_admin()
    form = OrganizerForm()
    if form.validate_on_submit():
        try:
            create_organizer(
                form.email.data or "",
                form.password.data or "",
                name=form.name.data or "",
                admin=bool(form.is_admin.data),
            )
        except DomainError as exc:
            getattr(form, exc.field or "email").errors.append(exc.message)
        else:
            flash(_("Organizer %(email)s created.", email=form.email.data), "success")
            return redirect(url_for("admin.organizers"))
    accounts = db.session.scalars(sa.select(OrganizerAccount).order_by(OrganizerAccount.email))
    status = 400 if form.errors else 200
    return render_template("admin/organizers.html", form=form, accounts=accounts), status


@bp.route("/tokens", methods=["GET", "POST"])
def api_tokens() -> str | Response | tuple[str, int]:
    """The organizer's personal API tokens; a new token's secret is shown once, here."""
    form = ApiTokenForm()
    secret = None
    if form.validate_on_submit():
        try:
            _token, secret = api_token_service.create_token(
                current_user.id, form.name.data or "", utcnow()
            )
        except DomainError as exc:
            form.name.errors.append(exc.message)
        else:
            form = ApiTokenForm(formdata=None)
    return render_template(
        "admin/tokens.html",
        form=form,
        secret=secret,
        tokens=api_token_service.tokens_of(current_user.id),
        confirm_form=ConfirmForm(),
    ), (400 if form.errors else 200)


@bp.route("/tokens/<int(max=2147483647):token_id>/revoke", methods=["POST"])
def api_token_revoke(token_id: int) -> Response:
    if ConfirmForm().validate_on_submit():
        api_token_service.revoke_token(token_id, current_user.id, utcnow())
        flash(_("Token revoked: it stops working at once."), "success")
    return redirect(url_for("admin.api_tokens"))
