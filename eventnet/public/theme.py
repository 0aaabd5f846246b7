"""An event's stylesheet and logo, served from our origin (the CSP allows no inline style).

`event_theme(event)` is available in every template: base.html links the stylesheet and shows
the logo on the pages an attendee sees for that event (public, portal, follow-up).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import abort, request, url_for
from werkzeug.wrappers import Response

from ..models import Event
from ..services import branding
from ..services.events import get_public_event
from . import bp

LONG_CACHE = "public, max-age=31536000, immutable"


@dataclass(frozen=True)
class EventTheme:
    css_url: str | None
    logo_url: str | None
    logo: branding.LogoInfo | None


def event_theme(event: Any) -> EventTheme | None:
    """The event's stylesheet and logo, or None when it keeps eventnet's own look."""
    if not isinstance(event, Event) or event.id is None:
        return None
    logo = branding.logo_info(event.id)
    if not event.accent_color and logo is None:
        return None
    version = branding.theme_version(event, logo)
    return EventTheme(
        css_url=url_for("public.event_theme", slug=event.slug, v=version)
        if event.accent_color
        else None,
        logo_url=url_for("public.event_logo", slug=event.slug, v=logo.version) if logo else None,
        logo=logo,
    )


@bp.app_context_processor
def _theme_helpers() -> dict[str, Any]:
    return {"event_theme": event_theme}


def _cached(response: Response, version: str) -> Response:
    if request.args.get("v") == version:
        response.headers["Cache-Control"] = LONG_CACHE
    else:
        response.headers["Cache-Control"] = "no-cache"
    return response


@bp.route("/events/<slug>/theme.css", endpoint="event_theme")
def event_theme_css(slug: str) -> Response:
    event = get_public_event(slug)
    if event is None:
        abort(404)
    version = branding.theme_version(event, branding.logo_info(event.id))
    return _cached(Response(branding.theme_css(event), mimetype="text/css"), version)


@bp.route("/events/<slug>/logo")
def event_logo(slug: str) -> Response:
    event = get_public_event(slug)
    found = branding.logo_file(event.id) if event else None
    info = branding.logo_info(event.id) if event else None
    if found is None or info is None:
        abort(404)
    data, content_type = found
    response = Response(data, mimetype=content_type)
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    return _cached(response, info.version)
