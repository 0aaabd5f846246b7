"""Dates, times and numbers in each language's own layout; the language is remembered; mail
is written in its recipient's language whatever the sender's."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale

from eventnet.extensions import db
from eventnet.i18n import format_in_zone, localize_pattern
from eventnet.models import AttendeeRole, OutboxMessage
from eventnet.services import messages
from eventnet.services.attendees import AttendeeQuery
from tests.conftest import post_form
from tests.factories import make_event, make_organizer, make_registration

MOMENT = datetime(2026, 12, 13, 10, 5, tzinfo=UTC)  # 12:05 in Helsinki


@pytest.mark.parametrize(
    ("lang", "pattern", "expected"),
    [
        ("en", "EEEE d MMMM y, HH:mm", "Sunday 13 December 2026, 12:05"),
        ("fi", "EEEE d MMMM y, HH:mm", "sunnuntai 13. joulukuuta 2026 klo 12.05"),
        ("sv", "EEEE d MMMM y, HH:mm", "söndag 13 december 2026 kl. 12:05"),
        ("fi", "HH:mm", "12.05"),
        ("sv", "HH:mm", "12:05"),
        ("fi", "d MMM y", "13.12.2026"),
        ("fi", "d MMMM y", "13. joulukuuta 2026"),
        ("sv", "d MMMM y", "13 december 2026"),
        ("fi", "HH:mm vvvv", "12.05 Itä-Euroopan aika"),
    ],
)
def test_dates_follow_the_readers_language(app: Flask, lang: str, pattern: str, expected: str):
    with app.test_request_context(), force_locale(lang):
        assert format_in_zone(MOMENT, "Europe/Helsinki", pattern) == expected


def test_every_pattern_the_templates_use_has_a_finnish_and_swedish_form() -> None:
    """No pattern falls through untranslated: each gives a date and/or time in the language."""
    root = Path(__file__).resolve().parents[2] / "templates"
    patterns = set()
    for path in root.rglob("*.*"):
        patterns |= set(re.findall(r"in_zone\([^,]+, \"([^\"]+)\"\)", path.read_text("utf-8")))
    assert len(patterns) > 10
    local = MOMENT.astimezone(ZoneInfo("Europe/Helsinki"))
    for pattern in patterns - {"short", "medium", "long", "full"}:
        for lang in ("fi", "sv"):
            text = localize_pattern(local, pattern, lang)
            assert text, pattern
            if "H" in pattern:
                assert "12" in text and "05" in text, (pattern, lang, text)
            if "MMMM" in pattern:
                assert ("joulukuuta" if lang == "fi" else "december") in text, (pattern, text)


def test_numbers_follow_the_readers_language(app: Flask) -> None:
    number = app.jinja_env.filters["number"]
    with app.test_request_context():
        with force_locale("fi"):
            assert number(12345) == "12\N{NO-BREAK SPACE}345"
        with force_locale("sv"):
            assert number(12345) == "12\N{NO-BREAK SPACE}345"
        with force_locale("en"):
            assert number(12345) == "12,345"


def test_the_chosen_language_outlives_the_session(client: FlaskClient) -> None:
    make_event(slug="lang-day")
    response = post_form(client, "/language", {"lang": "fi", "next": "/"}, page="/")
    cookie = client.get_cookie("lang")
    assert cookie is not None and cookie.value == "fi" and cookie.http_only
    assert "max-age" in response.headers["Set-Cookie"].lower()
    client.delete_cookie("session")  # the browser was closed, or the organizer signed out
    page = client.get("/events/lang-day", headers={"Accept-Language": "sv"})
    html = page.get_data(as_text=True)
    assert '<html lang="fi">' in html
    assert "huhtikuuta 2027" in html  # the event page's date, in Finnish
    # An unknown language in the cookie is ignored: the browser's choice wins.
    client.set_cookie("lang", "xx")
    assert '<html lang="sv">' in client.get("/", headers={"Accept-Language": "sv"}).get_data(True)


def test_an_organizer_message_gives_the_date_in_each_recipients_language(
    app: Flask, client: FlaskClient
) -> None:
    organizer = make_organizer()
    event = make_event(slug="message-day", starts_at=MOMENT, organizers=(organizer,))
    make_registration(event, name="Aino", role="student", email="aino@example.org", locale="fi")
    make_registration(event, name="Ann", role="student", email="ann@example.org", locale="en")
    with app.test_request_context(headers={"Accept-Language": "en"}):
        messages.send_message(
            event.id,
            AttendeeQuery(role=AttendeeRole.STUDENT),
            "See you",
            "It starts {event_date}.",
            actor=organizer,
            now=datetime.now(UTC),
        )
    sent = {
        m.to_address: m.body_text
        for m in db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.kind == "organizer_message")
        )
    }
    assert "It starts sunnuntai 13. joulukuuta 2026 klo 12.05." in sent["aino@example.org"]
    assert "It starts Sunday 13 December 2026, 12:05." in sent["ann@example.org"]
