"""A student registers on a phone, manages the registration from the e-mailed link, cancels,
and the first person on the waiting list is promoted and told so by e-mail.

Real Chromium (390x844), the real SMTP server of tests/conftest.py, axe-core on every page.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from eventnet.extensions import db
from eventnet.models import Registration, RegistrationStatus
from eventnet.services.registration import RegistrationInput, register
from tests.e2e.conftest import assert_accessible
from tests.factories import make_event

STUDENT = "mai.nguyen@student.example"
WAITING = "omar.haddad@student.example"


def _make_event(app) -> str:
    with app.app_context():
        event = make_event(
            slug="journey-day",
            title="Journey Networking Day",
            quotas={"student": 1, "employer": 5},
            starts_at=datetime.now(UTC) + timedelta(days=10),
            interests=("Data science", "Circular economy", "Internships"),
            description="Meet **employers** and universities.",
            agenda="- 12:00 Doors open\n- 13:00 Meetings",
        )
        slug = event.slug
        db.session.remove()
    return slug


def _text(message) -> str:
    return message.get_body(("plain",)).get_content()


def test_student_registers_manages_cancels_and_the_next_is_promoted(
    live_server, phone_page, smtp_server
) -> None:
    page = phone_page
    slug = _make_event(live_server.app)
    base = live_server.url

    # The event page: places per role and a clear call to register.
    page.goto(f"{base}/events/{slug}")
    assert page.get_by_role("heading", name="Journey Networking Day").is_visible()
    assert page.get_by_text("1 place left").is_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Register", exact=True).click()

    # The form: first sent incomplete, to see the error summary, then completed.
    page.wait_for_url(f"**/events/{slug}/register")
    assert_accessible(page)
    page.locator("#role-student").check()
    assert page.locator("fieldset[data-roles='staff employer']").is_hidden()
    page.get_by_label("Full name").fill("Mai Nguyen")
    page.get_by_label("E-mail").fill(f"  {STUDENT.upper()} ")
    page.get_by_role("button", name="Register").click()
    assert page.locator("#error-summary").is_visible()
    assert page.get_by_text("Please accept the privacy notice to register.").first.is_visible()
    assert_accessible(page)
    page.get_by_label("Degree programme").fill("Master's Programme in Data Science")
    page.locator("#interests").get_by_label("Data science").check()
    page.get_by_label("I have read the privacy notice").check()
    page.get_by_role("button", name="Register").click()

    page.wait_for_url(f"**/events/{slug}/registered")
    assert page.get_by_role("heading", name="You are registered!").is_visible()
    assert_accessible(page)

    # The confirmation mail, from the SMTP server: ticket, calendar file and the manage link.
    [mail] = smtp_server.wait_for(STUDENT)
    assert mail["Subject"] == "You are registered: Journey Networking Day"
    types = {part.get_content_type() for part in mail.walk()}
    assert {"text/plain", "text/html", "image/png", "text/calendar"} <= types
    link = re.search(r"http://127\.0\.0\.1:\d+/r/[\w-]+", _text(mail)).group(0)

    # Someone else registers meanwhile and waits for a place.
    with live_server.app.app_context():
        waiting = register(
            db.session.scalar(
                db.select(Registration.event_id).where(Registration.email == STUDENT)
            ),
            RegistrationInput(
                name="Omar Haddad",
                email=WAITING,
                role="student",
                degree_programme="MSc Physics",
                consent_privacy=True,
            ),
            datetime.now(UTC),
        )
        db.session.remove()
    assert waiting.status == RegistrationStatus.WAITLISTED and waiting.waitlist_position == 1
    smtp_server.wait_for(WAITING)

    # The manage page, its profile editor and the ticket.
    page.goto(link)
    assert page.get_by_text("Your place is confirmed").is_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Edit profile").click()
    assert_accessible(page)
    page.locator("#interests").get_by_label("Circular economy").check()
    page.locator("#interests").get_by_label("Data science").uncheck()
    page.get_by_role("button", name="Save changes").click()
    assert page.get_by_text("Your changes are saved.").is_visible()
    interests = page.locator(".profile-facts .tag-list").first
    assert interests.get_by_text("Circular economy", exact=True).is_visible()
    assert interests.get_by_text("Data science", exact=True).count() == 0
    page.get_by_role("link", name="Show my ticket").click()
    assert page.locator("img.ticket-qr").is_visible()
    assert_accessible(page)
    page.go_back()

    # Cancel, with a confirmation step.
    page.get_by_role("link", name="Cancel my registration").click()
    assert page.get_by_role("heading", name="Cancel your registration?").is_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Yes, cancel my registration").click()
    assert page.get_by_text("Your registration is cancelled").first.is_visible()
    assert_accessible(page)

    # The person waiting got the place, and the mail saying so.
    promoted = [m for m in smtp_server.wait_for(WAITING, count=2) if "place" in m["Subject"]]
    assert promoted and promoted[0]["Subject"].startswith("Good news, you have a place")
    with live_server.app.app_context():
        status = db.session.scalar(
            db.select(Registration.status).where(Registration.email == WAITING)
        )
        db.session.remove()
    assert status == RegistrationStatus.CONFIRMED
    page.goto(f"{base}/events/{slug}")
    assert page.locator(".places-item.role-student").get_by_text("Full").is_visible()
    assert_accessible(page)
