"""Name badges as PDF: A4 sheets of eight, or one label per page for a label printer.

Each badge shows the name (shrunk step by step, then wrapped, so long names fit), the
organization, the role as a coloured band *with its name* (readable in black and white) and
a QR code of the ticket's check-in URL. The template gets plain dicts only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from ..extensions import db
from ..models import Event, Organization, Registration, RegistrationStatus
from . import NotFound
from .attendees import AttendeeQuery, filter_conditions, ordering
from .tickets import checkin_url, qr_svg_data_uri

LAYOUTS = ("a4-8", "label")
MAX_BADGES = 3000
EXPECTED = (RegistrationStatus.CONFIRMED, RegistrationStatus.PENDING)


@dataclass(frozen=True)
class BadgeSelection:
    query: AttendeeQuery
    registration_id: int | None = None


def role_names() -> dict[str, str]:
    return {"student": _("Student"), "staff": _("Staff"), "employer": _("Employer")}


def name_size(name: str) -> str:
    """A size class for the name: long names get smaller type and may wrap to two lines;
    a single long word (no place to wrap) decides as much as the whole length."""
    longest_word = max((len(w) for w in name.split()), default=0)
    length = len(name)
    if length <= 18 and longest_word <= 14:
        return "xl"
    if length <= 26 and longest_word <= 17:
        return "l"
    if length <= 40 and longest_word <= 21:
        return "m"
    return "s"


def _selected(event: Event, selection: BadgeSelection) -> list[sa.ColumnElement[bool]]:
    if selection.registration_id is not None:
        return [Registration.id == selection.registration_id, Registration.event_id == event.id]
    where = filter_conditions(event.id, selection.query)
    if selection.query.status is None:
        where.append(Registration.status.in_(EXPECTED))
    return where


def count_badges(event: Event, selection: BadgeSelection) -> int:
    return int(
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Registration)
            .outerjoin(Organization, Organization.id == Registration.organization_id)
            .where(*_selected(event, selection))
        )
        or 0
    )


def badge_rows(event: Event, selection: BadgeSelection) -> list[dict[str, Any]]:
    """Plain data for each badge, in the list's order (names A–Z by default)."""
    stmt = sa.select(
        Registration.id,
        Registration.name,
        Registration.role,
        Registration.ticket_code,
        Organization.name,
    ).outerjoin(Organization, Organization.id == Registration.organization_id)
    stmt = stmt.where(*_selected(event, selection))
    if selection.registration_id is None:
        query = selection.query
        sort = query.sort if query.sort != "created" else "name"
        stmt = stmt.order_by(*ordering(sort, query.descending and query.sort != "created"))
    rows = db.session.execute(stmt.limit(MAX_BADGES)).all()
    if selection.registration_id is not None and not rows:
        raise NotFound(_("This registration does not exist."))
    roles = role_names()
    return [
        {
            "name": name,
            "name_size": name_size(name),
            "organization": org or "",
            "role": role.value,
            "role_label": roles.get(role.value, role.value),
            "ticket_code": code,
            "qr": qr_svg_data_uri(checkin_url(event.slug, code), scale=4),
        }
        for _id, name, role, code, org in rows
    ]


def render_badges(event: Event, badges: list[dict[str, Any]], layout: str, lang: str) -> bytes:
    from ..pdf import render_pdf

    layout = layout if layout in LAYOUTS else "a4-8"
    pages = [badges[i : i + 8] for i in range(0, len(badges), 8)] if layout == "a4-8" else []
    return render_pdf(
        "pdf/badges.html",
        {
            "event": {"title": event.title, "venue": event.venue},
            "badges": badges,
            "pages": pages,
            "layout": layout,
        },
        title=_("Badges: %(event)s", event=event.title),
        lang=lang,
    )
