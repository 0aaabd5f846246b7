"""An event's accent colour and logo: readable whatever the wish, served CSP-safely."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from PIL import Image

from eventnet.extensions import db
from eventnet.models import AuditEntry, Event, EventLogo, EventStatus
from eventnet.services.branding import contrast, palette, parse_hex
from tests.conftest import csrf_from, login
from tests.factories import PASSWORD, make_event, make_organizer, make_registration

WHITE = (255, 255, 255)


def png(width: int = 900, height: int = 300, colour: tuple[int, ...] = (200, 30, 60, 255)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (width, height), colour).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize("wish", ["#ffdd00", "#1f5fbf", "#ffffff", "#000000", "#7fffd4", "#e0a526"])
def test_the_palette_keeps_aa_contrast_whatever_the_wish(wish: str) -> None:
    p = palette(wish)
    assert contrast(parse_hex(p.primary), WHITE) >= 4.5  # white button text, links on white
    assert contrast(parse_hex(p.primary), (247, 248, 250)) >= 4.5  # links on the page
    assert contrast(parse_hex(p.primary), parse_hex(p.soft)) >= 4.5  # links on the soft shade
    assert contrast(parse_hex(p.dark), WHITE) >= 7
    assert contrast(parse_hex(p.dark), parse_hex(p.soft)) >= 4.5  # text on the soft shade
    assert p.adjusted == (p.primary != wish)


def test_a_dark_enough_colour_is_used_as_it_is() -> None:
    assert palette("#1F5FBF").primary == "#1f5fbf" and not palette("#1f5fbf").adjusted


@pytest.fixture
def world(client: FlaskClient) -> dict[str, str]:
    owner = make_organizer()
    event = make_event(organizers=(owner,), slug="branded-day", title="Branded Day")
    make_registration(event, token="branded-token")
    return {"owner": owner.email}


def save(client: FlaskClient, data: dict, *, expect: int = 302):  # type: ignore[no-untyped-def]
    page = client.get("/admin/events/branded-day/appearance")
    response = client.post(
        "/admin/events/branded-day/appearance",
        data={**data, "csrf_token": csrf_from(page.get_data(as_text=True))},
        content_type="multipart/form-data",
    )
    assert response.status_code == expect, response.get_data(as_text=True)[:400]
    return response


def test_organizer_sets_colour_and_logo_and_attendees_see_them(client: FlaskClient, world) -> None:
    login(client, world["owner"], PASSWORD)
    page = client.get("/admin/events/branded-day/appearance").get_data(as_text=True)
    assert "The event uses eventnet's own colours." in page
    save(
        client,
        {
            "use_accent": "y",
            "accent_color": "#ffcc00",  # far too light for white text: gets darkened
            "logo": (io.BytesIO(png()), "logo.png"),
            "logo_alt": "  Branded   University ",
        },
    )
    event = db.session.scalar(sa.select(Event).where(Event.slug == "branded-day"))
    assert event is not None and event.accent_color == "#ffcc00"
    logo = db.session.get(EventLogo, event.id)
    assert logo is not None and (logo.width, logo.height) == (640, 213)  # shrunk to fit
    assert logo.alt_text == "Branded University" and logo.content_type == "image/png"
    audit = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "event.updated"))
    assert audit is not None and audit.after["accent_color"] == "#ffcc00"

    page = client.get("/admin/events/branded-day/appearance").get_data(as_text=True)
    assert "was darkened to" in page and "<svg" in page and "style=" not in page

    public = client.get("/events/branded-day").get_data(as_text=True)
    css_url = re.search(
        r'<link rel="stylesheet" href="(/events/branded-day/theme\.css\?v=\w+)"', public
    )
    logo_tag = re.search(r'<img class="event-logo" src="([^"]+)" alt="Branded University"', public)
    assert css_url and logo_tag
    css = client.get(css_url.group(1))
    assert css.mimetype == "text/css" and "immutable" in css.headers["Cache-Control"]
    primary = re.search(r"--c-primary: (#[0-9a-f]{6});", css.get_data(as_text=True)).group(1)
    assert primary != "#ffcc00" and contrast(parse_hex(primary), WHITE) >= 4.5
    image = client.get(logo_tag.group(1))
    assert image.mimetype == "image/png" and image.headers["X-Content-Type-Options"] == "nosniff"
    assert Image.open(io.BytesIO(image.data)).size == (640, 213)
    # The attendee's own pages carry the theme too; the organizer pages do not.
    assert css_url.group(1) in client.get("/r/branded-token").get_data(as_text=True)
    assert "theme.css" not in client.get("/admin/events/branded-day/").get_data(as_text=True)


def test_bad_uploads_are_refused_next_to_the_field(client: FlaskClient, world) -> None:
    login(client, world["owner"], PASSWORD)
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    for payload, message in (
        (svg, "not an image we can read"),
        (b"GIF89a" + b"\0" * 20, "not an image we can read"),
        (b"x" * (1024 * 1024 + 10), "at most 1 MB"),
    ):
        response = save(
            client, {"use_accent": "", "logo": (io.BytesIO(payload), "evil.svg")}, expect=400
        )
        html = response.get_data(as_text=True)
        assert message in html and 'id="logo-error"' in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EventLogo)) == 0


def test_colour_is_validated_and_can_be_switched_off(client: FlaskClient, world) -> None:
    login(client, world["owner"], PASSWORD)
    response = save(client, {"use_accent": "y", "accent_color": "red; }"}, expect=400)
    assert "Use a colour like #1f5fbf." in response.get_data(as_text=True)
    save(client, {"use_accent": "y", "accent_color": "#0f7b6c"})
    save(client, {"use_accent": ""})
    event = db.session.scalar(sa.select(Event).where(Event.slug == "branded-day"))
    assert event is not None and event.accent_color is None
    assert "theme.css" not in client.get("/events/branded-day").get_data(as_text=True)


def test_theme_and_logo_of_a_draft_or_unknown_event_are_not_served(
    client: FlaskClient, world
) -> None:
    login(client, world["owner"], PASSWORD)
    save(
        client, {"use_accent": "y", "accent_color": "#0f7b6c", "logo": (io.BytesIO(png()), "l.png")}
    )
    client.post("/auth/logout", data={"csrf_token": csrf_from(client.get("/").get_data(True))})
    assert client.get("/events/branded-day/theme.css").status_code == 200
    event = db.session.scalar(sa.select(Event).where(Event.slug == "branded-day"))
    assert event is not None
    event.status = EventStatus.DRAFT
    db.session.commit()
    assert client.get("/events/branded-day/theme.css").status_code == 404
    assert client.get("/events/branded-day/logo").status_code == 404
    assert client.get("/events/nope/theme.css").status_code == 404
    # Only the event's organizers see the draft's logo in the organizer area.
    assert client.get("/admin/events/branded-day/appearance/logo").status_code == 302
