"""Language and time-zone choice: explicit choice, then the browser, then English."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_skeleton, format_time
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
    chosen = session.get("lang") or request.cookies.get("lang")  # see eventnet.web.lang
    if chosen in languages:
        return str(chosen)
    return request.accept_languages.best_match(languages) or "en"


def select_timezone() -> str | None:
    return getattr(g, "event_timezone", None)


def format_in_zone(value: datetime | None, tz: str, fmt: str = "medium") -> str:
    """Format an aware UTC datetime in an event's zone, in the user's locale.

    ``fmt`` is a Babel width (``short``... ``full``) or a CLDR pattern written for English,
    such as ``"EEEE d MMMM y, HH:mm"``. English uses the pattern as written; other languages
    get the same fields in their own order and punctuation (`localize_pattern`), so Finnish
    reads "sunnuntai 13. joulukuuta 2026 klo 12.00", not an English layout in Finnish words.
    """
    if value is None:
        return ""
    locale = current_language()
    local = value.astimezone(ZoneInfo(tz))
    if fmt in ("short", "medium", "long", "full"):
        return format_datetime(local, fmt, locale=locale)
    if locale == "en":
        return format_datetime(local, fmt, locale=locale)
    return localize_pattern(local, fmt, locale)


_FIELD = re.compile(r"'[^']*'|([A-Za-z])\1*")
# How a date and a time are joined (CLDR's long date-time format where Babel's data lags).
_DATETIME_JOIN = {"fi": "{1} 'klo' {0}", "sv": "{1} 'kl'. {0}"}


def localize_pattern(value: datetime, pattern: str, locale: str) -> str:
    """The fields of an English CLDR ``pattern`` formatted the way ``locale`` writes them."""
    fields: dict[str, str] = {}
    for match in _FIELD.finditer(pattern):
        if match.group(1):
            fields.setdefault(match.group(1), match.group(0))
    weekday, month = fields.get("E", ""), fields.get("M", fields.get("L", ""))
    year, day = fields.get("y", ""), fields.get("d", "")
    date_text = ""
    if month or day or year or weekday:
        if len(weekday) >= 4 and len(month) >= 4 and year and day:
            date_text = format_date(value, "full", locale=locale)
        elif not weekday and len(month) >= 4 and year and day:
            date_text = format_date(value, "long", locale=locale)
        elif not weekday and len(month) == 3 and year and day:
            date_text = format_date(value, "medium", locale=locale)
        else:
            skeleton = ("y" if year else "") + month + weekday[:4] + ("d" if day else "")
            date_text = format_skeleton(skeleton, value, locale=locale)
    time_text = ""
    if "H" in fields or "h" in fields:
        time_text = format_time(value, "medium" if "s" in fields else "short", locale=locale)
    zone = fields.get("v") or fields.get("z")
    if zone:
        time_text = f"{time_text} {format_datetime(value, zone, locale=locale)}".strip()
    if date_text and time_text:
        join = _DATETIME_JOIN.get(locale) or str(Locale.parse(locale).datetime_formats["long"])
        return join.replace("'", "").replace("{1}", date_text).replace("{0}", time_text)
    return date_text or time_text


def current_language() -> str:
    return str(get_locale() or "en")
