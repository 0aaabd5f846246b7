"""Public, read-only: the published events and what a registration form needs to know."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from flask_babel import gettext as _

from ..models import Event, utcnow
from ..services.events import get_public_event, list_public_events
from ..services.tickets import event_url
from ..services.waitlist import availability
from . import bp
from .common import ApiError, iso


def public_event_json(event: Event, *, detail: bool = False) -> dict[str, Any]:
    now = utcnow()
    info = availability(event, now)
    body: dict[str, Any] = {
        "slug": event.slug,
        "title": event.title,
        "summary": event.summary,
        "starts_at": iso(event.starts_at),
        "ends_at": iso(event.ends_at),
        "timezone": event.timezone,
        "venue": event.venue,
        "address": event.address,
        "url": event_url(event),
        "registration_open": event.registration_open(now),
        "roles": [
            {"role": role.value, "places_left": a.left, "waiting": a.waiting}
            for role, a in info.roles.items()
        ],
    }
    if detail:
        body["description"] = event.description
        body["registration_opens_at"] = iso(event.registration_opens_at)
        body["registration_closes_at"] = iso(event.registration_closes_at)
        body["double_opt_in"] = event.double_opt_in
        body["interests"] = [{"label": i.label, "category": i.category} for i in event.interests]
    return body


@bp.route("/public/events", methods=["GET"])
def public_events() -> Response:
    """Published events that have not ended, soonest first (for embedding in a site)."""
    listing = list_public_events(utcnow())
    items = [public_event_json(e) for e in listing.upcoming]
    return jsonify({"items": items, "total": len(items)})


@bp.route("/public/events/<slug>", methods=["GET"])
def public_event(slug: str) -> Response:
    event = get_public_event(slug)
    if event is None:
        raise ApiError(404, _("No published event with this slug."))
    return jsonify(public_event_json(event, detail=True))
