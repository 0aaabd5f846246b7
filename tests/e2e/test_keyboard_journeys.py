"""Registration and check-in done with the keyboard only: Tab, Shift+Tab, Enter, Space (and
typing into fields; in a radio group the arrow keys, as the ARIA radio pattern has it), never a
click. Every stop on the way must show where the focus is, form errors must be announced (an
alert that takes the focus, fields described by their error), and the skip link must lead to
the content.

Each attendee role registers (at phone or desktop size, in English or Finnish as the browser
asks), gets the confirmation mail in that language from the SMTP server, and continues in the
portal from the mailed link; organizers check people in and undo it at both sizes and in
both languages. axe-core (every impact) runs on every page on the way.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from eventnet.extensions import db
from eventnet.models import Registration, RegistrationStatus
from tests.e2e.conftest import assert_accessible
from tests.factories import make_event

ORGANIZER = ("organizer@eventnet.example", "demo-organizer")  # the demo's organizer
ALL_IMPACTS = ("minor", "moderate", "serious", "critical")

FOCUSED = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) { return null; }
  const s = getComputedStyle(e);
  const label = e.labels && e.labels.length ? e.labels[0].innerText : "";
  return {
    tag: e.tagName.toLowerCase(), id: e.id || "", type: e.type || "", name: e.name || "",
    form: e.form ? e.form.getAttribute("action") || "" : "",
    text: (e.innerText || e.value || "").trim().replace(/\\s+/g, " ").slice(0, 120),
    label: label.trim().replace(/\\s+/g, " "), href: e.getAttribute("href") || "",
    role: e.getAttribute("role") || "", checked: !!e.checked,
    visible: (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2)
      || s.boxShadow !== "none",
  };
}"""


def focused(page: Any) -> dict[str, Any]:
    return page.evaluate(FOCUSED) or {}


def tab_to(
    page: Any, wanted: Callable[[dict[str, Any]], bool], *, back: bool = False, limit: int = 250
) -> dict[str, Any]:
    """Press Tab (or Shift+Tab) until the focused element is the wanted one; every element
    passed on the way must show a visible focus indicator."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        current = focused(page)
        if current:
            assert current["visible"], f"no visible focus on {current}"
            seen.append(current.get("text") or current.get("label") or current.get("id"))
        if current and wanted(current):
            return current
    raise AssertionError(f"not reachable with the keyboard; passed: {seen[-30:]}")


def by_id(element_id: str) -> Callable[[dict[str, Any]], bool]:
    return lambda f: f["id"] == element_id


def by_text(text: str) -> Callable[[dict[str, Any]], bool]:
    return lambda f: f["text"] == text or f["text"].startswith(text + " ")


def wait_until(page: Any, predicate: str, timeout: float = 10.0) -> None:
    """Poll ``predicate`` with page.evaluate (which the page's CSP allows, unlike
    wait_for_function's string predicates, which need 'unsafe-eval')."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(predicate):
        assert time.monotonic() < deadline, f"timed out waiting for {predicate}"
        page.wait_for_timeout(50)


def register_button(f: dict[str, Any]) -> bool:
    """The registration form's own submit button (the header's language buttons submit too)."""
    return f["tag"] == "button" and f["type"] == "submit" and f["form"].endswith("/register")


def type_into(page: Any, element_id: str, text: str) -> None:
    tab_to(page, by_id(element_id))
    page.keyboard.type(text)


@pytest.fixture(scope="module")
def keyboard_event(live_server: Any) -> str:
    from eventnet.models import EventOrganizer, OrganizerAccount

    with live_server.app.app_context():
        organizer = db.session.scalar(
            sa.select(OrganizerAccount).where(OrganizerAccount.email == ORGANIZER[0])
        )
        event = make_event(
            slug="keyboard-day",
            title="Keyboard Networking Day",
            quotas={"student": 20, "employer": 10, "staff": 10},
            starts_at=datetime.now(UTC) + timedelta(days=12),
            interests=("Data science", "Internships"),
        )
        db.session.add(EventOrganizer(event_id=event.id, organizer=organizer, is_owner=True))
        db.session.commit()
        slug = event.slug
        db.session.remove()
    return slug


def translated(app: Any, lang: str, msgid: str, **params: Any) -> str:
    """``msgid`` as the app says it in ``lang`` (the catalogue, not a copy of it)."""
    from flask_babel import force_locale
    from flask_babel import gettext as _

    with app.test_request_context(), force_locale(lang):
        return str(_(msgid, **params))


def new_page(browser: Any, size: str, lang: str) -> tuple[Any, Any]:
    from tests.e2e.conftest import DESKTOP, PHONE

    phone = size == "phone"
    context = browser.new_context(
        viewport=PHONE if phone else DESKTOP,
        locale="fi-FI" if lang == "fi" else "en-GB",  # the browser asks for the language
        is_mobile=phone,
        has_touch=phone,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


@pytest.mark.parametrize(
    ("role", "size", "lang"),
    [
        ("student", "phone", "fi"),
        ("student", "desktop", "en"),
        ("employer", "desktop", "fi"),
        ("employer", "phone", "en"),
        ("staff", "phone", "fi"),
        ("staff", "desktop", "en"),
    ],
    ids=lambda value: str(value),
)
def test_registration_with_the_keyboard_only(
    live_server: Any,
    browser: Any,
    smtp_server: Any,
    keyboard_event: str,
    role: str,
    size: str,
    lang: str,
) -> None:
    context, page = new_page(browser, size, lang)
    email = f"keyboard.{role}.{size}@{role}.example"
    try:
        page.goto(f"{live_server.url}/events/{keyboard_event}")
        assert page.locator("html").get_attribute("lang") == lang
        # The skip link comes first and leads past the header to the content.
        skip = tab_to(page, lambda f: f["href"] == "#main", limit=1)
        assert skip["visible"] and page.locator(".skip-link").is_visible()
        page.keyboard.press("Enter")
        assert focused(page).get("id") in ("", "main") or page.url.endswith("#main")
        tab_to(page, lambda f: f["href"].endswith(f"/events/{keyboard_event}/register"))
        page.keyboard.press("Enter")
        page.wait_for_url(f"**/events/{keyboard_event}/register")

        # Sent incomplete: the error summary is an alert and takes the focus.
        tab_to(page, register_button)
        page.keyboard.press("Enter")
        page.wait_for_selector("#error-summary")
        wait_until(page, "() => document.activeElement.id === 'error-summary'")
        assert page.locator("#error-summary").get_attribute("role") == "alert"
        assert "name-error" in (page.locator("#name").get_attribute("aria-describedby") or "")
        assert page.locator("#name").get_attribute("aria-invalid") == "true"
        assert_accessible(page, impacts=ALL_IMPACTS)
        # From the summary, Enter on an error's link goes to its question.
        tab_to(page, lambda f: f["href"] == "#role", limit=3)
        page.keyboard.press("Enter")
        wait_until(page, "() => document.activeElement.id === 'role'")
        # Into the radio group with Tab (its first option when none is chosen), then the
        # arrow keys to the role, as in any radio group.
        first = tab_to(page, lambda f: f["type"] == "radio", limit=1)
        order = page.eval_on_selector_all("input[name=role]", "els => els.map(e => e.value)")
        assert first["id"] == f"role-{order[0]}"
        for _ in range(order.index(role)):
            page.keyboard.press("ArrowDown")
        if role == order[0]:
            page.keyboard.press("Space")
        assert page.locator(f"#role-{role}").is_checked()
        type_into(page, "name", f"Kim {role.title()}")
        type_into(page, "email", email)
        if role == "student":
            type_into(page, "degree_programme", "MSc Human-Computer Interaction")
        else:
            type_into(page, "organization", f"Keyboard {role.title()} Oy")
            type_into(page, "job_title", "Partnerships lead")
        interest = tab_to(page, lambda f: f["type"] == "checkbox" and f["label"] == "Data science")
        assert not interest["checked"]
        page.keyboard.press("Space")
        tab_to(page, by_id("consent_privacy"))
        page.keyboard.press("Space")
        assert page.locator("#consent_privacy").is_checked()
        tab_to(page, register_button)
        page.keyboard.press("Enter")
        page.wait_for_url(f"**/events/{keyboard_event}/registered")
        assert page.locator("h1").is_visible()
        assert_accessible(page, impacts=ALL_IMPACTS)

        # The confirmation mail speaks the registrant's language and carries the link.
        [mail] = smtp_server.wait_for(email)
        assert mail["Subject"] == translated(
            live_server.app, lang, "You are registered: %(title)s", title="Keyboard Networking Day"
        )
        text = mail.get_body(("plain",)).get_content()
        link = re.search(r"https?://[^/\s]+/r/[\w-]+", text)
        assert link, text
        # The portal from the mailed link: the registration, then the profile editor.
        page.goto(link.group(0))
        assert page.locator("html").get_attribute("lang") == lang
        assert_accessible(page, impacts=ALL_IMPACTS)
        tab_to(page, lambda f: f["href"].endswith("/edit"))
        page.keyboard.press("Enter")
        page.wait_for_url("**/edit")
        assert_accessible(page, impacts=ALL_IMPACTS)
    finally:
        context.close()
    with live_server.app.app_context():
        reg = db.session.scalar(sa.select(Registration).where(Registration.email == email))
        assert reg is not None and reg.name == f"Kim {role.title()}" and reg.role.value == role
        assert reg.status == RegistrationStatus.CONFIRMED and reg.locale == lang
        assert [t.interest.label for t in reg.tags] == ["Data science"]
        db.session.remove()


@pytest.mark.parametrize(("size", "lang"), [("desktop", "en"), ("phone", "fi")])
def test_check_in_and_undo_with_the_keyboard_only(
    live_server: Any, browser: Any, keyboard_event: str, size: str, lang: str
) -> None:
    from eventnet.models import Event
    from tests.factories import make_registration

    name = f"Ulla Undo-{size}"
    with live_server.app.app_context():
        event = db.session.scalar(sa.select(Event).where(Event.slug == keyboard_event))
        guest = make_registration(event, name=name, email=f"ulla.{size}@example.org")
        guest_id = guest.id
        db.session.remove()

    context, page = new_page(browser, size, lang)
    try:
        page.goto(f"{live_server.url}/auth/login")
        type_into(page, "email", ORGANIZER[0])
        type_into(page, "password", ORGANIZER[1])
        page.keyboard.press("Enter")
        page.wait_for_url("**/admin/")
        # From the list of events to the event and its check-in desk, by keyboard.
        tab_to(page, lambda f: f["href"].endswith(f"/admin/events/{keyboard_event}/"))
        page.keyboard.press("Enter")
        page.wait_for_url(f"**/admin/events/{keyboard_event}/")
        tab_to(page, lambda f: f["href"].endswith(f"/admin/events/{keyboard_event}/checkin"))
        page.keyboard.press("Enter")
        page.wait_for_url(f"**/{keyboard_event}/checkin")
        assert focused(page)["id"] == "desk-q"  # the desk starts in the search box
        page.keyboard.type(name)
        page.wait_for_selector("#desk-results li")
        tab_to(page, lambda f: f["form"].endswith(f"/attendees/{guest_id}/checkin"))
        page.keyboard.press("Enter")
        status = page.locator("#desk-status")
        wait_until(page, "() => document.getElementById('desk-status').textContent.length > 0")
        assert status.get_attribute("role") == "status"  # announced politely
        assert name in status.inner_text()
        assert focused(page)["id"] == "desk-q"  # ready for the next person
        with live_server.app.app_context():
            assert db.session.get(Registration, guest_id).checked_in_at is not None
            db.session.remove()
        assert_accessible(page, impacts=ALL_IMPACTS)

        # Undo is one Tab and Enter away.
        tab_to(page, lambda f: f["form"].endswith(f"/attendees/{guest_id}/undo-checkin"))
        page.keyboard.press("Enter")
        page.wait_for_selector("#desk-results li:not(.is-in)")
        with live_server.app.app_context():
            assert db.session.get(Registration, guest_id).checked_in_at is None
            db.session.remove()
    finally:
        context.close()
