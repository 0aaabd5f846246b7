"""Organizer screens for events: create with field errors, edit quotas, status, clone, tags."""

from __future__ import annotations

import re

import sqlalchemy as sa

from eventnet.extensions import db
from eventnet.models import AuditEntry, Event, EventStatus, RegistrationStatus
from tests.conftest import csrf_from, login, post_form
from tests.factories import PASSWORD, make_event, make_organizer, make_registration

FORM = {
    "title": "Career Day 2027",
    "slug": "career-day-2027",
    "timezone": "Europe/Helsinki",
    "starts_at": "2027-05-20T12:00",
    "ends_at": "2027-05-20T17:00",
    "venue": "Main hall",
    "capacity": "30",
    "quota_student": "15",
    "quota_staff": "5",
    "quota_employer": "10",
    "pending_hold_minutes": "1440",
    "description": "**Welcome**",
    "interests": "Data science\nRobotics\n",
}


def test_create_event_shows_every_problem_next_to_its_field(client) -> None:
    make_organizer("alice@uni.example")
    login(client, "alice@uni.example", PASSWORD)
    bad = dict(FORM, ends_at="2027-05-20T10:00", quota_staff="99", slug="Bad Slug")
    response = post_form(client, "/admin/events/new", bad)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "error-summary" in html
    assert "The event must end after it starts." in html
    assert "This quota (99) is above the event&#39;s capacity (30)." in html
    assert "lower-case letters, digits and hyphens" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Event)) == 0


def test_create_event_in_local_time_then_publish(client) -> None:
    make_organizer("alice@uni.example")
    login(client, "alice@uni.example", PASSWORD)
    response = post_form(client, "/admin/events/new", FORM)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/events/career-day-2027/")
    event = db.session.scalar(sa.select(Event).where(Event.slug == "career-day-2027"))
    assert event.starts_at.isoformat() == "2027-05-20T09:00:00+00:00"  # 12:00 in Helsinki
    assert {q.role.value: q.capacity for q in event.quotas} == {
        "student": 15,
        "staff": 5,
        "employer": 10,
    }
    assert [i.label for i in event.interests] == ["Data science", "Robotics"]
    page = client.get("/admin/events/career-day-2027/").get_data(as_text=True)
    assert "Publish" in page
    published = post_form(
        client,
        "/admin/events/career-day-2027/status",
        {"action": "publish"},
        page="/admin/events/career-day-2027/",
    )
    assert published.status_code == 302
    db.session.expire_all()
    assert (
        db.session.scalar(sa.select(Event.status).where(Event.slug == "career-day-2027"))
        == EventStatus.PUBLISHED
    )
    assert client.get("/events/career-day-2027").status_code == 200


def test_edit_refuses_a_quota_below_confirmed_places(client) -> None:
    alice = make_organizer("alice@uni.example")
    event = make_event(
        slug="fair", organizers=(alice,), quotas={"staff": 2, "student": 2, "employer": 2}
    )
    make_registration(event, role="staff")
    make_registration(event, role="staff")
    login(client, "alice@uni.example", PASSWORD)
    form_page = client.get("/admin/events/fair/edit").get_data(as_text=True)
    assert 'value="2027-04-15T13:00"' in form_page  # stored UTC shown in Helsinki time
    data = dict(
        FORM, slug="fair", capacity="6", quota_student="2", quota_staff="1", quota_employer="2"
    )
    response = post_form(client, "/admin/events/fair/edit", data)
    assert response.status_code == 400
    assert "the quota cannot go below 2" in response.get_data(as_text=True)


def test_markdown_preview_is_sanitized(client) -> None:
    make_organizer("alice@uni.example")
    login(client, "alice@uni.example", PASSWORD)
    token = csrf_from(client.get("/admin/events/new").get_data(as_text=True))
    response = client.post(
        "/admin/markdown-preview",
        data={"text": "**hi** <script>alert(1)</script>"},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 200
    assert response.json["html"].startswith("<p><strong>hi</strong>")
    assert "<script>" not in response.json["html"]
    assert client.post("/admin/markdown-preview", data={"text": "x"}).status_code == 400


def test_no_js_preview_button_renders_without_saving(client) -> None:
    make_organizer("alice@uni.example")
    login(client, "alice@uni.example", PASSWORD)
    response = post_form(
        client, "/admin/events/new", dict(FORM, description="# Big\n\n*soft*", preview="1")
    )
    assert response.status_code == 200
    assert "<em>soft</em>" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Event)) == 0


def test_clone_form_suggests_next_year(client) -> None:
    alice = make_organizer("alice@uni.example")
    make_event(slug="fair-2027", title="Fair 2027", organizers=(alice,))
    login(client, "alice@uni.example", PASSWORD)
    html = client.get("/admin/events/fair-2027/clone").get_data(as_text=True)
    assert 'value="fair-2028"' in html and 'value="Fair 2028"' in html
    response = post_form(
        client,
        "/admin/events/fair-2027/clone",
        {"title": "Fair 2028", "slug": "fair-2028", "starts_at": "2028-04-13T13:00"},
    )
    assert response.status_code == 302
    clone = db.session.scalar(sa.select(Event).where(Event.slug == "fair-2028"))
    assert clone.status == EventStatus.DRAFT


def test_tags_page_merges_with_prefixed_forms(client) -> None:
    alice = make_organizer("alice@uni.example")
    event = make_event(slug="fair", organizers=(alice,), interests=("AI", "A.I.", "Robots"))
    ids = {i.label: i.id for i in event.interests}
    login(client, "alice@uni.example", PASSWORD)
    page = client.get("/admin/events/fair/taxonomy").get_data(as_text=True)
    token = csrf_from(page)
    response = client.post(
        "/admin/events/fair/taxonomy",
        data={
            "csrf_token": token,
            "merge-csrf_token": token,
            "merge-sources": [str(ids["A.I."])],
            "merge-target": str(ids["AI"]),
        },
    )
    assert response.status_code == 302
    html = client.get("/admin/events/fair/taxonomy").get_data(as_text=True)
    assert "A.I." not in html and "Robots" in html
    added = client.post(
        "/admin/events/fair/taxonomy",
        data={"csrf_token": token, "add-csrf_token": token, "add-label": "robots"},
    )
    assert added.status_code == 400
    assert "already has a tag" in added.get_data(as_text=True)


def test_audit_page_lists_changes_with_before_and_after(client) -> None:
    alice = make_organizer("alice@uni.example", name="Alice")
    make_event(slug="fair", organizers=(alice,))
    login(client, "alice@uni.example", PASSWORD)
    # Prefixed forms carry "tables-csrf_token"; the global CSRF check accepts either name.
    response = post_form(
        client,
        "/admin/events/fair/meetings-setup",
        {"tables-count": "3", "tables-prefix": "Table"},
    )
    assert response.status_code == 302
    html = client.get("/admin/events/fair/audit").get_data(as_text=True)
    assert "Tables added" in html and "Table 3" in html and "Alice" in html
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(AuditEntry.action == "tables.added"))
        == 1
    )


def test_overview_counts_and_no_back_to_draft_once_people_registered(client) -> None:
    alice = make_organizer("alice@uni.example")
    event = make_event(slug="fair", organizers=(alice,))
    make_registration(event, role="student")
    make_registration(
        event, role="student", status=RegistrationStatus.WAITLISTED, waitlist_position=1
    )
    login(client, "alice@uni.example", PASSWORD)
    html = client.get("/admin/events/fair/").get_data(as_text=True)
    assert "Back to draft" not in html and "Close registration" in html
    assert re.search(r'status=waitlisted[^"]*">1</a>', html)


def test_event_texts_in_other_languages(client) -> None:
    alice = make_organizer("alice@uni.example")
    make_event(slug="fair", organizers=(alice,), title="Career Fair")
    login(client, "alice@uni.example", PASSWORD)
    data = dict(
        FORM,
        slug="fair",
        title="Career Fair",
        default_locale="en",
        title_fi="Urapäivä",
        description_fi="Tapaa **työnantajia**.",
        title_sv="",
    )
    response = post_form(client, "/admin/events/fair/edit", data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    event = db.session.scalar(sa.select(Event).where(Event.slug == "fair"))
    assert event.translations == {
        "fi": {"title": "Urapäivä", "description": "Tapaa **työnantajia**."}
    }
    assert event.localized("title", "fi") == "Urapäivä"
    assert event.localized("title", "sv") == "Career Fair"
    page = client.get("/admin/events/fair/edit").get_data(as_text=True)
    assert 'value="Urapäivä"' in page
