"""Certificates of participation: one A4 page per checked-in attendee.

An attendee downloads their own from the manage link (``/r/<token>/certificate.pdf``); the
organizer downloads all of them as a zip, prepared by a background job (inline by default)
because a large event has thousands. Fed to ``templates/pdf/certificate.html`` as plain data.
"""

from __future__ import annotations

import io
import re
import secrets
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from babel.dates import format_date
from flask import current_app
from flask_babel import gettext as _

from ..extensions import db
from ..jobs import uses_workers
from ..models import (
    BackgroundJob,
    Event,
    EventOrganizer,
    JobStatus,
    Organization,
    OrganizerAccount,
    Registration,
    RegistrationStatus,
)
from . import DomainError, NotFound
from .reports import CERTIFICATES_KIND as JOB_KIND
from .tokens import hash_token

BATCH = 40  # certificates laid out per child process (each batch has its own time limit)


class NotCheckedIn(DomainError):
    status_code = 404


@dataclass(frozen=True)
class Certificate:
    name: str
    organization: str
    role: str
    event_title: str
    date: str
    venue: str
    signed_by: tuple[str, ...]
    code: str  # the ticket code: lets the organizer verify a certificate

    def as_context(self) -> dict[str, object]:
        return asdict(self)


def _signers(event_id: int) -> tuple[str, ...]:
    return tuple(
        name or email
        for name, email in db.session.execute(
            sa.select(OrganizerAccount.name, OrganizerAccount.email)
            .join(EventOrganizer, EventOrganizer.organizer_id == OrganizerAccount.id)
            .where(EventOrganizer.event_id == event_id, EventOrganizer.is_owner.is_(True))
            .order_by(OrganizerAccount.name)
            .limit(2)
        )
    )


def _certificates(event: Event, where: tuple[object, ...], locale: str) -> list[Certificate]:
    date = format_date(event.starts_at.astimezone(ZoneInfo(event.timezone)), "long", locale=locale)
    signers = _signers(event.id)
    rows = db.session.execute(
        sa.select(Registration.name, Organization.name, Registration.role, Registration.ticket_code)
        .outerjoin(Organization, Organization.id == Registration.organization_id)
        .where(
            Registration.event_id == event.id,
            Registration.status == RegistrationStatus.CONFIRMED,
            Registration.checked_in_at.is_not(None),
            *where,
        )
        .order_by(Registration.name, Registration.id)
    )
    return [
        Certificate(name, org or "", str(role), event.title, date, event.venue, signers, code)
        for name, org, role, code in rows
    ]


def certificate_for_token(token: str, locale: str = "en") -> tuple[Certificate, str]:
    """The certificate of the registration behind a manage token, and the event's slug."""
    reg = db.session.scalar(
        sa.select(Registration).where(Registration.manage_token_hash == hash_token(token))
    )
    if reg is None:
        raise NotFound(_("This link is not valid."))
    event = db.session.get(Event, reg.event_id)
    assert event is not None
    found = _certificates(event, (Registration.id == reg.id,), locale)
    if not found:
        raise NotCheckedIn(
            _("Certificates are available to attendees who were checked in at the event.")
        )
    return found[0], event.slug


def render_certificate(certificate: Certificate, lang: str = "en") -> bytes:
    from ..pdf import render_pdf

    return render_pdf(
        "certificate.html",
        {"certificates": [certificate.as_context()]},
        title=_("Certificate of participation: %(name)s", name=certificate.name),
        lang=lang,
    )


def filename_for(name: str, code: str = "") -> str:
    """``certificate-zoe-bronte``; names without Latin letters use the ticket code."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_name).strip("-").lower()
    return f"certificate-{slug or code.lower() or 'attendee'}"


def certificates_zip(
    event_id: int, lang: str = "en", progress: Callable[[int, str], None] | None = None
) -> tuple[bytes, int]:
    """A zip with one PDF per checked-in attendee, and how many there are."""
    from ..pdf import render_html
    from ..pdf.render import html_to_pdfs

    event = db.session.get(Event, event_id)
    if event is None:
        raise NotFound(_("This event does not exist."))
    certificates = _certificates(event, (), lang)
    buffer = io.BytesIO()
    used: set[str] = set()
    timeout = float(current_app.config.get("PDF_TIMEOUT_SECONDS", 60))
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for start in range(0, len(certificates), BATCH):
            batch = certificates[start : start + BATCH]
            docs = [
                (
                    render_html(
                        "certificate.html",
                        {"certificates": [c.as_context()]},
                        title=_("Certificate of participation: %(name)s", name=c.name),
                        lang=lang,
                    ),
                    _("Certificate of participation: %(name)s", name=c.name),
                )
                for c in batch
            ]
            pdfs = html_to_pdfs(docs, lang=lang, timeout=timeout)
            for cert, pdf in zip(batch, pdfs, strict=True):
                name = filename_for(cert.name, cert.code)
                candidate, n = name, 2
                while candidate in used:
                    candidate, n = f"{name}-{n}", n + 1
                used.add(candidate)
                archive.writestr(f"{candidate}.pdf", pdf)
            if progress:
                done = start + len(batch)
                progress(
                    5 + int(90 * done / len(certificates)),
                    _("%(done)s of %(total)s certificates", done=done, total=len(certificates)),
                )
    return buffer.getvalue(), len(certificates)


# --------------------------------------------------------------------------- background


def request_certificates(
    event_id: int, now: datetime, *, actor_id: int | None, lang: str = "en"
) -> BackgroundJob:
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
        raise DomainError(_("The certificates are already being prepared."))
    job = BackgroundJob(
        kind=JOB_KIND,
        event_id=event_id,
        requested_by_id=actor_id,
        status=JobStatus.QUEUED,
        params={"lang": lang},
        message=_("Waiting for a worker"),
        created_at=now,
    )
    db.session.add(job)
    db.session.commit()
    job_id = job.id
    enqueue(run_certificates_job, job_id, queue=current_app.config.get("REPORTS_QUEUE", "reports"))
    return db.session.get(BackgroundJob, job_id) or job


def run_certificates_job(job_id: int) -> None:
    from ..pdf import PdfError
    from .reports import _finish, _set_progress, reports_dir

    job = db.session.get(BackgroundJob, job_id)
    if job is None or job.event_id is None or job.status != JobStatus.QUEUED:
        return
    event_id, lang = job.event_id, str((job.params or {}).get("lang") or "en")
    _set_progress(job_id, 2, _("Preparing the certificates"))
    try:
        data, count = certificates_zip(
            event_id, lang, progress=lambda p, m: _set_progress(job_id, p, m)
        )
    except (PdfError, DomainError) as exc:
        db.session.rollback()
        _finish(job_id, error=exc.message)
        return
    except Exception as exc:
        db.session.rollback()
        _finish(job_id, error=_("The certificates failed (%(error)s).", error=type(exc).__name__))
        if uses_workers():  # let RQ record the failure; inline, the page shows it
            raise
    if not count:
        _finish(job_id, error=_("Nobody was checked in, so there are no certificates."))
        return
    folder = reports_dir() / f"event-{event_id}"
    folder.mkdir(parents=True, exist_ok=True)
    path = Path(folder / f"certificates-{job_id}-{secrets.token_hex(8)}.zip")
    path.write_bytes(data)
    _finish(job_id, result_path=str(path.relative_to(current_app.instance_path)))


def checked_in_count(event_id: int) -> int:
    return int(
        db.session.scalar(
            sa.select(sa.func.count(Registration.id)).where(
                Registration.event_id == event_id,
                Registration.status == RegistrationStatus.CONFIRMED,
                Registration.checked_in_at.is_not(None),
            )
        )
        or 0
    )


__all__ = [
    "Certificate",
    "NotCheckedIn",
    "certificate_for_token",
    "certificates_zip",
    "checked_in_count",
    "render_certificate",
    "request_certificates",
    "run_certificates_job",
]
