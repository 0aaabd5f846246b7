"""The event report: gather grouped counts, compute figures, render the PDF, deliver it.

Queries aggregate in SQL (GROUP BY) and select columns, never ORM objects, so gathering costs a
fixed number of queries whatever the size of the event (about 20, including the outcome
figures from `eventnet.services.outcomes`). Figures and findings come from
`eventnet.core.report`; the PDF from `eventnet.pdf.report` + `eventnet.pdf.render_pdf`.

Delivery: small events render on request (`build_event_report`); large ones go through a
`BackgroundJob` (`request_report` -> `run_report_job`, inline by default, RQ at scale) that keeps
the finished file under ``instance/reports/event-<id>/`` for download by the event's organizers.
"""

from __future__ import annotations

import csv
import io
import logging
import secrets
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import aliased

from ..core import report as core
from ..extensions import db
from ..jobs import uses_workers
from ..models import (
    BackgroundJob,
    Event,
    EventOrganizer,
    Interest,
    JobStatus,
    Meeting,
    MeetingRequest,
    MeetingSlot,
    Organization,
    OrganizerAccount,
    Outcome,
    Recommendation,
    Registration,
    RegistrationStatus,
    RegistrationTag,
)
from ..models.types import utcnow
from . import DomainError, NotFound

log = logging.getLogger(__name__)

JOB_KIND = "event_report"
CERTIFICATES_KIND = "certificates"  # eventnet.services.certificates keeps its zip here too
FILE_KINDS = (JOB_KIND, CERTIFICATES_KIND)
REPORTS_DIR = "reports"
# Above this many registrations the admin page prepares the report in the background.
DEFAULT_INLINE_MAX_REGISTRATIONS = 600


@dataclass
class ReportTimings:
    """Where the time of one report went, in seconds (benchmarks/report_scale.py)."""

    queries: float = 0.0
    figures: float = 0.0
    charts: float = 0.0  # charts and the template's HTML
    layout: float = 0.0  # WeasyPrint's layout in the child process
    write: float = 0.0  # PDF serialization in the child
    total: float = 0.0
    cpu: float = 0.0  # CPU seconds: this process (queries to HTML) + the child (layout, PDF)
    layout_peak_rss_mib: float = 0.0
    pages: int = 0
    refused_urls: tuple[str, ...] = ()  # what the document tried to load and was refused
    extra: dict[str, float] = field(default_factory=dict)


# --------------------------------------------------------------------------- gathering


def _bucket(column: Any, length: int) -> Any:
    """A UTC timestamp column cut to "YYYY-MM-DD HH" (13) or "YYYY-MM" (7), on any backend."""
    if db.session.get_bind().dialect.name == "postgresql":
        fmt = {13: "YYYY-MM-DD HH24", 7: "YYYY-MM"}[length]
        return sa.func.to_char(sa.func.timezone("UTC", column), fmt)
    # SQLite stores UTC as "YYYY-MM-DD HH:MM:SS.ffffff" (see models.types.UTCDateTime).
    return sa.func.substr(column, 1, length)


def _hour(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%d %H").replace(tzinfo=UTC)


def _state_columns() -> tuple[Any, ...]:
    return (
        Registration.role,
        Registration.status,
        Registration.checked_in_at.is_not(None).label("checked_in"),
    )


def _grouped(
    key: Any, *, where: tuple[Any, ...] = (), join: Any = None, event_id: int
) -> list[core.Group]:
    state = _state_columns()
    query = sa.select(key.label("key"), *state, sa.func.count().label("n")).select_from(
        Registration
    )
    if join is not None:
        query = query.outerjoin(*join)
    query = query.where(Registration.event_id == event_id, *where).group_by(key, *state)
    return [
        core.Group(str(k or ""), str(role), str(status), bool(ci), int(n))
        for k, role, status, ci, n in db.session.execute(query)
    ]


def gather_report_data(
    event_id: int, now: datetime, *, include_attendees: bool = False
) -> core.ReportData:
    """Everything the report is computed from, in a bounded number of grouped queries."""
    event = db.session.get(Event, event_id)
    if event is None:
        raise NotFound(_("This event does not exist."))
    organizers = tuple(
        name or email
        for name, email in db.session.execute(
            sa.select(OrganizerAccount.name, OrganizerAccount.email)
            .join(EventOrganizer, EventOrganizer.organizer_id == OrganizerAccount.id)
            .where(EventOrganizer.event_id == event_id)
            .order_by(EventOrganizer.is_owner.desc(), OrganizerAccount.name)
        )
    )
    info = core.EventInfo(
        id=event.id,
        slug=event.slug,
        title=event.title,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        timezone=event.timezone,
        venue=event.venue,
        address=event.address,
        organizers=organizers,
        quotas=tuple((str(q.role), q.capacity) for q in event.quotas),
        capacity=event.capacity,
    )
    state = _state_columns()
    promoted = Registration.promoted_at.is_not(None).label("promoted")
    registrations = [
        core.Group("", str(role), str(status), bool(ci), int(n), promoted=bool(pr))
        for role, status, ci, pr, n in db.session.execute(
            sa.select(*state, promoted, sa.func.count())
            .where(Registration.event_id == event_id)
            .group_by(*state, promoted)
        )
    ]
    countries = _grouped(Registration.country, event_id=event_id)
    org_kinds = _grouped(
        Organization.kind,
        join=(Organization, Organization.id == Registration.organization_id),
        event_id=event_id,
    )
    study_fields = _grouped(
        Registration.degree_programme,
        where=(Registration.role == "student",),
        event_id=event_id,
    )
    organizations = [
        core.OrgGroup(oid, name, str(kind), country or "", str(role), str(status), bool(ci), n)
        for oid, name, kind, country, role, status, ci, n in db.session.execute(
            sa.select(
                Organization.id,
                Organization.name,
                Organization.kind,
                Organization.country,
                *state,
                sa.func.count(),
            )
            .join(Organization, Organization.id == Registration.organization_id)
            .where(Registration.event_id == event_id)
            .group_by(
                Organization.id,
                Organization.name,
                Organization.kind,
                Organization.country,
                *state,
            )
        )
    ]
    tags = [
        core.TagGroup(str(kind), label, str(role), str(status), bool(ci), n)
        for kind, label, role, status, ci, n in db.session.execute(
            sa.select(RegistrationTag.kind, Interest.label, *state, sa.func.count())
            .select_from(Registration)
            .join(RegistrationTag, RegistrationTag.registration_id == Registration.id)
            .join(Interest, Interest.id == RegistrationTag.interest_id)
            .where(Registration.event_id == event_id)
            .group_by(RegistrationTag.kind, Interest.label, *state)
        )
    ]
    created_hour = _bucket(Registration.created_at, 13)
    registered_over_time = [
        core.TimeCount(_hour(h), str(role), n)
        for h, role, n in db.session.execute(
            sa.select(created_hour, Registration.role, sa.func.count())
            .where(Registration.event_id == event_id)
            .group_by(created_hour, Registration.role)
        )
    ]
    checkin_hour = _bucket(Registration.checked_in_at, 13)
    checked_in_over_time = [
        core.TimeCount(_hour(h), str(role), n)
        for h, role, n in db.session.execute(
            sa.select(checkin_hour, Registration.role, sa.func.count())
            .where(Registration.event_id == event_id, Registration.checked_in_at.is_not(None))
            .group_by(checkin_hour, Registration.role)
        )
    ]

    first, second = aliased(Registration), aliased(Registration)
    recommendations = [
        core.RolePairCount(str(a), str(b), n)
        for a, b, n in db.session.execute(
            sa.select(first.role, second.role, sa.func.count())
            .select_from(Recommendation)
            .join(first, first.id == Recommendation.registration_id)
            .join(second, second.id == Recommendation.partner_id)
            .where(Recommendation.event_id == event_id)
            .group_by(first.role, second.role)
        )
    ]
    recommended_people = int(
        db.session.scalar(
            sa.select(sa.func.count(sa.distinct(Recommendation.registration_id))).where(
                Recommendation.event_id == event_id
            )
        )
        or 0
    )
    requests = [
        core.RolePairCount(str(a), str(b), n, status=str(status))
        for status, a, b, n in db.session.execute(
            sa.select(MeetingRequest.status, first.role, second.role, sa.func.count())
            .select_from(MeetingRequest)
            .join(first, first.id == MeetingRequest.requester_id)
            .join(second, second.id == MeetingRequest.recipient_id)
            .where(MeetingRequest.event_id == event_id)
            .group_by(MeetingRequest.status, first.role, second.role)
        )
    ]
    org1, org2 = aliased(Organization), aliased(Organization)
    meetings = [
        core.MeetingGroup(
            str(status), start, str(r1), str(r2), str(k1 or ""), str(k2 or ""), n, str(source)
        )
        for status, source, start, r1, r2, k1, k2, n in db.session.execute(
            sa.select(
                Meeting.status,
                Meeting.source,
                MeetingSlot.starts_at,
                first.role,
                second.role,
                org1.kind,
                org2.kind,
                sa.func.count(),
            )
            .select_from(Meeting)
            .join(first, first.id == Meeting.first_id)
            .join(second, second.id == Meeting.second_id)
            .outerjoin(MeetingSlot, MeetingSlot.id == Meeting.slot_id)
            .outerjoin(org1, org1.id == first.organization_id)
            .outerjoin(org2, org2.id == second.organization_id)
            .where(Meeting.event_id == event_id)
            .group_by(
                Meeting.status,
                Meeting.source,
                MeetingSlot.starts_at,
                first.role,
                second.role,
                org1.kind,
                org2.kind,
            )
        )
    ]
    any_held = any(m.status == "held" for m in meetings)
    shown = Meeting.status == "held" if any_held else Meeting.status != "cancelled"
    organization_pairs = [
        core.OrgPairCount(a, b, n)
        for a, b, n in db.session.execute(
            sa.select(org1.name, org2.name, sa.func.count().label("n"))
            .select_from(Meeting)
            .join(first, first.id == Meeting.first_id)
            .join(second, second.id == Meeting.second_id)
            .join(org1, org1.id == first.organization_id)
            .join(org2, org2.id == second.organization_id)
            .where(Meeting.event_id == event_id, shown)
            .group_by(org1.name, org2.name)
            .order_by(sa.desc("n"), org1.name, org2.name)
            .limit(12)
        )
    ]
    month = _bucket(Outcome.reported_at, 7)
    outcome_months = [
        core.OutcomeMonth(str(m), str(t), n)
        for m, t, n in db.session.execute(
            sa.select(month, Outcome.type, sa.func.count(sa.distinct(Outcome.registration_id)))
            .where(Outcome.event_id == event_id)
            .group_by(month, Outcome.type)
        )
    ]
    from .outcomes import outcome_figures

    outcomes = outcome_figures(event_id)

    attendees: list[core.AttendeeRow] = []
    if include_attendees:
        # Attendees as the figures count them: checked in, or all confirmed when nobody was.
        any_checked_in = any(g.checked_in for g in registrations)
        where = [
            Registration.event_id == event_id,
            Registration.status == RegistrationStatus.CONFIRMED,
            Registration.consent_profile_at.is_not(None),
        ]
        if any_checked_in:
            where.append(Registration.checked_in_at.is_not(None))
        attendees = [
            core.AttendeeRow(name, org or "", str(role), country or "")
            for name, org, role, country in db.session.execute(
                sa.select(
                    Registration.name, Organization.name, Registration.role, Registration.country
                )
                .outerjoin(Organization, Organization.id == Registration.organization_id)
                .where(*where)
                .order_by(Registration.name, Registration.id)
            )
        ]
    return core.ReportData(
        event=info,
        generated_at=now,
        registrations=tuple(registrations),
        countries=tuple(countries),
        org_kinds=tuple(org_kinds),
        study_fields=tuple(study_fields),
        organizations=tuple(organizations),
        tags=tuple(tags),
        registered_over_time=tuple(registered_over_time),
        checked_in_over_time=tuple(checked_in_over_time),
        recommendations=tuple(recommendations),
        recommended_people=recommended_people,
        requests=tuple(requests),
        meetings=tuple(meetings),
        organization_pairs=tuple(organization_pairs),
        outcomes=outcomes,
        outcome_months=tuple(outcome_months),
        attendees=tuple(attendees),
        include_attendees=include_attendees,
    )


# --------------------------------------------------------------------------- building


def report_title(event_title: str) -> str:
    return _("Event report: %(title)s", title=event_title)


def report_filename(slug: str, now: datetime) -> str:
    return f"{slug}-report-{now:%Y-%m-%d}.pdf"


def build_event_report(
    event_id: int,
    now: datetime,
    *,
    include_attendees: bool = False,
    lang: str = "en",
    timeout: float | None = None,
    timings: ReportTimings | None = None,
    progress: Callable[[int, str], None] | None = None,
) -> bytes:
    """The event report as PDF bytes (raises `PdfTimeout`/`PdfError` from the renderer)."""
    from ..pdf import render_html
    from ..pdf.render import html_to_pdf
    from ..pdf.report import report_context

    timings = timings if timings is not None else ReportTimings()
    started = time.perf_counter()
    cpu_started = time.process_time()
    data = gather_report_data(event_id, now, include_attendees=include_attendees)
    t1 = time.perf_counter()
    if progress:
        progress(20, _("Figures gathered"))
    figures = core.compute_figures(data)
    findings = core.compute_findings(figures)
    t2 = time.perf_counter()
    context = report_context(figures, findings)
    title = report_title(data.event.title)
    html = render_html("report.html", context, title=title, lang=lang)
    t3 = time.perf_counter()
    cpu_parent = time.process_time() - cpu_started
    if progress:
        progress(40, _("Laying out the pages"))
    if timeout is None:
        timeout = float(current_app.config.get("PDF_TIMEOUT_SECONDS", 60))
    result = html_to_pdf(html, title=title, lang=lang, timeout=timeout)
    timings.queries, timings.figures = t1 - started, t2 - t1
    timings.charts = t3 - t2
    timings.layout, timings.write = result.parse_seconds, result.write_seconds
    timings.total = time.perf_counter() - started
    timings.pages = result.pages
    timings.refused_urls = result.refused_urls
    timings.cpu = cpu_parent + result.cpu_seconds
    timings.layout_peak_rss_mib = result.peak_rss_mib
    return result.pdf


def event_figures(
    event_id: int, now: datetime
) -> tuple[core.ReportFigures, tuple[core.Finding, ...]]:
    data = gather_report_data(event_id, now)
    figures = core.compute_figures(data)
    return figures, core.compute_findings(figures)


# --------------------------------------------------------------------------- chart data


def chart_tables(event_id: int, now: datetime) -> list[Any]:
    """The data behind every chart of the report (`eventnet.pdf.report.ChartTable`)."""
    from ..pdf.report import chart_tables as tables

    figures, _findings = event_figures(event_id, now)
    return tables(figures)


def chart_data_zip(event_id: int, now: datetime) -> bytes:
    """One CSV file per chart, zipped (UTF-8 with BOM so spreadsheet apps read names right)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for number, table in enumerate(chart_tables(event_id, now), start=1):
            out = io.StringIO()
            writer = csv.writer(out)
            writer.writerow(table.headers)
            writer.writerows(_csv_safe(row) for row in table.rows)
            archive.writestr(f"{number:02d}-{table.id}.csv", "\ufeff" + out.getvalue())
    return buffer.getvalue()


def chart_data_xlsx(event_id: int, now: datetime) -> bytes:
    """One worksheet per chart, with the chart's title above its table."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    for number, table in enumerate(chart_tables(event_id, now), start=1):
        sheet = workbook.create_sheet(f"{number:02d} {table.id}"[:31])
        sheet.append([table.title])
        sheet["A1"].font = Font(bold=True)
        sheet.append(list(table.headers))
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append(list(_csv_safe(row)))
        sheet.column_dimensions["A"].width = 36
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _csv_safe(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """Neutralize spreadsheet formulas in text cells (names and labels are user input)."""
    return tuple(
        "'" + value
        if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r")
        else value
        for value in row
    )


# --------------------------------------------------------------------------- delivery


def inline_limit() -> int:
    return int(
        current_app.config.get("REPORT_INLINE_MAX_REGISTRATIONS", DEFAULT_INLINE_MAX_REGISTRATIONS)
    )


def registration_count(event_id: int) -> int:
    return int(
        db.session.scalar(
            sa.select(sa.func.count(Registration.id)).where(Registration.event_id == event_id)
        )
        or 0
    )


def renders_on_request(event_id: int) -> bool:
    """Small events get their PDF in the request; large ones go through a background job."""
    return registration_count(event_id) <= inline_limit()


def reports_dir() -> Path:
    return Path(current_app.instance_path) / REPORTS_DIR


def request_report(
    event_id: int,
    now: datetime,
    *,
    actor_id: int | None,
    include_attendees: bool = False,
    lang: str = "en",
) -> BackgroundJob:
    """Queue the report of ``event_id`` (committed job row) and hand it to the job runner."""
    from ..jobs import enqueue

    if db.session.get(Event, event_id) is None:
        raise NotFound(_("This event does not exist."))
    running = db.session.scalar(
        sa.select(BackgroundJob).where(
            BackgroundJob.event_id == event_id,
            BackgroundJob.kind == JOB_KIND,
            BackgroundJob.status.in_((JobStatus.QUEUED, JobStatus.RUNNING)),
        )
    )
    if running is not None and (now - running.created_at).total_seconds() < 3600:
        raise DomainError(_("A report is already being prepared; this page shows its progress."))
    job = BackgroundJob(
        kind=JOB_KIND,
        event_id=event_id,
        requested_by_id=actor_id,
        status=JobStatus.QUEUED,
        params={"include_attendees": include_attendees, "lang": lang},
        message=_("Waiting for a worker"),
        created_at=now,
    )
    db.session.add(job)
    db.session.commit()
    job_id = job.id
    enqueue(run_report_job, job_id, queue=current_app.config.get("REPORTS_QUEUE", "reports"))
    return db.session.get(BackgroundJob, job_id) or job


def _set_progress(job_id: int, percent: int, message: str) -> None:
    job = db.session.get(BackgroundJob, job_id)
    if job is not None:
        job.status = JobStatus.RUNNING
        job.progress = percent
        job.message = message[:300]
        db.session.commit()


def run_report_job(job_id: int) -> None:
    """Job body (inline or on an RQ worker): render the report and keep the file."""
    from ..pdf import PdfError

    job = db.session.get(BackgroundJob, job_id)
    if job is None or job.event_id is None or job.status != JobStatus.QUEUED:
        return
    event_id = job.event_id
    params = dict(job.params or {})
    _set_progress(job_id, 5, _("Gathering the figures"))
    try:
        pdf = build_event_report(
            event_id,
            utcnow(),
            include_attendees=bool(params.get("include_attendees")),
            lang=str(params.get("lang") or "en"),
            timeout=float(current_app.config.get("REPORT_JOB_TIMEOUT_SECONDS", 600)),
            progress=lambda p, m: _set_progress(job_id, p, m),
        )
    except (PdfError, DomainError) as exc:
        db.session.rollback()
        _finish(job_id, error=exc.message)
        return
    except Exception as exc:
        db.session.rollback()
        log.exception("report job %s failed", job_id)
        _finish(job_id, error=_("The report failed (%(error)s).", error=type(exc).__name__))
        if uses_workers():  # let RQ record the failure; inline, the page shows it
            raise
    _set_progress(job_id, 95, _("Saving the file"))
    folder = reports_dir() / f"event-{event_id}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"report-{job_id}-{secrets.token_hex(8)}.pdf"
    path.write_bytes(pdf)
    _finish(job_id, result_path=str(path.relative_to(current_app.instance_path)))


def _finish(job_id: int, *, result_path: str | None = None, error: str = "") -> None:
    job = db.session.get(BackgroundJob, job_id)
    if job is None:
        return
    job.status = JobStatus.FAILED if error else JobStatus.FINISHED
    job.progress = 100
    job.error = error
    job.message = (error or _("Ready to download"))[:300]
    job.result_path = result_path
    job.finished_at = utcnow()
    db.session.commit()


@dataclass(frozen=True)
class JobView:
    id: int
    kind: str
    status: str
    progress: int
    message: str
    error: str
    created_at: datetime
    finished_at: datetime | None
    downloadable: bool
    include_attendees: bool

    @property
    def done(self) -> bool:
        return self.status in ("finished", "failed")

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "status": self.status,
            "progress": self.progress,
            "message": self.message,
            "error": self.error,
            "done": self.done,
            "downloadable": self.downloadable,
        }


def _view(job: BackgroundJob) -> JobView:
    return JobView(
        id=job.id,
        kind=job.kind,
        status=str(job.status),
        progress=job.progress,
        message=job.message,
        error=job.error,
        created_at=job.created_at,
        finished_at=job.finished_at,
        downloadable=job.status == JobStatus.FINISHED and bool(job.result_path),
        include_attendees=bool((job.params or {}).get("include_attendees")),
    )


def report_jobs(event_id: int, limit: int = 5) -> list[JobView]:
    jobs = db.session.scalars(
        sa.select(BackgroundJob)
        .where(BackgroundJob.event_id == event_id, BackgroundJob.kind.in_(FILE_KINDS))
        .order_by(BackgroundJob.created_at.desc(), BackgroundJob.id.desc())
        .limit(limit)
    )
    return [_view(job) for job in jobs]


def report_job(event_id: int, job_id: int) -> JobView:
    job = db.session.get(BackgroundJob, job_id)
    if job is None or job.event_id != event_id or job.kind not in FILE_KINDS:
        raise NotFound(_("This report does not exist."))
    return _view(job)


def report_file(event_id: int, job_id: int) -> tuple[bytes, str]:
    """The finished file of a job of this event and its kind (the caller checked access)."""
    job = db.session.get(BackgroundJob, job_id)
    if (
        job is None
        or job.event_id != event_id
        or job.kind not in FILE_KINDS
        or job.status != JobStatus.FINISHED
        or not job.result_path
    ):
        raise NotFound(_("This report does not exist."))
    root = (reports_dir() / f"event-{event_id}").resolve()
    path = (Path(current_app.instance_path) / job.result_path).resolve()
    if root not in path.parents or not path.is_file():
        raise NotFound(_("The file of this report is gone; please prepare it again."))
    return path.read_bytes(), job.kind
