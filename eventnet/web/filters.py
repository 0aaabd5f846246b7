"""Jinja filters: dates in an event's time zone, sanitized Markdown, numbers per locale."""

from __future__ import annotations

from datetime import datetime

import markdown as md
import nh3
from babel.numbers import format_decimal
from flask import Flask
from markupsafe import Markup

from ..i18n import current_language, format_in_zone

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "ul",
    "ol",
    "li",
    "a",
    "h2",
    "h3",
    "h4",
    "blockquote",
    "code",
    "pre",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}


def render_markdown(text: str | None) -> Markup:
    """Markdown to HTML with everything but a small set of tags removed (no scripts, no images)."""
    html = md.markdown(text or "", extensions=["extra", "sane_lists"])
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)  # noqa: S704 - sanitized by nh3 above


def register_filters(app: Flask) -> None:
    @app.template_filter("in_zone")
    def in_zone(value: datetime | None, tz: str = "UTC", fmt: str = "medium") -> str:
        return format_in_zone(value, tz, fmt)

    @app.template_filter("number")
    def number(value: float | int | None) -> str:
        return "" if value is None else format_decimal(value, locale=current_language())

    app.add_template_filter(render_markdown, "markdown")
