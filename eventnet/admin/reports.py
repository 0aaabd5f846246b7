"""The event report (PDF), the data behind its charts, and certificates, for organizers."""

from __future__ import annotations

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import BooleanField

from ..i18n import current_language
from ..models import utcnow
from ..pdf import file_response, pdf_response
from ..services import DomainError, certificates, reports
from . import bp
from .access import load_event


class ReportForm(FlaskForm):
    include_attendees = BooleanField(
        _l("Add the list of attendees (only those who agreed to share their profile)")
    )


class CertificatesForm(FlaskForm):
    pass


@bp.route("/events/<slug>/report", endpoint="reports")
def report_page(slug: str) -> str:
    event = load_event(slug)
    return render_template(
        "admin/reports.html",
        event=event,
        form=ReportForm(),
        certificates_form=CertificatesForm(),
        on_request=reports.renders_on_request(event.id),
        registrations=reports.registration_count(event.id),
        checked_in=certificates.checked_in_count(event.id),
        jobs=reports.report_jobs(event.id, limit=8),
    )


@bp.route("/events/<slug>/report.pdf", endpoint="report_pdf")
def report_pdf(slug: str) -> Response:
    event = load_event(slug)
    if not reports.renders_on_request(event.id):
        flash(_("This event is large: prepare its report below; it is kept here when ready."))
        return redirect(url_for("admin.reports", slug=slug))
    now = utcnow()
    pdf = reports.build_event_report(
        event.id,
        now,
        include_attendees=request.args.get("attendees") == "1",
        lang=current_language(),
    )
    return pdf_response(pdf, reports.report_filename(event.slug, now))


@bp.route("/events/<slug>/report/jobs", methods=["POST"], endpoint="report_request")
def report_request(slug: str) -> Response:
    event = load_event(slug)
    form = ReportForm()
    if not form.validate_on_submit():
        flash(_("Your session expired or the form was sent from elsewhere. Please retry."))
        return redirect(url_for("admin.reports", slug=slug))
    try:
        job = reports.request_report(
            event.id,
            utcnow(),
            actor_id=current_user.id,
            include_attendees=bool(form.include_attendees.data),
            lang=current_language(),
        )
    except DomainError as exc:
        flash(exc.message, "warning")
        return redirect(url_for("admin.reports", slug=slug))
    return redirect(url_for("admin.reports", slug=slug, _anchor=f"job-{job.id}"))


@bp.route("/events/<slug>/certificates/jobs", methods=["POST"], endpoint="certificates_request")
def certificates_request(slug: str) -> Response:
    event = load_event(slug)
    if not CertificatesForm().validate_on_submit():
        flash(_("Your session expired or the form was sent from elsewhere. Please retry."))
        return redirect(url_for("admin.reports", slug=slug))
    try:
        job = certificates.request_certificates(
            event.id, utcnow(), actor_id=current_user.id, lang=current_language()
        )
    except DomainError as exc:
        flash(exc.message, "warning")
        return redirect(url_for("admin.reports", slug=slug))
    return redirect(url_for("admin.reports", slug=slug, _anchor=f"job-{job.id}"))


@bp.route("/events/<slug>/report/jobs/<int:job_id>", endpoint="report_job")
def report_job(slug: str, job_id: int) -> Response:
    event = load_event(slug)
    view = reports.report_job(event.id, job_id)
    data = view.as_dict()
    if view.downloadable:
        data["download_url"] = url_for("admin.report_download", slug=slug, job_id=job_id)
    return jsonify(data)


@bp.route("/events/<slug>/report/jobs/<int:job_id>/download", endpoint="report_download")
def report_download(slug: str, job_id: int) -> Response:
    event = load_event(slug)
    data, kind = reports.report_file(event.id, job_id)
    if kind == reports.CERTIFICATES_KIND:
        return file_response(data, f"{event.slug}-certificates.zip", "application/zip")
    return pdf_response(data, f"{event.slug}-report-{job_id}.pdf")


@bp.route("/events/<slug>/report-data.xlsx", endpoint="report_data_xlsx")
def report_data_xlsx(slug: str) -> Response:
    event = load_event(slug)
    data = reports.chart_data_xlsx(event.id, utcnow())
    return file_response(
        data,
        f"{event.slug}-report-data.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@bp.route("/events/<slug>/report-data.zip", endpoint="report_data_csv")
def report_data_csv(slug: str) -> Response:
    event = load_event(slug)
    data = reports.chart_data_zip(event.id, utcnow())
    return file_response(data, f"{event.slug}-report-data-csv.zip", "application/zip")
