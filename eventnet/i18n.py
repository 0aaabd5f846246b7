"""Language and time-zone choice: explicit choice, then the browser, then English."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask import current_app, g, has_request_context, request, session
from flask_babel import get_locale

LANGUAGE_NAMES = {"en": "English", "fi": "Suomi", "sv": "Svenska"}


def select_locale() -> str:
    if not has_request_context():  # CLI and jobs: the default, or g.locale when set
        return str(getattr(g, "locale", None) or current_app.config["BABEL_DEFAULT_LOCALE"])
    languages = current_app.config["LANGUAGES"]
    forced = getattr(g, "locale", None)  # e.g. an e-mail rendered in its recipient's language
    if forced in languages:
        return str(forced)
    chosen = session.get("lang")
    if chosen in languages:
        return str(chosen)
    return request.accept_languages.best_match(languages) or "en"


def select_timezone() -> str | None:
    return getattr(g, "event_timezone", None)


def format_in_zone(value: datetime | None, tz: str, fmt: str = "medium") -> str:
    """Format an aware UTC datetime in an event's zone, in the user's locale."""
    if value is None:
        return ""
    return format_datetime(value, fmt, tzinfo=ZoneInfo(tz), locale=current_language())


def current_language() -> str:
    return str(get_locale() or "en")
