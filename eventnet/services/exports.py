"""Attendee exports as CSV and XLSX: the filtered list with every field.

Spreadsheets execute text that looks like a formula, so every text cell that starts with
``= + - @``, a tab or a carriage return gets a leading apostrophe (OWASP "CSV injection").
Times are given in the event's time zone, which the header names.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _

from ..extensions import db
from ..models import Event, Interest, Organization, Registration, RegistrationTag, TagKind
from .attendees import AttendeeQuery, filter_conditions, ordering

FORMULA_FIRST_CHARS = frozenset("=+-@\t\r")


def neutralize(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula, made inert with a leading apostrophe."""
    if isinstance(value, str) and value[:1] in FORMULA_FIRST_CHARS:
        return "'" + value
    return value


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    kind: str = "text"  # text, int, datetime, list


def columns(tz: str) -> list[Column]:
    zone = f" ({tz})"
    return [
        Column("id", _("Registration id"), "int"),
        Column("ticket_code", _("Ticket code")),
        Column("name", _("Name")),
        Column("email", _("E-mail")),
        Column("role", _("Role")),
        Column("status", _("Status")),
        Column("waitlist_position", _("Waiting list position"), "int"),
        Column("organization", _("Organization")),
        Column("job_title", _("Job title")),
        Column("degree_programme", _("Degree programme")),
        Column("study_level", _("Study level")),
        Column("graduation_year", _("Graduation year"), "int"),
        Column("country", _("Country")),
        Column("languages", _("Languages"), "list"),
        Column("interests", _("Interests"), "list"),
        Column("offers", _("Offers"), "list"),
        Column("seeks", _("Seeks"), "list"),
        Column("other_interests", _("Other interests")),
        Column("offer_text", _("What they offer")),
        Column("seek_text", _("What they look for")),
        Column("goals", _("Goals")),
        Column("dietary_needs", _("Dietary needs")),
        Column("accessibility_needs", _("Accessibility needs")),
        Column("locale", _("Language")),
        Column("privacy_policy_version", _("Privacy notice version")),
        Column("consent_privacy_at", _("Privacy consent") + zone, "datetime"),
        Column("consent_profile_at", _("Profile sharing consent") + zone, "datetime"),
        Column("consent_photos_at", _("Photo consent") + zone, "datetime"),
        Column("source", _("Source")),
        Column("created_at", _("Registered") + zone, "datetime"),
        Column("confirmed_at", _("Confirmed") + zone, "datetime"),
        Column("waitlisted_at", _("Wait-listed") + zone, "datetime"),
        Column("promoted_at", _("Promoted") + zone, "datetime"),
        Column("cancelled_at", _("Cancelled") + zone, "datetime"),
        Column("checked_in_at", _("Checked in") + zone, "datetime"),
        Column("organizer_notes", _("Organizer notes")),
    ]


TAG_KEYS = {"interests": TagKind.INTEREST, "offers": TagKind.OFFER, "seeks": TagKind.SEEK}
SPECIAL_KEYS = {"organization", "role", "status", *TAG_KEYS}


def export_rows(event: Event, query: AttendeeQuery) -> Iterator[dict[str, Any]]:
    """Every registration matching ``query`` (all pages) as a dict per row; two queries.

    Plain columns rather than ORM objects: 5,000 rows export in a fraction of a second."""
    plain = [c.key for c in columns(event.timezone) if c.key not in SPECIAL_KEYS]
    rows = db.session.execute(
        sa.select(
            Registration.id,
            Registration.role,
            Registration.status,
            Organization.name,
            *(getattr(Registration, key) for key in plain if key != "id"),
        )
        .outerjoin(Organization, Organization.id == Registration.organization_id)
        .where(*filter_conditions(event.id, query))
        .order_by(*ordering(query.sort, query.descending))
    ).all()
    tags: dict[int, dict[TagKind, list[str]]] = defaultdict(lambda: defaultdict(list))
    tag_rows = db.session.execute(
        sa.select(RegistrationTag.registration_id, RegistrationTag.kind, Interest.label)
        .join(Interest, Interest.id == RegistrationTag.interest_id)
        .where(Interest.event_id == event.id)
        .order_by(Interest.label)
    )
    for reg_id, kind, label in tag_rows:
        tags[reg_id][kind].append(label)
    rest = [key for key in plain if key != "id"]
    for reg_id, role, status, org_name, *values in rows:
        row: dict[str, Any] = dict(zip(rest, values, strict=True))
        row.update(id=reg_id, role=role.value, status=status.value, organization=org_name or "")
        reg_tags = tags.get(reg_id, {})
        for key, kind in TAG_KEYS.items():
            row[key] = reg_tags.get(kind, [])
        yield row


def _text(value: Any, kind: str, zone: ZoneInfo) -> str:
    if value is None:
        return ""
    if kind == "list":
        return "; ".join(str(v) for v in value)
    if kind == "datetime" and isinstance(value, datetime):
        return value.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    return str(value)


def to_csv(event: Event, query: AttendeeQuery) -> Iterator[str]:
    """CSV text in chunks (UTF-8 with a BOM so that Excel reads accents right)."""
    cols = columns(event.timezone)
    zone = ZoneInfo(event.timezone)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow([neutralize(c.title) for c in cols])
    for n, row in enumerate(export_rows(event, query), start=1):
        writer.writerow([neutralize(_text(row[c.key], c.kind, zone)) for c in cols])
        if n % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def to_xlsx(event: Event, query: AttendeeQuery) -> bytes:
    """An Excel workbook: one sheet, a bold frozen header, real dates, filters on."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    cols = columns(event.timezone)
    zone = ZoneInfo(event.timezone)
    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.title = _("Attendees")[:31]
    sheet.append([neutralize(c.title) for c in cols])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    n = 1
    for row in export_rows(event, query):
        n += 1
        values = []
        for c in cols:
            value = row[c.key]
            if c.kind == "datetime":
                value = value.astimezone(zone).replace(tzinfo=None) if value else None
            elif c.kind == "list":
                value = "; ".join(value or [])
            values.append(neutralize(value))
        sheet.append(values)
    for i, c in enumerate(cols, start=1):
        letter = get_column_letter(i)
        if c.kind == "datetime":
            for cell in sheet[letter][1:]:
                cell.number_format = "yyyy-mm-dd hh:mm"
        sheet.column_dimensions[letter].width = 20 if c.kind == "datetime" else 18
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{n}"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def export_filename(event: Event, extension: str, now: datetime) -> str:
    return f"{event.slug}-attendees-{now:%Y%m%d-%H%M}.{extension}"
