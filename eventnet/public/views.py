"""Public pages anyone may see."""

from __future__ import annotations

from flask import abort, render_template

from ..models import utcnow
from ..services.events import get_public_event, list_public_events
from . import bp


@bp.route("/")
def home() -> str:
    listing = list_public_events(utcnow())
    return render_template("public/home.html", upcoming=listing.upcoming, past=listing.past)


@bp.route("/events/<slug>")
def event_page(slug: str) -> str:
    event = get_public_event(slug)
    if event is None:
        abort(404)
    return render_template("public/event.html", event=event, now=utcnow())
