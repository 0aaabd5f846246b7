"""Attendees: the list (search, filters, sorting, pages), a person's page, edits and exports."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Response, flash, redirect, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response as BaseResponse

from ..extensions import db
from ..i18n import current_language
from ..models import AttendeeRole, Interest, RegistrationStatus, TagKind, utcnow
from ..services import DomainError, attendees, exports, imports
from ..services.registration import RegistrationInput
from . import bp
from .access import load_event
from .forms import (
    AttendeeAddForm,
    AttendeeEditForm,
    ConfirmForm,
    ImportConfirmForm,
    ImportForm,
    NotesForm,
    PromoteForm,
    role_choices,
    select_choices,
)
from .helpers import attach_errors, form_status


def _query_and_interests(event_id: int) -> tuple[attendees.AttendeeQuery, list[Interest]]:
    query = attendees.AttendeeQuery.from_args(request.args)
    interests = list(
        db.session.scalars(
            sa.select(Interest).where(Interest.event_id == event_id).order_by(Interest.label)
        )
    )
    return query, interests


@bp.route("/events/<slug>/attendees", endpoint="attendees")
def attendees_list(slug: str) -> str:
    event = load_event(slug)
    query, interests = _query_and_interests(event.id)
    page = attendees.list_attendees(event.id, query)
    return render_template(
        "admin/attendees.html", event=event, page=page, query=query, interests=interests
    )


@bp.route("/events/<slug>/attendees.csv")
def attendees_csv(slug: str) -> Response:
    event = load_event(slug)
    query = attendees.AttendeeQuery.from_args(request.args)
    name = exports.export_filename(event, "csv", utcnow())
    return Response(
        stream_with_context(exports.to_csv(event, query)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.route("/events/<slug>/attendees.xlsx")
def attendees_xlsx(slug: str) -> Response:
    event = load_event(slug)
    query = attendees.AttendeeQuery.from_args(request.args)
    name = exports.export_filename(event, "xlsx", utcnow())
    return Response(
        exports.to_xlsx(event, query),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.route("/events/<slug>/attendees/<int(max=2147483647):registration_id>", methods=["GET", "POST"])
def attendee_detail(slug: str, registration_id: int) -> str | BaseResponse:
    event = load_event(slug)
    reg = attendees.get_registration(event.id, registration_id)
    notes_form = NotesForm(prefix="notes")
    if request.method == "GET":
        notes_form.notes.data = reg.organizer_notes
    if request.method == "POST" and notes_form.validate_on_submit():
        try:
            attendees.set_notes(
                event.id, reg.id, notes_form.notes.data or "", actor=current_user, now=utcnow()
            )
        except DomainError as exc:
            attach_errors(notes_form, exc, default_field="notes")
        else:
            flash(_("Notes saved."), "success")
            return redirect(url_for("admin.attendee_detail", slug=slug, registration_id=reg.id))
    return render_template(
        "admin/attendee_detail.html",
        event=event,
        reg=reg,
        tags=attendees.tags_by_kind(reg),
        history=attendees.history(reg),
        notes_form=notes_form,
        promote_form=PromoteForm(prefix="promote"),
        confirm_form=ConfirmForm(),
    ), form_status(notes_form)


@bp.route(
    "/events/<slug>/attendees/<int(max=2147483647):registration_id>/edit", methods=["GET", "POST"]
)
def attendee_edit(slug: str, registration_id: int) -> str | BaseResponse:
    event = load_event(slug)
    reg = attendees.get_registration(event.id, registration_id)
    form = AttendeeEditForm()
    choices = select_choices((i.id, i.label) for i in event.interests)
    for name in ("interests", "offers", "seeks"):
        getattr(form, name).choices = choices
    if request.method == "GET":
        for name in attendees.EDITABLE_FIELDS:
            getattr(form, name).data = getattr(reg, name)
        form.organization.data = reg.organization.name if reg.organization else ""
        form.country.data = reg.country or ""
        for name, kind in (
            ("interests", TagKind.INTEREST),
            ("offers", TagKind.OFFER),
            ("seeks", TagKind.SEEK),
        ):
            getattr(form, name).data = [t.interest_id for t in reg.tags if t.kind == kind]
    if form.validate_on_submit():
        values = {name: getattr(form, name).data for name in attendees.EDITABLE_FIELDS}
        for name, value in values.items():
            if value is None and name != "graduation_year":
                values[name] = ""  # a field missing from the post means empty, not NULL
        try:
            attendees.update_registration(
                event.id,
                reg.id,
                values,
                organization=form.organization.data or "",
                tags={
                    TagKind.INTEREST: list(form.interests.data or []),
                    TagKind.OFFER: list(form.offers.data or []),
                    TagKind.SEEK: list(form.seeks.data or []),
                },
                actor=current_user,
                now=utcnow(),
            )
        except DomainError as exc:
            attach_errors(form, exc, default_field="name")
        else:
            flash(_("Changes saved."), "success")
            return redirect(url_for("admin.attendee_detail", slug=slug, registration_id=reg.id))
    return render_template(
        "admin/attendee_edit.html", event=event, reg=reg, form=form
    ), form_status(form)


def registration_input(form: AttendeeAddForm) -> RegistrationInput:
    """The add/walk-in form as the registration service's input."""
    role = form.role.data or ""
    position = (form.position.data or "").strip()
    student = role == AttendeeRole.STUDENT.value
    return RegistrationInput(
        name=form.name.data or "",
        email=form.email.data or "",
        role=role,
        organization=form.organization.data or "",
        job_title="" if student else position,
        degree_programme=position if student else "",
        consent_privacy=bool(form.consent_privacy.data),
        locale=current_language(),
    )


ADD_ALIASES = {"job_title": "position", "degree_programme": "position", "": "email"}


def add_result_message(name: str, result: attendees.AddResult) -> str:
    if result.status == RegistrationStatus.WAITLISTED:
        return _(
            "%(name)s is registered but this role is full: they are number %(n)d on the "
            "waiting list.",
            name=name,
            n=result.waitlist_position or 0,
        )
    if result.status == RegistrationStatus.PENDING:
        return _("%(name)s is registered; their place is held until they confirm.", name=name)
    return _("%(name)s is registered with a confirmed place.", name=name)


@bp.route("/events/<slug>/attendees/new", methods=["GET", "POST"])
def attendee_add(slug: str) -> str | BaseResponse:
    event = load_event(slug)
    form = AttendeeAddForm()
    form.role.choices = role_choices()
    if form.validate_on_submit():
        try:
            result = attendees.add_attendee(
                event.id,
                registration_input(form),
                actor=current_user,
                now=utcnow(),
                notify=bool(form.send_email.data),
            )
        except DomainError as exc:
            attach_errors(form, exc, default_field="email", aliases=ADD_ALIASES)
        else:
            level = "warning" if result.status == RegistrationStatus.WAITLISTED else "success"
            flash(add_result_message(form.name.data or "", result), level)
            return redirect(
                url_for("admin.attendee_detail", slug=slug, registration_id=result.registration_id)
            )
    return render_template("admin/attendee_add.html", event=event, form=form), form_status(form)


@bp.route(
    "/events/<slug>/attendees/<int(max=2147483647):registration_id>/promote", methods=["POST"]
)
def attendee_promote(slug: str, registration_id: int) -> BaseResponse:
    event = load_event(slug)
    form = PromoteForm(prefix="promote")
    if form.validate_on_submit():
        try:
            reg = attendees.promote_by_hand(
                event.id,
                registration_id,
                actor=current_user,
                now=utcnow(),
                over_quota=bool(form.over_quota.data),
            )
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            flash(
                _("%(name)s now has a confirmed place and gets an e-mail.", name=reg.name),
                "success",
            )
    return redirect(url_for("admin.attendee_detail", slug=slug, registration_id=registration_id))


@bp.route("/events/<slug>/attendees/<int(max=2147483647):registration_id>/cancel", methods=["POST"])
def attendee_cancel(slug: str, registration_id: int) -> BaseResponse:
    event = load_event(slug)
    if ConfirmForm().validate_on_submit():
        promoted = attendees.cancel_by_organizer(
            event.id, registration_id, actor=current_user, now=utcnow()
        )
        flash(_("Registration cancelled."), "success")
        if promoted:
            flash(
                _("%(n)d people moved up from the waiting list.", n=len(promoted)),
                "info",
            )
    return redirect(url_for("admin.attendee_detail", slug=slug, registration_id=registration_id))


@bp.route("/events/<slug>/attendees/import", methods=["GET", "POST"])
def attendees_import(slug: str) -> str | BaseResponse:
    """Step 1: upload; step 2 (same URL, POST): the preview with every row's problems."""
    event = load_event(slug)
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            rows = imports.read_table(upload.filename or "", upload.read())
            checked = imports.preview(event, rows, utcnow())
            payload = imports.pack(event.id, checked.rows) if checked.ok else ""
        except DomainError as exc:
            attach_errors(form, exc, default_field="file")
        else:
            confirm = ImportConfirmForm(
                payload=payload, send_email="1" if form.send_email.data else ""
            )
            return render_template(
                "admin/attendees_import_preview.html",
                event=event,
                preview=checked,
                confirm=confirm,
                filename=upload.filename,
                send_email=bool(form.send_email.data),
            ), (200 if checked.ok else 422)
    return render_template(
        "admin/attendees_import.html", event=event, form=form, max_rows=imports.MAX_ROWS
    ), form_status(form)


@bp.route("/events/<slug>/attendees/import/confirm", methods=["POST"])
def attendees_import_confirm(slug: str) -> BaseResponse:
    event = load_event(slug)
    form = ImportConfirmForm()
    if not form.validate_on_submit():
        flash(_("Your session expired. Please upload the file again."), "error")
        return redirect(url_for("admin.attendees_import", slug=slug))
    try:
        rows = imports.unpack(event.id, form.payload.data or "")
        result = imports.run_import(
            event.id,
            rows,
            actor=current_user,
            now=utcnow(),
            notify=form.send_email.data == "1",
        )
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("admin.attendees_import", slug=slug))
    flash(
        _(
            "%(n)d people imported: %(confirmed)d confirmed, %(pending)d pending, "
            "%(waitlisted)d on the waiting list.",
            n=result.imported,
            confirmed=result.confirmed,
            pending=result.pending,
            waitlisted=result.waitlisted,
        ),
        "success",
    )
    return redirect(url_for("admin.attendees", slug=slug, sort="created", dir="desc"))


@bp.route("/events/<slug>/attendees/import-template.csv")
def attendees_import_template(slug: str) -> Response:
    load_event(slug)
    return Response(
        "\ufeff" + imports.template_csv(),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="eventnet-import-template.csv"'},
    )
