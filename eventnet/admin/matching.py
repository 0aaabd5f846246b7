"""Organizer matching screens: tune, preview, publish recommendations; run and lock the schedule.

``/admin/events/<slug>/matching``  settings, preview figures, run (a background job), publish,
                                   pin/block pairs.
``/admin/events/<slug>/schedule``  run the scheduler (a background job), lock, publish the
                                   agendas, see every meeting and who has none, mark meetings.
Jobs run inline by default (the redirect lands on the finished result) or on an RQ worker;
``static/js/matching.js`` polls ``.../jobs/<id>`` and reloads the page when it is done.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import EmailField, FloatField, IntegerField, RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional

from ..jobs import enqueue, uses_workers
from ..models import Event, JobStatus, MeetingStatus, utcnow
from ..services import DomainError
from ..services import matching as matching_svc
from ..services import meetings as meetings_svc
from . import bp
from .access import load_event

WITHOUT_SHOWN = 200  # people without a meeting listed on the page
SHOW_ALL_UP_TO = 60  # meetings; longer schedules are shown one slot at a time
ROLE_PAIR_LABELS = {
    "employer-student": _l("Employer – student"),
    "employer-staff": _l("Employer – staff"),
    "staff-student": _l("Staff – student"),
    "student-student": _l("Student – student"),
    "staff-staff": _l("Staff – staff"),
    "employer-employer": _l("Employer – employer"),
}


def _weight(label: Any, description: Any = "") -> FloatField:
    return FloatField(
        label,
        description=description,
        validators=[InputRequired(), NumberRange(min=0, max=1)],
        render_kw={
            "type": "number",
            "step": "0.05",
            "min": "0",
            "max": "1",
            "inputmode": "decimal",
        },
    )


class SettingsForm(FlaskForm):
    k = IntegerField(
        _l("People suggested to each attendee (k)"),
        validators=[InputRequired(), NumberRange(min=1, max=matching_svc.MAX_K)],
        render_kw={"min": 1, "max": matching_svc.MAX_K},
    )
    exposure_cap = IntegerField(
        _l("Exposure cap"),
        validators=[Optional(), NumberRange(min=1, max=300)],
        render_kw={"min": 1},
    )
    interest = _weight(_l("Shared interests"))
    reciprocity = _weight(_l("Reciprocity (offer ↔ seek)"))
    text = _weight(_l("Their own words (offer, seek, goals)"))
    one_way_floor = _weight(_l("One-way value kept (“give first”)"))
    rp_employer_student = _weight(ROLE_PAIR_LABELS["employer-student"])
    rp_employer_staff = _weight(ROLE_PAIR_LABELS["employer-staff"])
    rp_staff_student = _weight(ROLE_PAIR_LABELS["staff-student"])
    rp_student_student = _weight(ROLE_PAIR_LABELS["student-student"])
    rp_staff_staff = _weight(ROLE_PAIR_LABELS["staff-staff"])
    rp_employer_employer = _weight(ROLE_PAIR_LABELS["employer-employer"])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # every setting always has a value: no "required" asterisk on each of them
        for name in ("k", *matching_svc.CONTENT_WEIGHTS, "one_way_floor"):
            getattr(self, name).flags.required = False
        for _key, f in self.role_pair_fields():
            f.flags.required = False

    def role_pair_fields(self) -> list[tuple[str, Any]]:
        return [(key, getattr(self, "rp_" + key.replace("-", "_"))) for key in ROLE_PAIR_LABELS]

    def fill(self, settings: matching_svc.MatchingSettings) -> None:
        self.k.data = settings.k
        self.exposure_cap.data = settings.exposure_cap
        for name in (*matching_svc.CONTENT_WEIGHTS, "one_way_floor"):
            getattr(self, name).data = round(float(getattr(settings, name)), 4)
        for key, f in self.role_pair_fields():
            f.data = round(float(settings.role_pair.get(key, 0.0)), 4)

    def weights(self) -> dict[str, Any]:
        return {
            "interest": self.interest.data,
            "reciprocity": self.reciprocity.data,
            "text": self.text.data,
            "one_way_floor": self.one_way_floor.data,
            "role_pair": {key: f.data for key, f in self.role_pair_fields()},
        }


class OverrideForm(FlaskForm):
    first = EmailField(
        _l("First attendee's e-mail"),
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
    )
    second = EmailField(
        _l("Second attendee's e-mail"),
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
    )
    kind = RadioField(
        _l("Decision"),
        choices=[
            SelectChoice("pin", _l("Pin: always suggest them to each other")),
            SelectChoice("block", _l("Block: never suggest or schedule them together")),
        ],
        default="pin",
        validators=[DataRequired()],
    )


class MaxMeetingsForm(FlaskForm):
    max_meetings = IntegerField(
        _l("Meetings per person (at most)"),
        validators=[InputRequired(), NumberRange(min=1, max=30)],
        render_kw={"min": 1, "max": 30},
    )


class ButtonForm(FlaskForm):
    """A POST button: the CSRF token only."""


# --------------------------------------------------------------------------- matching


def _pct(x: float) -> str:
    return f"{x * 100:.0f} %"


def figure_rows(
    summaries: list[matching_svc.MatchingSummary],
) -> list[tuple[str, list[str], str]]:
    """Rows of the figures table: label, one formatted value per summary, a hint."""

    def row(label: str, fmt: Any, attr: str, hint: str = "") -> tuple[str, list[str], str]:
        return (label, [fmt(getattr(s, attr)) for s in summaries], hint)

    def median(s: matching_svc.MatchingSummary) -> str:
        q = s.quantiles
        return f"{q['median']:.2f} ({q['p25']:.2f}–{q['p75']:.2f})" if q else "–"

    return [
        row(_("Participants"), str, "participants", _("confirmed, profile shown")),
        row(_("Suggestions"), str, "recommendations"),
        row(_("Coverage"), _pct, "coverage", _("share with k suggestions")),
        row(_("Short lists"), str, "short_lists", _("fewer than k")),
        row(_("Never suggested to anyone"), str, "never_shown"),
        row(_("Cross-role pairs"), _pct, "cross_role_share", _("different roles")),
        row(_("Mutual"), _pct, "reciprocal_share", _("both see each other")),
        row(_("Most lists one person is in"), str, "max_exposure", _("at most the cap")),
        row(
            _("Exposure inequality (Gini)"),
            lambda v: f"{v:.2f}",
            "exposure_gini",
            _("0: everyone equally visible"),
        ),
        (_("Score: median (quartiles)"), [median(s) for s in summaries], ""),
    ]


def _job_for_page(event: Event, kind: str) -> Any:
    job_id = request.args.get("job", type=int)
    job = matching_svc.latest_job(event.id, kind)
    if job_id and (job is None or job.id != job_id):
        return None
    return job


def _render_matching(
    event: Event,
    form: SettingsForm,
    *,
    preview: matching_svc.MatchingOutcome | None = None,
    override_form: OverrideForm | None = None,
    status: int = 200,
) -> tuple[str, int]:
    job = _job_for_page(event, "matching")
    current = matching_svc.recommendation_summary(event.id)
    shown = [x for x in (current, preview.summary if preview else None) if x is not None]
    labels = ([_("Saved")] if current else []) + ([_("Preview")] if preview else [])
    return render_template(
        "admin/matching.html",
        event=event,
        form=form,
        preview=preview,
        current=current,
        figure_table=figure_rows(shown),
        figure_labels=labels,
        override_form=override_form or OverrideForm(prefix="override"),
        overrides=matching_svc.overrides_of(event.id),
        participants=matching_svc.participant_count(event.id),
        job=job,
        job_running=job is not None and job.status in (JobStatus.QUEUED, JobStatus.RUNNING),
        button_form=ButtonForm(),
        role_pair_labels=ROLE_PAIR_LABELS,
    ), status


@bp.route("/events/<slug>/matching", methods=["GET", "POST"])
def matching(slug: str) -> tuple[str, int] | Response:
    event = load_event(slug)
    form = SettingsForm(prefix="settings")
    if request.method == "GET":
        form.fill(matching_svc.settings_for(event))
        return _render_matching(event, form)
    if not form.validate_on_submit():
        return _render_matching(event, form, status=400)
    action = request.form.get("action", "preview")
    try:
        if action == "run":
            job = matching_svc.start_job(
                "matching",
                event.id,
                utcnow(),
                params={
                    "k": form.k.data,
                    "exposure_cap": form.exposure_cap.data,
                    "weights": form.weights(),
                },
                actor=current_user,
            )
            enqueue(matching_svc.run_matching_job, job.id, queue="matching")
            if not uses_workers():
                _flash_job(job.id, _("Recommendations saved."))
            return redirect(url_for("admin.matching", slug=slug, job=job.id))
        preview = matching_svc.run_matching(
            event.id,
            utcnow(),
            weights=form.weights(),
            k=form.k.data,
            exposure_cap=form.exposure_cap.data,
            preview=True,
        )
    except DomainError as exc:
        target = getattr(form, exc.field or "", None) or form.k
        target.errors = [*target.errors, exc.message]
        return _render_matching(event, form, status=400)
    return _render_matching(event, form, preview=preview)


def _flash_job(job_id: int, success: str) -> None:
    status = matching_svc.job_status_by_id(job_id)
    if status["status"] == JobStatus.FAILED.value:
        flash(status["error"] or _("That did not work."), "error")
    elif status["status"] == JobStatus.FINISHED.value:
        flash(success, "success")


@bp.route("/events/<slug>/matching/publish", methods=["POST"])
def matching_publish(slug: str) -> Response:
    event = load_event(slug)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        if request.form.get("action") == "unpublish":
            matching_svc.unpublish_recommendations(event.id, utcnow(), actor=current_user)
            flash(_("Suggestions are hidden from attendees again."), "success")
        else:
            matching_svc.publish_recommendations(event.id, utcnow(), actor=current_user)
            flash(_("Suggestions published: attendees see them on their personal page."), "success")
    except DomainError as exc:
        flash(exc.message, "error")
    return redirect(url_for("admin.matching", slug=slug))


@bp.route("/events/<slug>/matching/overrides", methods=["POST"])
def matching_override_add(slug: str) -> tuple[str, int] | Response:
    event = load_event(slug)
    override_form = OverrideForm(prefix="override")
    if override_form.validate_on_submit():
        try:
            first = matching_svc.find_registration(event.id, override_form.first.data, "first")
            second = matching_svc.find_registration(event.id, override_form.second.data, "second")
            matching_svc.set_override(
                event.id, first.id, second.id, override_form.kind.data, utcnow(), actor=current_user
            )
        except DomainError as exc:
            target = getattr(override_form, exc.field or "", None) or override_form.first
            target.errors = [*target.errors, exc.message]
        else:
            flash(
                _("Pinned. Run matching again to update the suggestions.")
                if override_form.kind.data == "pin"
                else _("Blocked. Run matching again to update the suggestions."),
                "success",
            )
            return redirect(url_for("admin.matching", slug=slug) + "#overrides")
    form = SettingsForm(prefix="settings", formdata=None)
    form.fill(matching_svc.settings_for(event))
    return _render_matching(event, form, override_form=override_form, status=400)


@bp.route("/events/<slug>/matching/overrides/<int:override_id>/delete", methods=["POST"])
def matching_override_delete(slug: str, override_id: int) -> Response:
    event = load_event(slug)
    if not ButtonForm().validate_on_submit():
        abort(400)
    matching_svc.remove_override(event.id, override_id, utcnow(), actor=current_user)
    flash(_("Removed. Run matching again to update the suggestions."), "success")
    return redirect(url_for("admin.matching", slug=slug) + "#overrides")


@bp.route("/events/<slug>/matching/jobs/<int:job_id>")
def matching_job(slug: str, job_id: int) -> Response:
    event = load_event(slug)
    return jsonify(matching_svc.job_status(event.id, job_id))


# --------------------------------------------------------------------------- schedule


@bp.route("/events/<slug>/schedule")
def schedule(slug: str) -> str:
    event = load_event(slug)
    form = MaxMeetingsForm(prefix="schedule")
    form.max_meetings.data = event.max_meetings_per_person
    return _render_schedule(event, form)[0]


def _render_schedule(event: Event, form: MaxMeetingsForm, status: int = 200) -> tuple[str, int]:
    job = _job_for_page(event, "schedule")
    result = (job.params or {}).get("result") if job is not None else None
    meetings = meetings_svc.event_meetings(event.id)
    by_slot: dict[int, list[Any]] = {}
    for m in meetings:
        by_slot.setdefault(m.slot_id, []).append(m)
    slots = list(event.slots)
    # long schedules show one slot at a time (?slot=<id>, or ?slot=all)
    chosen = request.args.get("slot", "")
    if chosen == "all" or len(meetings) <= SHOW_ALL_UP_TO:
        shown = [s.id for s in slots]
    elif chosen.isdigit() and int(chosen) in by_slot:
        shown = [int(chosen)]
    else:
        shown = [next((s.id for s in slots if s.id in by_slot), 0)]
    agendas_job = matching_svc.latest_job(event.id, meetings_svc.AGENDAS_JOB)
    without = meetings_svc.people_without_meetings(event.id)
    return render_template(
        "admin/matching_schedule.html",
        agenda_count=meetings_svc.agenda_count(event.id),
        agendas_inline_max=meetings_svc.AGENDAS_INLINE_MAX,
        agendas_job=agendas_job,
        agendas_running=agendas_job is not None
        and agendas_job.status in (JobStatus.QUEUED, JobStatus.RUNNING),
        event=event,
        form=form,
        job=job,
        job_running=job is not None and job.status in (JobStatus.QUEUED, JobStatus.RUNNING),
        result=result,
        slots=slots,
        shown_slots=shown,
        slot_filter=len(meetings) > SHOW_ALL_UP_TO,
        all_shown=chosen == "all",
        now=utcnow(),
        tables=list(event.tables),
        by_slot=by_slot,
        meeting_total=len(meetings),
        locked_total=sum(1 for m in meetings if m.locked),
        without=without[:WITHOUT_SHOWN],
        without_total=len(without),
        participants=matching_svc.participant_count(event.id),
        requests=meetings_svc.request_counts(event.id),
        counts=meetings_svc.meeting_counts(event.id),
        button_form=ButtonForm(),
        has_recommendations=matching_svc.recommendation_count(event.id) > 0,
    ), status


@bp.route("/events/<slug>/schedule/run", methods=["POST"])
def schedule_run(slug: str) -> tuple[str, int] | Response:
    event = load_event(slug)
    form = MaxMeetingsForm(prefix="schedule")
    if not form.validate_on_submit():
        return _render_schedule(event, form, status=400)
    try:
        job = matching_svc.start_job(
            "schedule",
            event.id,
            utcnow(),
            params={"max_meetings": form.max_meetings.data},
            actor=current_user,
        )
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("admin.schedule", slug=slug))
    enqueue(meetings_svc.run_schedule_job, job.id, queue="matching")
    if not uses_workers():
        _flash_job(job.id, _("Schedule ready. Check it, lock it, then publish the agendas."))
    return redirect(url_for("admin.schedule", slug=slug, job=job.id))


@bp.route("/events/<slug>/schedule/<any(lock, unlock, publish):action>", methods=["POST"])
def schedule_action(slug: str, action: str) -> Response:
    event = load_event(slug)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        if action == "publish":
            sent = meetings_svc.publish_schedule(event.id, utcnow(), actor=current_user)
            flash(_("Schedule published; %(n)d agendas e-mailed.", n=sent), "success")
        else:
            n = meetings_svc.lock_schedule(
                event.id, utcnow(), locked=action == "lock", actor=current_user
            )
            flash(
                _("%(n)d meetings locked: running the schedule again keeps them.", n=n)
                if action == "lock"
                else _("%(n)d meetings unlocked.", n=n),
                "success",
            )
    except DomainError as exc:
        flash(exc.message, "error")
    return redirect(url_for("admin.schedule", slug=slug))


@bp.route(
    "/events/<slug>/meetings/<int:meeting_id>/<any(lock, unlock, held, no_show, cancel):action>",
    methods=["POST"],
)
def meeting_action(slug: str, meeting_id: int, action: str) -> Response:
    event = load_event(slug)
    if not ButtonForm().validate_on_submit():
        abort(400)
    now = utcnow()
    try:
        if action in ("lock", "unlock"):
            meetings_svc.set_meeting_lock(
                event.id, meeting_id, action == "lock", now, actor=current_user
            )
        elif action == "cancel":
            meetings_svc.cancel_meeting(event.id, meeting_id, now, actor=current_user)
        else:
            meetings_svc.mark_meeting(
                meeting_id, MeetingStatus(action), now, by_organizer=current_user, event_id=event.id
            )
    except DomainError as exc:
        if exc.status_code == 404:
            raise
        flash(exc.message, "error")
    slot = request.form.get("slot", "")
    args = {"slot": slot} if slot == "all" or slot.isdigit() else {}
    return redirect(url_for("admin.schedule", slug=slug, **args) + f"#meeting-{meeting_id}")


@bp.route("/events/<slug>/schedule/jobs/<int:job_id>")
def schedule_job(slug: str, job_id: int) -> Response:
    event = load_event(slug)
    return jsonify(matching_svc.job_status(event.id, job_id))


@bp.route("/events/<slug>/schedule/agendas.pdf")
def schedule_pdf(slug: str) -> Response:
    """Small events: the printed agendas right away (large ones: `schedule_agendas_job`)."""
    from ..i18n import current_language
    from ..pdf import pdf_response

    event = load_event(slug)
    if meetings_svc.agenda_count(event.id) > meetings_svc.AGENDAS_INLINE_MAX:
        flash(_("Many agendas: prepare the PDF in the background instead."), "error")
        return redirect(url_for("admin.schedule", slug=slug))
    try:
        pdf = meetings_svc.agendas_pdf(event.id, current_language())
    except DomainError as exc:
        if exc.status_code == 404:
            raise
        flash(exc.message, "error")
        return redirect(url_for("admin.schedule", slug=slug))
    return pdf_response(pdf, f"agendas-{event.slug}.pdf")


@bp.route("/events/<slug>/schedule/agendas", methods=["POST"])
def schedule_agendas_job(slug: str) -> Response:
    from ..i18n import current_language

    event = load_event(slug)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        job = matching_svc.start_job(
            meetings_svc.AGENDAS_JOB,
            event.id,
            utcnow(),
            params={"lang": current_language()},
            actor=current_user,
        )
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("admin.schedule", slug=slug))
    enqueue(meetings_svc.run_agendas_pdf_job, job.id, queue="reports")
    if not uses_workers():
        _flash_job(job.id, _("The agendas PDF is ready."))
    return redirect(url_for("admin.schedule", slug=slug, _anchor="agendas-heading"))


@bp.route("/events/<slug>/schedule/agendas/<int:job_id>.pdf")
def schedule_agendas_download(slug: str, job_id: int) -> Response:
    from ..pdf import pdf_response

    event = load_event(slug)
    return pdf_response(
        meetings_svc.agendas_pdf_file(event.id, job_id), f"agendas-{event.slug}-{job_id}.pdf"
    )
