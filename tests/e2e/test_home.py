"""The public home page in a real browser: it renders, works on a phone and passes axe-core."""

from __future__ import annotations

from tests.e2e.conftest import assert_accessible


def test_home_lists_the_demo_event_and_is_accessible(live_server, page) -> None:
    page.goto(live_server.url + "/")
    assert page.get_by_role("heading", name="Upcoming events").is_visible()
    assert page.get_by_role("link", name="International Talent Meets Employers").first.is_visible()
    assert_accessible(page, impacts=("minor", "moderate", "serious", "critical"))


def test_home_on_a_phone_switches_language(live_server, phone_page) -> None:
    phone_page.goto(live_server.url + "/")
    phone_page.locator("#lang-fi").click()
    phone_page.wait_for_load_state("networkidle")
    assert phone_page.locator("html").get_attribute("lang") == "fi"
    assert_accessible(phone_page)


def test_organizer_signs_in_with_the_demo_login(live_server, page) -> None:
    page.goto(live_server.url + "/auth/login")
    page.get_by_label("E-mail").fill("organizer@eventnet.example")
    page.get_by_label("Password").fill("demo-organizer")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/admin/")
    assert page.get_by_role("heading", name="My events").is_visible()
    assert_accessible(page)
