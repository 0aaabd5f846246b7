"""An organizer runs an event from draft to check-in, in real Chromium.

Create and publish an event with quotas; a person registers on the public page; the organizer
finds them, checks them in from the desk on a phone, and downloads badges (the PDF's text has
the name) and the attendee CSV (the row is there). axe-core checks every organizer page.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from pathlib import Path

from pypdf import PdfReader

from eventnet.extensions import db
from eventnet.models import Registration
from tests.e2e.conftest import assert_accessible

ORGANIZER = ("organizer@eventnet.example", "demo-organizer")
SLUG = "journey-fair-e2e"
TITLE = "Journey Fair for Organizers"
PERSON = ("Zofia Kowalczyk-Lindqvist", "zofia.kl@student.example")


def sign_in(page, base: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/auth/login")
    page.get_by_label("E-mail").fill(ORGANIZER[0])
    page.get_by_label("Password").fill(ORGANIZER[1])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/admin/")


def test_organizer_runs_an_event_from_draft_to_check_in(
    live_server, page, phone_page, browser, tmp_path: Path
) -> None:
    base = live_server.url
    sign_in(page, base)
    assert_accessible(page)

    # Create the event (times are local times in its zone) with quotas, then publish it.
    page.get_by_role("link", name="New event").click()
    page.wait_for_url("**/admin/events/new")
    assert_accessible(page)
    day = (datetime.now() + timedelta(days=12)).strftime("%Y-%m-%d")
    page.get_by_label("Title", exact=True).fill(TITLE)
    page.get_by_label("Web address").fill(SLUG)
    page.get_by_label("Starts").fill(f"{day}T12:00")
    page.get_by_label("Ends").fill(f"{day}T17:00")
    page.get_by_label("Venue").fill("Main Building, Hall 1")
    page.get_by_label("Capacity (places in total)").fill("40")
    page.get_by_label("Places for international degree students").fill("20")
    page.get_by_label("Places for higher-education staff").fill("10")
    page.get_by_label("Places for employer representatives").fill("10")
    page.get_by_label("Description (Markdown)").fill("Meet **employers** in short 1:1s.")
    page.locator("#description-preview strong").get_by_text("employers").wait_for()
    page.get_by_label("Interest tags, one per line").fill("Data science\nInternships\n")
    page.get_by_role("button", name="Create event").click()
    page.wait_for_url(f"**/admin/events/{SLUG}/")
    assert page.get_by_text("Event created as a draft").is_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Publish").click()
    assert page.get_by_text("The event is published").is_visible()

    # A person registers through the public page.
    visitor = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    public = visitor.new_page()
    public.goto(f"{base}/events/{SLUG}/register")
    public.locator("#role-student").check()
    public.get_by_label("Full name").fill(PERSON[0])
    public.get_by_label("E-mail").fill(PERSON[1])
    public.get_by_label("Degree programme").fill("Master's Programme in Data Science")
    public.locator("#interests").get_by_label("Data science").check()
    public.get_by_label("I have read the privacy notice").check()
    public.get_by_role("button", name="Register").click()
    public.wait_for_url(f"**/events/{SLUG}/registered")
    visitor.close()

    # The organizer finds them in the attendee list.
    page.goto(f"{base}/admin/events/{SLUG}/attendees")
    page.get_by_role("searchbox", name="Search").fill("kowalczyk")
    page.get_by_role("button", name="Apply").click()
    row = page.get_by_role("row").filter(has_text=PERSON[0])
    assert row.count() == 1 and "Confirmed" in row.inner_text()
    assert_accessible(page)

    # Check-in desk on a phone: type-ahead, one tap, live counts.
    desk = phone_page
    sign_in(desk, base)
    desk.goto(f"{base}/admin/events/{SLUG}/checkin")
    assert_accessible(desk)
    assert desk.locator('[data-count="arrived"]').inner_text() == "0"
    desk.get_by_label("Name, e-mail or ticket code").fill("zofia")
    item = desk.locator(".desk-item").filter(has_text=PERSON[0])
    item.get_by_role("button", name="Check in").tap()
    item = desk.locator(".desk-item").filter(has_text=PERSON[0])
    item.get_by_text("In at").wait_for()
    assert desk.get_by_role("status").filter(has_text="is checked in").is_visible()
    assert desk.locator('[data-count="arrived"]').inner_text() == "1"
    assert_accessible(desk)
    with live_server.app.app_context():
        reg = db.session.scalar(db.select(Registration).where(Registration.email == PERSON[1]))
        assert reg.checked_in_at is not None
        db.session.remove()

    # Badges: the PDF's text contains the name.
    page.goto(f"{base}/admin/events/{SLUG}/badges")
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download PDF").click()
    pdf = tmp_path / "badges.pdf"
    download.value.save_as(pdf)
    text = "".join(p.extract_text() for p in PdfReader(pdf).pages)
    assert "Zofia" in text and "Kowalczyk" in text

    # CSV export of the list: the row is there.
    page.goto(f"{base}/admin/events/{SLUG}/attendees")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    content = Path(download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(content)))
    assert [r["E-mail"] for r in rows] == [PERSON[1]]
    assert rows[0]["Name"] == PERSON[0] and rows[0]["Checked in (Europe/Helsinki)"]
