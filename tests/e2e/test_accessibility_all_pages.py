"""axe-core on every public, portal, follow-up and organizer page of the demo.

The page list is the screenshot script's (`scripts/screenshots.py` `SCREENS`), so a page added
there is checked here too. Zero violations of any impact (minor to critical), on a phone
(390 px, where the layout is tightest) and on a desktop; on the phone the page must also
reflow without sideways scrolling (WCAG 1.4.10). One browser context per size: the visitor's
pages first, then the organizer signs in in the same context.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import DESKTOP, PHONE, assert_accessible

ALL_IMPACTS = ("minor", "moderate", "serious", "critical")


def _screens_module() -> Any:
    path = Path(__file__).resolve().parents[2] / "scripts" / "screenshots.py"
    spec = importlib.util.spec_from_file_location("eventnet_screens", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


screens = _screens_module()


@pytest.fixture(scope="module")
def world(live_server: Any) -> Any:
    """The demo's pages; the upcoming event wears a light accent colour (that the palette must
    darken to stay readable) and a logo, so the themed pages are checked too."""
    world = screens.prepare_world(live_server.app)
    with live_server.app.app_context():
        import io

        import sqlalchemy as sa
        from PIL import Image

        from eventnet.demo import DEMO_ORGANIZER_EMAIL
        from eventnet.extensions import db
        from eventnet.models import Event, OrganizerAccount, utcnow
        from eventnet.services.branding import update_appearance

        logo = io.BytesIO()
        Image.new("RGBA", (320, 120), (15, 123, 108, 255)).save(logo, "PNG")
        event_id = db.session.scalar(sa.select(Event.id).where(Event.slug == world.upcoming))
        organizer = db.session.scalar(
            sa.select(OrganizerAccount).where(OrganizerAccount.email == DEMO_ORGANIZER_EMAIL)
        )
        update_appearance(
            event_id,
            accent_color="#e0a526",
            logo=logo.getvalue(),
            logo_alt="Demo University",
            actor=organizer,
            now=utcnow(),
        )
        db.session.remove()
    return world


def _overflow(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_every_page_passes_axe_core(live_server: Any, browser: Any, world: Any, size: str) -> None:
    phone = size == "phone"
    context = browser.new_context(
        viewport=PHONE if phone else DESKTOP, locale="en-GB", is_mobile=phone, has_touch=phone
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems: list[str] = []
    signed_in = False
    try:
        ordered = sorted(screens.SCREENS, key=lambda s: s.who == "organizer")
        assert {s.who for s in ordered} == {"visitor", "organizer"}
        for screen in ordered:
            if screen.who == "organizer" and not signed_in:
                screens.sign_in(page, live_server.url)
                signed_in = True
            response = screens.open_screen(page, live_server.url, world, screen)
            if response is not None and response.status != screen.status:
                problems.append(f"{screen.name}: HTTP {response.status}, not {screen.status}")
            try:
                assert_accessible(page, impacts=ALL_IMPACTS)
            except AssertionError as exc:
                problems.append(f"{screen.name}: {exc}")
            themed = screen.who == "visitor" and f"/events/{world.upcoming}" in page.url
            if themed and page.locator("img.event-logo").count() != 1:
                problems.append(f"{screen.name}: the event's logo is missing")
            if phone and _overflow(page) > 0:
                problems.append(f"{screen.name}: scrolls sideways by {_overflow(page)} px")
    finally:
        context.close()
    assert not problems, f"{len(problems)} pages with problems ({size}):\n" + "\n".join(problems)
