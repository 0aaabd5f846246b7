"""What a registrant carries: the manage link, the ticket QR code and the calendar file.

- Manage link ``BASE_URL/r/<token>``: 256 random bits; only the SHA-256 hash is stored, so a
  link can be e-mailed only when it is (re)issued: `rotate_token` issues a new one and
  revokes the previous link.
- Ticket QR code: encodes the organizers' check-in URL
  ``BASE_URL/admin/events/<slug>/checkin/<ticket_code>``; it carries no secret of the
  attendee (the ticket code alone lets nobody change anything).
- ``.ics``: built with the icalendar library, times in UTC with the event's zone named.
"""

from __future__ import annotations

import io
from datetime import datetime

import segno
from icalendar import Calendar
from icalendar import Event as CalendarEvent

from ..models import Event, Registration
from .outbox import absolute_url
from .tokens import new_token


def rotate_token(reg: Registration) -> str:
    """Issue a new manage token for ``reg`` (the old link stops working); returns it."""
    token, token_hash = new_token()
    reg.manage_token_hash = token_hash
    return token


def manage_url(token: str) -> str:
    return absolute_url(f"/r/{token}")


def event_url(event: Event) -> str:
    return absolute_url(f"/events/{event.slug}")


def lost_link_url(event: Event) -> str:
    return absolute_url(f"/events/{event.slug}/lost-link")


def checkin_url(event_slug: str, ticket_code: str) -> str:
    """The organizers' check-in page for this ticket; what the QR code encodes."""
    return absolute_url(f"/admin/events/{event_slug}/checkin/{ticket_code}")


def qr_png(data: str, *, scale: int = 6) -> bytes:
    buffer = io.BytesIO()
    segno.make(data, error="m").save(buffer, kind="png", scale=scale, border=2)
    return buffer.getvalue()


def qr_svg_data_uri(data: str, *, scale: int = 6) -> str:
    """An SVG data: URI (allowed by the CSP's ``img-src data:``) for pages and PDFs."""
    return str(
        segno.make(data, error="m").svg_data_uri(scale=scale, border=2, dark="#111", light="#fff")
    )


def event_ics(event: Event, reg: Registration | None, *, stamp: datetime, locale: str) -> bytes:
    """A one-event calendar (VEVENT with a stable UID per registration)."""
    cal = Calendar()
    cal.add("prodid", "-//eventnet//eventnet//EN")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    item = CalendarEvent()
    item.add("uid", f"event-{event.id}-reg-{reg.id if reg else 0}@eventnet")
    item.add("dtstamp", stamp)
    item.add("dtstart", event.starts_at)
    item.add("dtend", event.ends_at)
    item.add("summary", event.localized("title", locale))
    location = ", ".join(part for part in (event.venue, event.address) if part)
    if location:
        item.add("location", location)
    item.add("url", event_url(event))
    description = event.localized("summary", locale) or ""
    if reg is not None:
        description = f"{description}\n\nTicket: {reg.ticket_code}".strip()
    if description:
        item.add("description", description)
    cal.add_component(item)
    return cal.to_ical()
