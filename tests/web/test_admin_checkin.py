"""The check-in desk over HTTP: JSON type-ahead, one tap, undo, QR links, walk-ins; API tokens."""

from __future__ import annotations

from urllib.parse import unquote

import sqlalchemy as sa

from eventnet.extensions import db
from eventnet.models import ApiToken, Registration, RegistrationStatus
from eventnet.services.tokens import hash_token
from tests.conftest import csrf_from, login, post_form
from tests.factories import PASSWORD, make_event, make_organizer, make_registration


def setup_desk(client):
    alice = make_organizer("alice@uni.example")
    event = make_event(slug="fair", organizers=(alice,))
    ines = make_registration(event, name="Ines Student", role="student")
    wait = make_registration(
        event,
        name="Ines Waiting",
        role="student",
        status=RegistrationStatus.WAITLISTED,
        waitlist_position=1,
    )
    return ines.id, ines.ticket_code, wait.id


def test_type_ahead_check_in_and_undo_as_json(client) -> None:
    ines, code, wait = setup_desk(client)
    login(client, "alice@uni.example", PASSWORD)
    desk = client.get("/admin/events/fair/checkin").get_data(as_text=True)
    token = csrf_from(desk)
    found = client.get("/admin/events/fair/checkin/search?q=ines").json["results"]
    assert [h["name"] for h in found] == ["Ines Student", "Ines Waiting"]
    assert found[0]["ticket_code"] == code and found[0]["checked_in_at"] is None
    by_code = client.get(f"/admin/events/fair/checkin/search?q={code.lower()}").json
    assert [h["id"] for h in by_code["results"]] == [ines]
    headers = {"Accept": "application/json", "X-Requested-With": "fetch"}
    done = client.post(
        f"/admin/events/fair/attendees/{ines}/checkin", data={"csrf_token": token}, headers=headers
    )
    assert done.status_code == 200 and done.json["ok"] and not done.json["already"]
    assert done.json["counts"]["roles"]["student"] == {"expected": 1, "arrived": 1}
    again = client.post(
        f"/admin/events/fair/attendees/{ines}/checkin", data={"csrf_token": token}, headers=headers
    )
    assert again.json["already"] and "already checked in" in again.json["message"]
    refused = client.post(
        f"/admin/events/fair/attendees/{wait}/checkin", data={"csrf_token": token}, headers=headers
    )
    assert refused.status_code == 409 and "waiting list" in refused.json["message"]
    undone = client.post(
        f"/admin/events/fair/attendees/{ines}/undo-checkin",
        data={"csrf_token": token},
        headers=headers,
    )
    assert undone.json["registration"]["checked_in_at"] is None
    assert client.get("/admin/events/fair/checkin/counts").json["arrived"] == 0


def test_desk_without_javascript(client) -> None:
    ines, _code, _wait = setup_desk(client)
    login(client, "alice@uni.example", PASSWORD)
    page = client.get("/admin/events/fair/checkin?q=student").get_data(as_text=True)
    assert "Ines Student" in page and "Check in" in page
    response = post_form(
        client,
        f"/admin/events/fair/attendees/{ines}/checkin",
        {"next": "/admin/events/fair/checkin?q=student"},
        page="/admin/events/fair/checkin",
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/events/fair/checkin?q=student"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Ines Student is checked in." in page and "Undo" in page
    evil = post_form(
        client,
        f"/admin/events/fair/attendees/{ines}/undo-checkin",
        {"next": "//evil.example/"},
        page="/admin/events/fair/checkin",
    )
    assert evil.headers["Location"] == "/admin/events/fair/checkin"


def test_qr_link_sends_anonymous_to_login_and_back(client) -> None:
    ines, code, _wait = setup_desk(client)
    url = f"/admin/events/fair/checkin/{code}"
    response = client.get(url)
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]
    assert unquote(response.headers["Location"]).endswith(f"next={url}")
    login_page = response.headers["Location"]
    form = client.get(login_page).get_data(as_text=True)
    signed_in = client.post(
        login_page,
        data={"email": "alice@uni.example", "password": PASSWORD, "csrf_token": csrf_from(form)},
    )
    assert signed_in.headers["Location"] == url
    page = client.get(url).get_data(as_text=True)
    assert "Ines Student" in page and "button-huge" in page
    checked = post_form(
        client, f"/admin/events/fair/attendees/{ines}/checkin", {"next": url}, page=url
    )
    assert checked.headers["Location"] == url
    assert "Checked in at" in client.get(url).get_data(as_text=True)
    assert client.get("/admin/events/fair/checkin/ZZZZ-ZZZZ").status_code == 404


def test_walk_in_registers_and_checks_in(client) -> None:
    setup_desk(client)
    login(client, "alice@uni.example", PASSWORD)
    data = {
        "walkin-name": "Walk In",
        "walkin-email": "walk@uni.example",
        "walkin-role": "employer",
        "walkin-organization": "Kone",
        "walkin-position": "Engineer",
        "walkin-consent_privacy": "y",
        "walkin-check_in_now": "y",
    }
    response = post_form(
        client, "/admin/events/fair/checkin/walk-in", data, page="/admin/events/fair/checkin"
    )
    assert response.status_code == 302
    reg = db.session.scalar(sa.select(Registration).where(Registration.email == "walk@uni.example"))
    assert reg.source == "desk" and reg.checked_in_at is not None
    again = post_form(
        client, "/admin/events/fair/checkin/walk-in", data, page="/admin/events/fair/checkin"
    )
    assert again.headers["Location"].endswith(f"/checkin/{reg.ticket_code}")
    bad = post_form(
        client,
        "/admin/events/fair/checkin/walk-in",
        dict(data, **{"walkin-email": "nope"}),
        page="/admin/events/fair/checkin",
    )
    assert bad.status_code == 400 and "Invalid email address." in bad.get_data(as_text=True)


def test_api_tokens_are_shown_once_stored_hashed_and_revocable(client) -> None:
    make_organizer("alice@uni.example")
    login(client, "alice@uni.example", PASSWORD)
    response = post_form(client, "/admin/tokens", {"name": "University website"})
    html = response.get_data(as_text=True)
    secret = html.split('id="new-token">')[1].split("<")[0]
    assert secret.startswith("evn_")
    row = db.session.scalar(sa.select(ApiToken))
    assert row.token_hash == hash_token(secret) and secret not in row.prefix + row.name
    assert secret not in client.get("/admin/tokens").get_data(as_text=True)
    api = client.get("/api/v1/events", headers={"Authorization": f"Bearer {secret}"})
    assert api.status_code == 200
    post_form(client, f"/admin/tokens/{row.id}/revoke", {}, page="/admin/tokens")
    api = client.get("/api/v1/events", headers={"Authorization": f"Bearer {secret}"})
    assert api.status_code == 401


def test_api_token_cli_prints_the_token_on_its_last_line(app, cli) -> None:
    make_organizer("alice@uni.example")
    result = cli.invoke(args=["api-token", "Alice@uni.example", "--name", "CRM"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    assert secret.startswith("evn_") and " " not in secret
    row = db.session.scalar(sa.select(ApiToken))
    assert row.token_hash == hash_token(secret) and row.name == "CRM"
    missing = cli.invoke(args=["api-token", "nobody@uni.example"])
    assert missing.exit_code != 0 and "No organizer account" in missing.output
