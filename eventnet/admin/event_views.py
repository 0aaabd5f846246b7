"""Events: create, overview, settings, status, clone, taxonomy, meeting setup, organizers."""

from __future__ import annotations

from datetime import datetime

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from ..i18n import LANGUAGE_NAMES
from ..models import AttendeeRole, Event, utcnow
from ..services import DomainError, event_admin, meeting_setup, taxonomy
from ..services import audit as audit_service
from ..services.attendees import role_counts
from ..services.checkin import desk_counts
from ..web.filters import render_markdown
from . import bp
from .access import load_event
from .forms import (
    CloneForm,
    ConfirmForm,
    CoOrganizerForm,
    EventForm,
    MergeForm,
    RenameForm,
    SlotSeriesForm,
    StatusForm,
    TablesForm,
    TagForm,
    event_form_class,
    select_choices,
)
from .helpers import attach_errors, form_status, has_endpoint

ROLES = (AttendeeRole.STUDENT, AttendeeRole.STAFF, AttendeeRole.EMPLOYER)


@bp.context_processor
def _admin_template_helpers() -> dict[str, object]:
    return {"has_endpoint": has_endpoint}


def _languages() -> list[str]:
    return list(current_app.config.get("LANGUAGES", ["en"]))


def _event_form(**kwargs: object) -> EventForm:
    names = {code: LANGUAGE_NAMES.get(code, code) for code in _languages()}
    form = event_form_class(names)(**kwargs)
    form.timezone.choices = select_choices((tz, tz) for tz in event_admin.timezone_names())
    form.default_locale.choices = select_choices(
        (code, LANGUAGE_NAMES.get(code, code)) for code in _languages()
    )
    return form


def _main_language(form: EventForm) -> str:
    chosen = form.default_locale.data
    return chosen if chosen in _languages() else str(current_app.config["BABEL_DEFAULT_LOCALE"])


def _translations_from_form(form: EventForm) -> dict[str, dict[str, str]]:
    main = _main_language(form)
    result: dict[str, dict[str, str]] = {}
    for lang in _languages():
        if lang == main:
            continue
        texts = {
            name: (getattr(form, f"{name}_{lang}").data or "").strip()
            for name in event_admin.TRANSLATED_FIELDS
        }
        texts = {k: v for k, v in texts.items() if v}
        if texts:
            result[lang] = texts
    return result


def _data_from_form(form: EventForm) -> event_admin.EventData:
    tz = form.timezone.data or "UTC"

    def utc(value: datetime | None) -> datetime | None:
        return event_admin.local_to_utc(value, tz)

    return event_admin.EventData(
        slug=(form.slug.data or "").strip().lower(),
        title=(form.title.data or "").strip(),
        summary=(form.summary.data or "").strip(),
        description=form.description.data or "",
        agenda=form.agenda.data or "",
        timezone=tz,
        starts_at=utc(form.starts_at.data),  # type: ignore[arg-type]
        ends_at=utc(form.ends_at.data),  # type: ignore[arg-type]
        venue=(form.venue.data or "").strip(),
        address=(form.address.data or "").strip(),
        capacity=form.capacity.data or 0,
        quotas={role.value: getattr(form, f"quota_{role.value}").data or 0 for role in ROLES},
        registration_opens_at=utc(form.registration_opens_at.data),
        registration_closes_at=utc(form.registration_closes_at.data),
        double_opt_in=bool(form.double_opt_in.data),
        pending_hold_minutes=form.pending_hold_minutes.data or 60 * 24,
        default_locale=_main_language(form),
        translations=_translations_from_form(form),
    )


def _fill_form(form: EventForm, event: Event) -> None:
    tz = event.timezone
    for name in ("title", "slug", "summary", "description", "agenda", "timezone", "venue"):
        getattr(form, name).data = getattr(event, name)
    form.address.data = event.address
    form.capacity.data = event.capacity
    form.double_opt_in.data = event.double_opt_in
    form.pending_hold_minutes.data = event.pending_hold_minutes
    for name in ("starts_at", "ends_at", "registration_opens_at", "registration_closes_at"):
        getattr(form, name).data = event_admin.utc_to_local(getattr(event, name), tz)
    for role in ROLES:
        quota = event.quota_for(role)
        getattr(form, f"quota_{role.value}").data = quota.capacity if quota else 0
    form.interests.data = "\n".join(i.label for i in event.interests)
    form.default_locale.data = event.default_locale
    for lang, texts in (event.translations or {}).items():
        for name in event_admin.TRANSLATED_FIELDS:
            field = getattr(form, f"{name}_{lang}", None)
            if field is not None:
                field.data = (texts or {}).get(name, "")


def _labels(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


@bp.route("/events/new", methods=["GET", "POST"])
def event_new() -> str | Response:
    form = _event_form()
    if request.method == "GET":
        form.timezone.data = "Europe/Helsinki"
        form.default_locale.data = current_app.config.get("BABEL_DEFAULT_LOCALE", "en")
    preview = "preview" in request.form
    if not preview and form.validate_on_submit():
        try:
            event = event_admin.create_event(
                _data_from_form(form),
                actor=current_user,
                now=utcnow(),
                interests=_labels(form.interests.data),
            )
        except DomainError as exc:
            attach_errors(form, exc, default_field="title")
        else:
            flash(_("Event created as a draft. Publish it when it is ready."), "success")
            return redirect(url_for("admin.event_overview", slug=event.slug))
    return render_template(
        "admin/event_form.html", form=form, event=None, preview=preview, languages=_languages()
    ), form_status(form)


@bp.route("/events/<slug>/")
def event_overview(slug: str) -> str:
    event = load_event(slug)
    counts = role_counts(event.id)
    arrivals = {c.role: c for c in desk_counts(event.id)}
    return render_template(
        "admin/event_overview.html",
        event=event,
        counts=counts,
        arrivals=arrivals,
        roles=ROLES,
        transitions=[
            t
            for t in event_admin.allowed_transitions(event)
            if t != "unpublish" or not any(counts[r][s] for r in counts for s in counts[r])
        ],
        status_form=StatusForm(),
        recent=audit_service.list_entries(event.id, per_page=8)[0],
    )


@bp.route("/events/<slug>/edit", methods=["GET", "POST"])
def event_edit(slug: str) -> str | Response:
    event = load_event(slug)
    form = _event_form()
    if request.method == "GET":
        _fill_form(form, event)
    preview = "preview" in request.form
    if not preview and form.validate_on_submit():
        data = _data_from_form(form)
        changes = {name: getattr(data, name) for name in (*event_admin.EVENT_FIELDS, "quotas")}
        changes.pop("accent_color", None)
        try:
            result = event_admin.update_event(event.id, changes, actor=current_user, now=utcnow())
        except DomainError as exc:
            attach_errors(form, exc, default_field="title")
        else:
            flash(_("Changes saved."), "success")
            if result.promoted:
                flash(
                    _(
                        "%(n)d people moved from the waiting list to confirmed places.",
                        n=result.promoted,
                    ),
                    "info",
                )
            if result.capacity_full:
                flash(
                    _(
                        "People are waiting, but the event's capacity is full: raise the "
                        "capacity too to give them places."
                    ),
                    "warning",
                )
            return redirect(url_for("admin.event_overview", slug=result.event.slug))
    return render_template(
        "admin/event_form.html", form=form, event=event, preview=preview, languages=_languages()
    ), form_status(form)


@bp.route("/events/<slug>/status", methods=["POST"])
def event_status(slug: str) -> Response:
    event = load_event(slug)
    form = StatusForm()
    if not form.validate_on_submit():
        flash(_("Your session expired. Please try again."), "error")
        return redirect(url_for("admin.event_overview", slug=slug))
    try:
        event_admin.change_status(event.id, form.action.data, actor=current_user, now=utcnow())
    except DomainError as exc:
        messages = getattr(exc, "errors", None) or {"": exc.message}
        for message in messages.values():
            flash(message, "error")
    else:
        flash(
            {
                "publish": _("The event is published: registration is open."),
                "close": _("Registration is closed. The event stays visible."),
                "archive": _("The event is archived."),
                "unarchive": _("The event is back, with registration closed."),
                "unpublish": _("The event is a draft again."),
            }.get(form.action.data, _("Done.")),
            "success",
        )
    return redirect(url_for("admin.event_overview", slug=slug))


@bp.route("/events/<slug>/clone", methods=["GET", "POST"])
def event_clone(slug: str) -> str | Response:
    event = load_event(slug)
    form = CloneForm()
    if request.method == "GET":
        new_slug, title, start = event_admin.suggest_clone(event)
        form.slug.data, form.title.data = new_slug, title
        form.starts_at.data = event_admin.utc_to_local(start, event.timezone)
    if form.validate_on_submit():
        try:
            clone = event_admin.clone_event(
                event.id,
                slug=(form.slug.data or "").strip().lower(),
                title=(form.title.data or "").strip(),
                starts_at=event_admin.local_to_utc(form.starts_at.data, event.timezone),  # type: ignore[arg-type]
                actor=current_user,
                now=utcnow(),
            )
        except DomainError as exc:
            attach_errors(form, exc, default_field="starts_at")
            if "ends_at" in getattr(exc, "errors", {}):
                form.starts_at.errors.append(exc.errors["ends_at"])  # type: ignore[attr-defined]
        else:
            flash(_("Copied. The copy is a draft; check its dates before publishing."), "success")
            return redirect(url_for("admin.event_overview", slug=clone.slug))
    return render_template("admin/event_clone.html", form=form, event=event), form_status(form)


@bp.route("/markdown-preview", methods=["POST"])
def markdown_preview() -> Response:
    """Sanitized HTML for the live preview of a Markdown field (CSRF-protected POST)."""
    text = request.form.get("text", "")[:20000]
    return jsonify({"html": str(render_markdown(text))})


# -- taxonomy ---------------------------------------------------------------------------


@bp.route("/events/<slug>/taxonomy", methods=["GET", "POST"])
def event_taxonomy(slug: str) -> str | Response:
    event = load_event(slug)
    add_form = TagForm(prefix="add")
    usage = taxonomy.taxonomy_with_usage(event.id)
    merge_form = MergeForm(prefix="merge")
    choices = select_choices((u.interest.id, u.interest.label) for u in usage)
    merge_form.sources.choices = choices
    merge_form.target.choices = choices
    if request.method == "POST" and "add-label" in request.form and add_form.validate():
        try:
            taxonomy.add_tag(
                event.id,
                add_form.label.data or "",
                category=add_form.category.data or "",
                actor=current_user,
                now=utcnow(),
            )
        except DomainError as exc:
            attach_errors(add_form, exc, default_field="label")
        else:
            flash(_("Tag “%(label)s” added.", label=add_form.label.data), "success")
            return redirect(url_for("admin.event_taxonomy", slug=slug))
    elif request.method == "POST" and "merge-target" in request.form and merge_form.validate():
        try:
            moved = taxonomy.merge_tags(
                event.id,
                list(merge_form.sources.data or []),
                merge_form.target.data,
                actor=current_user,
                now=utcnow(),
            )
        except DomainError as exc:
            attach_errors(merge_form, exc, default_field="sources")
        else:
            flash(_("Tags merged; %(n)d choices moved to the kept tag.", n=moved), "success")
            return redirect(url_for("admin.event_taxonomy", slug=slug))
    status = form_status(add_form) if "add-label" in request.form else form_status(merge_form)
    return render_template(
        "admin/event_taxonomy.html",
        event=event,
        usage=usage,
        add_form=add_form,
        merge_form=merge_form,
        confirm_form=ConfirmForm(),
    ), status


@bp.route("/events/<slug>/taxonomy/<int(max=2147483647):interest_id>", methods=["GET", "POST"])
def event_tag_edit(slug: str, interest_id: int) -> str | Response:
    event = load_event(slug)
    interest = next((i for i in event.interests if i.id == interest_id), None)
    if interest is None:
        abort(404)
    form = RenameForm()
    if request.method == "GET":
        form.label.data, form.category.data = interest.label, interest.category
    if form.validate_on_submit():
        try:
            taxonomy.rename_tag(
                event.id,
                interest.id,
                form.label.data or "",
                category=form.category.data or "",
                actor=current_user,
                now=utcnow(),
            )
        except DomainError as exc:
            attach_errors(form, exc, default_field="label")
        else:
            flash(_("Tag renamed."), "success")
            return redirect(url_for("admin.event_taxonomy", slug=slug))
    return render_template(
        "admin/event_tag_edit.html", event=event, interest=interest, form=form
    ), form_status(form)


@bp.route("/events/<slug>/taxonomy/<int(max=2147483647):interest_id>/delete", methods=["POST"])
def event_tag_delete(slug: str, interest_id: int) -> Response:
    event = load_event(slug)
    if ConfirmForm().validate_on_submit():
        taxonomy.delete_tag(event.id, interest_id, actor=current_user, now=utcnow())
        flash(_("Tag deleted."), "success")
    return redirect(url_for("admin.event_taxonomy", slug=slug))


# -- meeting slots and tables -----------------------------------------------------------


@bp.route("/events/<slug>/meetings-setup", methods=["GET", "POST"])
def event_meeting_setup(slug: str) -> str | Response:
    event = load_event(slug)
    slot_form = SlotSeriesForm(prefix="slots")
    table_form = TablesForm(prefix="tables")
    if request.method == "GET":
        slot_form.first_start.data = event_admin.utc_to_local(
            event.slots[-1].ends_at if event.slots else event.starts_at, event.timezone
        )
    if request.method == "POST" and "slots-count" in request.form:
        if slot_form.validate():
            try:
                meeting_setup.add_slot_series(
                    event.id,
                    first_start=event_admin.local_to_utc(
                        slot_form.first_start.data, event.timezone
                    ),  # type: ignore[arg-type]
                    minutes=slot_form.minutes.data or 15,
                    count=slot_form.count.data or 1,
                    gap_minutes=slot_form.gap_minutes.data or 0,
                    actor=current_user,
                    now=utcnow(),
                )
            except DomainError as exc:
                attach_errors(slot_form, exc, default_field="first_start")
            else:
                flash(_("Slots added."), "success")
                return redirect(url_for("admin.event_meeting_setup", slug=slug))
    elif request.method == "POST" and "tables-count" in request.form and table_form.validate():
        try:
            meeting_setup.add_tables(
                event.id,
                table_form.count.data or 1,
                prefix=table_form.prefix.data or "",
                actor=current_user,
                now=utcnow(),
            )
        except DomainError as exc:
            attach_errors(table_form, exc, default_field="count")
        else:
            flash(_("Tables added."), "success")
            return redirect(url_for("admin.event_meeting_setup", slug=slug))
    status = max(form_status(slot_form), form_status(table_form))
    return render_template(
        "admin/event_meeting_setup.html",
        event=event,
        slot_form=slot_form,
        table_form=table_form,
        confirm_form=ConfirmForm(),
    ), status


@bp.route("/events/<slug>/slots/<int(max=2147483647):slot_id>/delete", methods=["POST"])
def event_slot_delete(slug: str, slot_id: int) -> Response:
    event = load_event(slug)
    if ConfirmForm().validate_on_submit():
        try:
            meeting_setup.delete_slot(event.id, slot_id, actor=current_user, now=utcnow())
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            flash(_("Slot removed."), "success")
    return redirect(url_for("admin.event_meeting_setup", slug=slug))


@bp.route("/events/<slug>/tables/<int(max=2147483647):table_id>/delete", methods=["POST"])
def event_table_delete(slug: str, table_id: int) -> Response:
    event = load_event(slug)
    if ConfirmForm().validate_on_submit():
        try:
            meeting_setup.delete_table(event.id, table_id, actor=current_user, now=utcnow())
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            flash(_("Table removed."), "success")
    return redirect(url_for("admin.event_meeting_setup", slug=slug))


# -- co-organizers ----------------------------------------------------------------------


@bp.route("/events/<slug>/organizers", methods=["GET", "POST"])
def event_organizers(slug: str) -> str | Response:
    event = load_event(slug)
    form = CoOrganizerForm()
    if form.validate_on_submit():
        try:
            event_admin.add_organizer(
                event.id, form.email.data or "", actor=current_user, now=utcnow()
            )
        except DomainError as exc:
            attach_errors(form, exc, default_field="email")
        else:
            flash(_("%(email)s can now run this event.", email=form.email.data), "success")
            return redirect(url_for("admin.event_organizers", slug=slug))
    return render_template(
        "admin/event_organizers.html",
        event=event,
        form=form,
        members=event_admin.organizers_of(event.id),
        confirm_form=ConfirmForm(),
    ), form_status(form)


@bp.route("/events/<slug>/organizers/<int(max=2147483647):organizer_id>/remove", methods=["POST"])
def event_organizer_remove(slug: str, organizer_id: int) -> Response:
    event = load_event(slug)
    if ConfirmForm().validate_on_submit():
        try:
            event_admin.remove_organizer(event.id, organizer_id, actor=current_user, now=utcnow())
        except DomainError as exc:
            flash(exc.message, "error")
        else:
            flash(_("Organizer removed from this event."), "success")
            if organizer_id == current_user.id and not current_user.is_admin:
                return redirect(url_for("admin.events"))
    return redirect(url_for("admin.event_organizers", slug=slug))


# -- audit log --------------------------------------------------------------------------


@bp.route("/events/<slug>/audit")
def event_audit(slug: str) -> str:
    event = load_event(slug)
    page = request.args.get("page", 1, type=int) or 1
    action = request.args.get("action") or None
    entries, total = audit_service.list_entries(event.id, action=action, page=page, per_page=50)
    return render_template(
        "admin/event_audit.html",
        event=event,
        entries=entries,
        total=total,
        page=max(page, 1),
        pages=max(1, -(-total // 50)),
        action=action,
        actions=[(a, audit_service.action_label(a)) for a in audit_service.action_names(event.id)],
    )
