"""Issue 8, point 8: GDPR rights. A copy of one's data (JSON) from the manage link; erasure by
the attendee (with a confirmation step) and by the organizer; the place is freed and the
waiting list promoted; pending mail is cancelled; the manage link dies. Retention and the
canary scan are in `test_retention.py`."""

from __future__ import annotations

import json

import sqlalchemy as sa

from eventnet.extensions import db
from eventnet.models import (
    AuditEntry,
    OutboxMessage,
    OutboxStatus,
    Person,
    Registration,
    RegistrationStatus,
)
from tests.conftest import csrf_from, login, post_form
from tests.factories import PASSWORD, make_event, make_organizer

from .conftest import register_and_get_token


def _reg(email: str) -> Registration:
    return db.session.scalar(
        sa.select(Registration).where(Registration.email == email).order_by(Registration.id.desc())
    )


def test_manage_page_links_to_download_and_erasure(client, open_event) -> None:
    token = register_and_get_token(client, open_event, "links@example.org")
    html = client.get(f"/r/{token}").get_data(as_text=True)
    assert f"/r/{token}/my-data.json" in html
    assert f"/r/{token}/erase" in html


def test_attendee_downloads_all_their_data_as_json(client, open_event) -> None:
    other = make_event(title="Second event").slug
    token = register_and_get_token(
        client, open_event, "copy@example.org", goals="Find a thesis topic on batteries"
    )
    register_and_get_token(client, other, "copy@example.org", name="Ada L.")
    response = client.get(f"/r/{token}/my-data.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    data = json.loads(response.get_data(as_text=True))
    assert data["person"]["email"] == "copy@example.org"
    assert {r["event"]["slug"] for r in data["registrations"]} == {open_event, other}
    first = next(r for r in data["registrations"] if r["event"]["slug"] == open_event)
    assert first["goals"] == "Find a thesis topic on batteries"
    assert first["consents"]["privacy_notice_version"] == "2026-01"
    assert first["consents"]["privacy_notice_accepted_at"]
    assert any(m["kind"] for m in data["mail"])


def test_unknown_token_gets_no_data(client) -> None:
    assert client.get("/r/" + "A" * 43 + "/my-data.json").status_code == 404


def test_erasure_needs_confirmation_and_a_csrf_token(client, open_event) -> None:
    token = register_and_get_token(client, open_event, "careful@example.org")
    page = client.get(f"/r/{token}/erase")
    assert page.status_code == 200
    assert "cannot be undone" in page.get_data(as_text=True)
    assert client.post(f"/r/{token}/erase").status_code == 400  # no CSRF token
    assert _reg("careful@example.org").status == RegistrationStatus.CONFIRMED


def test_attendee_erases_themselves_and_the_waiting_list_moves_up(client, open_event) -> None:
    event = make_event(quotas={"student": 1})
    event_id = event.id
    event_start = event.starts_at
    event = event.slug
    token = register_and_get_token(client, event, "leaver@example.org", goals="secret goal text")
    register_and_get_token(client, event, "waiter@example.org", name="Wanda Waiting")
    assert _reg("waiter@example.org").status == RegistrationStatus.WAITLISTED
    leaver = _reg("leaver@example.org")
    leaver_id, person_id = leaver.id, leaver.person_id
    # A reminder queued for later must not go out any more.
    db.session.add(
        OutboxMessage(
            kind="reminder",
            to_address="leaver@example.org",
            subject="Tomorrow",
            body_text="Hello leaver",
            registration_id=leaver_id,
            event_id=event_id,
            status=OutboxStatus.PENDING,
            send_after=event_start,
        )
    )
    db.session.commit()

    page = client.get(f"/r/{token}/erase").get_data(as_text=True)
    response = client.post(f"/r/{token}/erase", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 200
    assert "Your data is erased" in response.get_data(as_text=True)

    reg = db.session.get(Registration, leaver_id)
    assert reg.status == RegistrationStatus.CANCELLED
    assert reg.name == "Anonymized" and "leaver" not in reg.email and reg.goals == ""
    assert reg.manage_token_hash is None
    person = db.session.get(Person, person_id)
    assert person.anonymized_at is not None and "leaver" not in person.email
    assert _reg("waiter@example.org").status == RegistrationStatus.CONFIRMED  # promoted
    mail = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.registration_id == leaver_id)
    ).all()
    assert mail and all(m.status != OutboxStatus.PENDING for m in mail)
    assert all("leaver" not in (m.to_address + m.body_text + m.body_html) for m in mail)
    assert client.get(f"/r/{token}").status_code == 404  # the link is dead
    actions = db.session.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.event_id == event_id)
    ).all()
    assert "person.erased" in actions


def test_organizer_erases_a_person_of_their_event_only(client, open_event) -> None:
    owner = make_organizer("owner@uni.example")
    make_organizer("stranger@uni.example")
    slug = make_event(organizers=(owner,)).slug
    register_and_get_token(client, slug, "forget-me@example.org", offer_text="My secret offer")
    reg_id = _reg("forget-me@example.org").id
    url = f"/admin/events/{slug}/attendees/{reg_id}/erase"

    login(client, "stranger@uni.example", PASSWORD)
    assert client.get(url).status_code == 404
    post_form(client, "/auth/logout", {}, page="/admin/")

    login(client, "owner@uni.example", PASSWORD)
    other_slug = make_event(organizers=(owner,)).slug
    assert client.get(f"/admin/events/{other_slug}/attendees/{reg_id}/erase").status_code == 404
    response = post_form(client, url, {})
    assert response.status_code == 302
    reg = db.session.get(Registration, reg_id)
    assert reg.offer_text == "" and reg.name == "Anonymized"
    assert reg.status == RegistrationStatus.CANCELLED


def test_organizer_sets_retention_and_it_is_validated(client) -> None:
    owner = make_organizer("retention@uni.example")
    event_id = make_event(organizers=(owner,)).id
    from eventnet.models import Event

    slug = db.session.get(Event, event_id).slug
    login(client, "retention@uni.example", PASSWORD)
    url = f"/admin/events/{slug}/privacy"
    assert client.get(url).status_code == 200
    bad = post_form(client, url, {"retention-retention_months": "999"})
    assert bad.status_code == 400
    assert "0 to 120 months" in bad.get_data(as_text=True)
    good = post_form(client, url, {"retention-retention_months": "6"})
    assert good.status_code == 302
    assert db.session.get(Event, event_id).retention_months == 6
