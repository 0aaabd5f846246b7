"""Privacy for organizers: erase one person, see and set the event's retention period.

Erasing anonymizes the person everywhere (`eventnet.services.privacy.erase_person`); it is
for requests that reach the organizers by other channels (phone, e-mail). The retention
page shows when the event's personal data will be anonymized by ``eventnet tick`` and lets
the organizers shorten or lengthen that period, or anonymize at once after the event.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange

from ..extensions import db
from ..models import Registration, utcnow
from ..services import DomainError, privacy
from . import bp
from .access import load_event


class EraseForm(FlaskForm):
    """A button (CSRF) only."""


class RetentionForm(FlaskForm):
    retention_months = IntegerField(
        _l("Keep personal data for this many months after the event"),
        [
            InputRequired(_l("Please enter a number of months.")),
            NumberRange(0, privacy.MAX_RETENTION_MONTHS, _l("Please enter 0 to 120 months.")),
        ],
    )


def _registration(event_id: int, registration_id: int) -> Registration:
    """The registration, only when it belongs to this event (an id alone grants nothing)."""
    reg = db.session.get(Registration, registration_id)
    if reg is None or reg.event_id != event_id:
        abort(404)
    return reg


@bp.route(
    "/events/<slug>/attendees/<int(max=2147483647):registration_id>/erase",
    methods=["GET", "POST"],
)
def attendee_erase(slug: str, registration_id: int) -> Any:
    event = load_event(slug)
    reg = _registration(event.id, registration_id)
    if privacy.is_anonymized(reg):
        flash(_("This person's data is already erased."), "info")
        return redirect(url_for("admin.attendees", slug=slug))
    form = EraseForm()
    if form.validate_on_submit():
        privacy.erase_person(reg.person_id, utcnow(), actor=current_user.id)
        flash(_("The person's personal data is erased."), "success")
        return redirect(url_for("admin.attendees", slug=slug))
    others = [r for r in reg.person.registrations if r.id != reg.id]
    return render_template(
        "admin/privacy_erase.html", event=event, reg=reg, form=form, other_count=len(others)
    ), (400 if form.errors else 200)


@bp.route("/events/<slug>/privacy", methods=["GET", "POST"])
def event_privacy(slug: str) -> Any:
    event = load_event(slug)
    form = RetentionForm(prefix="retention")
    now_form = EraseForm(prefix="purge")
    now = utcnow()
    if form.validate_on_submit():
        try:
            privacy.set_retention(
                event.id, int(form.retention_months.data or 0), now, actor=current_user.id
            )
        except DomainError as exc:
            form.retention_months.errors = [*form.retention_months.errors, exc.message]
        else:
            flash(_("Retention period saved."), "success")
            return redirect(url_for("admin.event_privacy", slug=slug))
    if not form.is_submitted():
        form.retention_months.data = event.retention_months
    return render_template(
        "admin/privacy_event.html",
        event=event,
        form=form,
        now_form=now_form,
        purge_at=privacy.purge_due_at(event.ends_at, event.retention_months),
        ended=event.ends_at <= now,
    ), (400 if form.errors else 200)


@bp.route("/events/<slug>/privacy/anonymize", methods=["POST"])
def event_anonymize(slug: str) -> Any:
    event = load_event(slug)
    form = EraseForm(prefix="purge")
    now = utcnow()
    if not form.validate_on_submit():
        abort(400)
    if event.ends_at > now:
        flash(_("Personal data can be anonymized once the event is over."), "error")
    elif event.personal_data_purged_at is None:
        count = privacy.purge_event(event.id, now)
        flash(_("Personal data of %(n)d registrations is anonymized.", n=count), "success")
    return redirect(url_for("admin.event_privacy", slug=slug))
