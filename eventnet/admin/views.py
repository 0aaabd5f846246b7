"""Organizer home and organizer management."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from ..extensions import db
from ..models import Event, OrganizerAccount
from ..services import DomainError
from ..services.accounts import create_organizer, events_for
from ..services.stats import status_counts_by_event
from . import bp
from .access import require_admin
from .forms import OrganizerForm


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
