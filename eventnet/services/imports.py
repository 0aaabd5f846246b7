"""Importing attendees from CSV or Excel: parse, preview with row errors, then all or none.

The preview validates every row with the same rules as the public form (plus: no e-mail
twice in the file, nobody already registered). The import itself goes through
`registration.register_many`: one transaction under the event lock, so either every row is
registered or none is. The parsed rows travel from preview to confirmation in a signed,
compressed form field, so nothing is stored between the two steps.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ..extensions import db
from ..models import ACTIVE_STATUSES, AttendeeRole, Event, OrganizerAccount, Registration
from . import DomainError, audit

MAX_ROWS = 5000
PAYLOAD_MAX_AGE = 60 * 60  # seconds between preview and confirmation
PAYLOAD_MAX_SIZE = 450_000  # under Werkzeug's 500 kB limit for one form field
LIST_FIELDS = ("languages", "interests", "offers", "seeks")
BOOL_FIELDS = ("consent_profile", "consent_photos")
COLUMNS = (
    "name",
    "email",
    "role",
    "organization",
    "job_title",
    "degree_programme",
    "study_level",
    "graduation_year",
    "country",
    "languages",
    "interests",
    "offers",
    "seeks",
    "other_interests",
    "offer_text",
    "seek_text",
    "goals",
    "dietary_needs",
    "accessibility_needs",
    "consent_profile",
    "consent_photos",
    "locale",
)
REQUIRED_COLUMNS = ("name", "email", "role")
ALIASES = {
    "e-mail": "email",
    "email address": "email",
    "full name": "name",
    "organisation": "organization",
    "organization_name": "organization",
    "degree programme": "degree_programme",
    "degree program": "degree_programme",
    "job title": "job_title",
}
TRUE = {"1", "yes", "y", "true", "x", "kyllä", "ja"}
FALSE = {"", "0", "no", "n", "false", "ei", "nej"}


class ImportFileError(DomainError):
    status_code = 400


def template_csv() -> str:
    """An empty file with the expected columns and one example row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    example = {
        "name": "Ada Example",
        "email": "ada@example.org",
        "role": "student",
        "organization": "University of Helsinki",
        "degree_programme": "Master's Programme in Data Science",
        "study_level": "master",
        "graduation_year": "2028",
        "country": "FI",
        "languages": "English; Finnish",
        "consent_profile": "yes",
        "consent_photos": "no",
        "locale": "en",
    }
    writer.writerow([example.get(c, "") for c in COLUMNS])
    return out.getvalue()


def _key(header: Any) -> str:
    text = " ".join(str(header or "").replace("_", " ").split()).casefold()
    text = ALIASES.get(text, text)
    return text.replace(" ", "_")


def read_table(filename: str, data: bytes) -> list[dict[str, Any]]:
    """The rows of a CSV or XLSX file as dicts keyed by the known column names."""
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        table = _read_xlsx(data)
    elif name.endswith(".csv"):
        table = _read_csv(data)
    else:
        raise ImportFileError(_("Upload a .csv or .xlsx file."), "file")
    rows = [row for row in table if any(str(v or "").strip() for v in row)]
    if not rows:
        raise ImportFileError(_("The file is empty."), "file")
    header = [_key(h) for h in rows[0]]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ImportFileError(
            _(
                "The first row must name the columns; missing: %(columns)s. "
                "Download the template to see them all.",
                columns=", ".join(missing),
            ),
            "file",
        )
    if len(rows) - 1 > MAX_ROWS:
        raise ImportFileError(_("At most %(n)d rows per import.", n=MAX_ROWS), "file")
    result = []
    for row in rows[1:]:
        item = {}
        for key, value in zip(header, row, strict=False):
            if key in COLUMNS and key not in item:
                item[key] = value
        result.append(item)
    return result


def _read_csv(data: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes almost anything
        raise ImportFileError(_("The file is not readable text (save it as UTF-8 CSV)."), "file")
    if "\x00" in text:
        raise ImportFileError(_("The file is not readable text (save it as UTF-8 CSV)."), "file")
    # The header line decides the separator: Excel writes ";" in many European locales.
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    try:
        return list(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error as exc:
        message = _("The CSV file is malformed: %(error)s", error=str(exc))
        raise ImportFileError(message, "file") from exc


def _read_xlsx(data: bytes) -> list[list[Any]]:
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ImportFileError(_("This is not an Excel (.xlsx) file."), "file") from exc
    try:
        sheet = workbook.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 2)]
    finally:
        workbook.close()


def _to_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


def to_input_dict(row: dict[str, Any]) -> dict[str, Any]:
    """A raw row as the JSON-like dict `RegistrationInput.from_mapping` takes."""
    out: dict[str, Any] = {}
    for key in COLUMNS:
        text = _to_text(row.get(key))
        if key in LIST_FIELDS:
            separator = ";" if ";" in text else ","  # "a; b" or "a, b"
            out[key] = [part.strip() for part in text.split(separator) if part.strip()]
        elif key in BOOL_FIELDS:
            lowered = text.casefold()
            out[key] = True if lowered in TRUE else False if lowered in FALSE else text
        elif key == "graduation_year":
            out[key] = int(text) if text.isdigit() else (text or None)
        elif key == "role":
            out[key] = text.casefold()
        elif key == "locale":
            out[key] = text.lower() or "en"
        else:
            out[key] = text
    out["consent_privacy"] = True  # attested by the organizer for the whole file
    return out


@dataclass
class PreviewRow:
    line: int  # line in the file (the header is line 1)
    data: dict[str, Any]
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class Preview:
    rows: list[PreviewRow]
    placements: dict[AttendeeRole, tuple[int, int]]  # role -> (get a place, join the waiting list)

    @property
    def error_rows(self) -> list[PreviewRow]:
        return [r for r in self.rows if r.errors]

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.error_rows


def preview(event: Event, rows: list[dict[str, Any]], now: datetime) -> Preview:
    """Validate every row; nothing is written."""
    from .registration import RegistrationInput, normalize_email
    from .waitlist import availability, offered_roles

    labels = [i.label for i in event.interests]
    offered = {r.value for r in offered_roles(event)}
    emails = [normalize_email(str(r.get("email") or "")) for r in rows]
    counts = Counter(e for e in emails if e)
    registered = _already_registered(event.id, {e for e in emails if e})
    result = []
    for index, raw in enumerate(rows):
        data = to_input_dict(raw) if "consent_privacy" not in raw else dict(raw)
        errors = RegistrationInput.from_mapping(data).validate(allowed_tags=labels, now=now)
        email = emails[index]
        if email and counts[email] > 1:
            errors.setdefault("email", []).append(
                _("This e-mail appears %(n)d times in the file.", n=counts[email])
            )
        if email and email in registered:
            errors.setdefault("email", []).append(_("Already registered for this event."))
        if data.get("role") in {r.value for r in AttendeeRole} and data["role"] not in offered:
            errors.setdefault("role", []).append(_("This event has no places for this group."))
        result.append(PreviewRow(line=index + 2, data=data, errors=errors))
    info = availability(event, now)
    wanted = Counter(r.data.get("role") for r in result if r.ok)
    placements = {}
    for role in AttendeeRole:
        n = wanted.get(role.value, 0)
        left = info.roles[role].left if role in info.roles else 0
        waiting = info.roles[role].waiting if role in info.roles else 0
        places = 0 if waiting else min(n, left)
        placements[role] = (places, n - places)
    return Preview(rows=result, placements=placements)


def _already_registered(event_id: int, emails: set[str]) -> set[str]:
    found: set[str] = set()
    items = sorted(emails)
    for start in range(0, len(items), 500):
        chunk = items[start : start + 500]
        found.update(
            db.session.scalars(
                sa.select(Registration.email).where(
                    Registration.event_id == event_id,
                    Registration.email.in_(chunk),
                    Registration.status.in_(ACTIVE_STATUSES),
                )
            )
        )
    return found


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="eventnet-import")


def pack(event_id: int, rows: Iterable[PreviewRow]) -> str:
    """The validated rows for the confirmation step (signed, compressed, tamper-evident)."""
    data = [r.data for r in rows]
    payload = str(_serializer().dumps({"event": event_id, "rows": data}))
    if len(payload) > PAYLOAD_MAX_SIZE:
        parts = len(payload) // PAYLOAD_MAX_SIZE + 1
        raise ImportFileError(
            _(
                "This file is too large to import at once. Please split it into %(parts)d "
                "files of about %(rows)d rows each.",
                parts=parts,
                rows=len(data) // parts,
            ),
            "file",
        )
    return payload


def unpack(event_id: int, payload: str) -> list[dict[str, Any]]:
    try:
        data = _serializer().loads(payload, max_age=PAYLOAD_MAX_AGE)
    except BadSignature as exc:
        raise ImportFileError(
            _("This preview has expired. Please upload the file again."), "file"
        ) from exc
    if not isinstance(data, dict) or data.get("event") != event_id:
        raise ImportFileError(_("This preview belongs to another event."), "file")
    return list(data.get("rows") or [])


@dataclass(frozen=True)
class ImportResult:
    imported: int
    confirmed: int
    waitlisted: int
    pending: int


def run_import(
    event_id: int,
    rows: list[dict[str, Any]],
    *,
    actor: OrganizerAccount,
    now: datetime,
    notify: bool,
) -> ImportResult:
    """Register every row, or none: re-validates, then one transaction under the lock."""
    from .registration import RegistrationInput, register_many

    event = db.session.get(Event, event_id)
    assert event is not None
    checked = preview(event, rows, now)
    if not checked.ok:
        raise DomainError(
            _(
                "%(n)d rows have problems (someone may have registered meanwhile). "
                "Nothing was imported; please upload the file again.",
                n=len(checked.error_rows),
            ),
            "file",
        )

    def log(reg: Registration) -> None:
        audit.record(
            "registration.imported",
            event_id=event_id,
            registration_id=reg.id,
            actor=actor,
            after={"status": reg.status, "role": reg.role, "notified": notify},
            at=now,
        )

    outcomes = register_many(
        event_id,
        [RegistrationInput.from_mapping(r.data) for r in checked.rows],
        now,
        source="import",
        notify=notify,
        ignore_window=True,
        on_registered=log,
    )
    statuses = Counter(o.status.value for o in outcomes)
    audit.record(
        "attendees.imported",
        event_id=event_id,
        actor=actor,
        after={"rows": len(outcomes), **statuses, "notified": notify},
        at=now,
    )
    db.session.commit()
    return ImportResult(
        imported=len(outcomes),
        confirmed=statuses.get("confirmed", 0),
        waitlisted=statuses.get("waitlisted", 0),
        pending=statuses.get("pending", 0),
    )
