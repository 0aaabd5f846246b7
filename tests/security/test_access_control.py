"""Issue 8, point 1: access control. The url_map walk in ``tests/web/test_access_control.py``
(organizer engineer) covers every route for an anonymous visitor, an attendee's session and
an organizer of another event. This module adds the attacks it does not make:

- attendee A with a valid manage link, aimed at B's and C's objects through the ids in the
  portal URLs (meetings, meeting requests, connections, people of another event or people
  who did not agree to be shown);
- an organizer who puts another event's registration ids and ticket codes under the slug of
  their OWN event (ids in URLs never grant access on their own), on every admin and API
  route that takes an id;
- a revoked API token, on every API route that needs a token;

and checks afterwards that nothing of the victims changed.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from eventnet.extensions import db
from eventnet.models import (
    Bookmark,
    Connection,
    Meeting,
    MeetingRequest,
    MeetingRequestStatus,
    MeetingSlot,
    MeetingStatus,
    MeetingTable,
    Registration,
)
from tests.conftest import FIXED_NOW, csrf_from, login
from tests.factories import PASSWORD, make_event, make_organizer, make_registration

ID_ARGS = ("registration_id", "ticket_code", "partner_id", "other_id", "meeting_id", "request_id")


@pytest.fixture
def people(db_session):
    event = make_event(starts_at=FIXED_NOW - timedelta(hours=2))
    a = make_registration(event, name="Alice Attacker", token="alice-secret-token-0123456789")
    b = make_registration(event, name="Bob Victim", role="staff")
    c = make_registration(event, name="Carol Victim", role="employer")
    hidden = make_registration(event, name="Hidden Person", consent_profile_at=None)
    elsewhere = make_registration(make_event(), name="Other Event Person")
    slot = MeetingSlot(event_id=event.id, starts_at=event.starts_at, ends_at=event.ends_at)
    table = MeetingTable(event_id=event.id, label="T9")
    db.session.add_all([slot, table])
    db.session.flush()
    first, second = sorted((b.id, c.id))
    meeting = Meeting(
        event_id=event.id, first_id=first, second_id=second, slot_id=slot.id, table_id=table.id
    )
    request = MeetingRequest(event_id=event.id, requester_id=b.id, recipient_id=c.id)
    connection = Connection(event_id=event.id, first_id=first, second_id=second)
    db.session.add_all([meeting, request, connection])
    db.session.commit()
    return {
        "token": "alice-secret-token-0123456789",
        "a": a.id,
        "b": b.id,
        "c": c.id,
        "hidden": hidden.id,
        "elsewhere": elsewhere.id,
        "meeting": meeting.id,
        "request": request.id,
        "connection": connection.id,
    }


def _state(p) -> tuple:
    meeting = db.session.get(Meeting, p["meeting"])
    request = db.session.get(MeetingRequest, p["request"])
    connection = db.session.get(Connection, p["connection"])
    db.session.refresh(meeting)
    db.session.refresh(request)
    db.session.refresh(connection)
    bookmarks = db.session.scalar(sa.select(sa.func.count()).select_from(Bookmark))
    requests = db.session.scalar(sa.select(sa.func.count()).select_from(MeetingRequest))
    connections = db.session.scalar(sa.select(sa.func.count()).select_from(Connection))
    return (
        meeting.status,
        request.status,
        connection.first_confirmed_at,
        connection.second_confirmed_at,
        bookmarks,
        requests,
        connections,
    )


def test_attendee_cannot_reach_other_attendees_objects_by_id(client, people) -> None:
    token = people["token"]
    before = _state(people)
    assert before[0] == MeetingStatus.SCHEDULED and before[1] == MeetingRequestStatus.PENDING
    csrf = csrf_from(client.get(f"/r/{token}/edit").get_data(as_text=True))
    attacks = [
        f"/r/{token}/meetings/{people['meeting']}/held",
        f"/r/{token}/meetings/{people['meeting']}/no_show",
        f"/r/{token}/requests/{people['request']}/accept",
        f"/r/{token}/requests/{people['request']}/decline",
        f"/r/{token}/requests/{people['request']}/cancel",
        f"/r/{token}/connections/{people['b']}/confirm",  # A never met B
        f"/r/{token}/connections/{people['c']}/withdraw",
        f"/r/{token}/people/{people['elsewhere']}/bookmark",  # another event's attendee
        f"/r/{token}/people/{people['hidden']}/bookmark",  # did not agree to be shown
        f"/r/{token}/people/{people['elsewhere']}/request",
        f"/r/{token}/people/{people['hidden']}/request",
        f"/r/{token}/people/{people['a']}/request",  # oneself
    ]
    for url in attacks:
        response = client.post(url, data={"csrf_token": csrf, "note": "hi"})
        assert response.status_code < 500, url
        body = response.get_data(as_text=True)
        assert "Other Event Person" not in body and "Hidden Person" not in body, url
    for url in (
        f"/r/{token}/people/{people['elsewhere']}/request",
        f"/r/{token}/people/{people['hidden']}/request",
    ):
        response = client.get(url)
        assert response.status_code in (302, 403, 404), url
        body = response.get_data(as_text=True)
        assert "Other Event Person" not in body and "Hidden Person" not in body
    assert _state(people) == before


def _sample(rule, slug: str, ids: dict) -> str:
    def value(match: re.Match) -> str:
        spec, name = match.group(1) or "", match.group(2)
        if name == "slug":
            return slug
        if spec.startswith("any("):
            return spec[4:].split(",")[0].strip()
        if name == "ticket_code":
            return ids["ticket_code"]
        if name in ("registration_id", "partner_id", "other_id"):
            return str(ids["registration_id"])
        return str(ids.get(name, 1))

    return re.sub(r"<(?:([^:>]+):)?([^>]+)>", value, rule.rule)


def test_ids_of_another_event_are_refused_under_the_organizers_own_slug(app, client) -> None:
    victim = make_organizer("victim-org@uni.example")
    victim_event = make_event(organizers=(victim,), title="Victim Gala")
    target = make_registration(victim_event, name="Veronica Target")
    attacker = make_organizer("attacker-org@uni.example")
    own_slug = make_event(organizers=(attacker,)).slug
    make_registration(
        db.session.get(type(victim_event), victim_event.id) and make_event(), name="x"
    )
    ids = {"registration_id": target.id, "ticket_code": target.ticket_code}
    target_id = target.id

    from eventnet.services.api_tokens import create_token

    with app.test_request_context():
        _row, secret = create_token(attacker.id, "attacker", FIXED_NOW)
    login(client, "attacker-org@uni.example", PASSWORD)
    csrf = csrf_from(client.get("/admin/").get_data(as_text=True))
    bearer = {"Authorization": f"Bearer {secret}"}
    checked = []
    for rule in app.url_map.iter_rules():
        blueprint = rule.endpoint.split(".")[0]
        if blueprint not in ("admin", "api") or "slug" not in rule.arguments:
            continue
        if not set(rule.arguments) & set(ID_ARGS):
            continue
        url = _sample(rule, own_slug, ids)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(
                url,
                method=method,
                data={"csrf_token": csrf},
                headers={**bearer, "X-CSRFToken": csrf},
            )
            checked.append((method, url, response.status_code))
            assert response.status_code in (302, 400, 404, 409), (method, url, response.status_code)
            body = response.get_data(as_text=True)
            assert "Veronica Target" not in body, (method, url)
    assert len(checked) >= 8, checked
    reg = db.session.get(Registration, target_id)
    db.session.refresh(reg)
    assert reg.checked_in_at is None and reg.status.value == "confirmed"


def test_a_revoked_api_token_is_refused_on_every_token_route(app, client) -> None:
    from eventnet.services.api_tokens import create_token, revoke_token

    organizer = make_organizer("revoked@uni.example")
    organizer_id = organizer.id
    event = make_event(organizers=(organizer,))
    reg = make_registration(event)
    ids = {"registration_id": reg.id, "ticket_code": reg.ticket_code}
    slug = event.slug
    with app.test_request_context():
        row, secret = create_token(organizer_id, "soon revoked", FIXED_NOW)
        revoke_token(row.id, organizer_id, FIXED_NOW)
    headers = {"Authorization": f"Bearer {secret}"}
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api.") or rule.endpoint in (
            "api.openapi",
            "api.public_events",
            "api.public_event",
            "api.public_register",
        ):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(
                _sample(rule, slug, ids), method=method, json={}, headers=headers
            )
            assert response.status_code == 401, (method, rule.rule, response.status_code)
            checked += 1
    assert checked >= 8
