"""The JSON API: token auth, events with quotas, registrations, check-in, public registration."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from eventnet.extensions import db
from eventnet.models import (
    AuditEntry,
    Event,
    EventStatus,
    Interest,
    OutboxMessage,
    Registration,
    RegistrationStatus,
    TagKind,
)
from eventnet.services.api_tokens import create_token
from tests.conftest import login
from tests.factories import PASSWORD, make_event, make_organizer, make_registration

NEW_EVENT = {
    "slug": "api-day-2027",
    "title": "API Day 2027",
    "starts_at": "2027-06-01T10:00:00",
    "ends_at": "2027-06-01T16:00:00",
    "timezone": "Europe/Helsinki",
    "venue": "Hall A",
    "capacity": 6,
    "quotas": {"staff": 2, "student": 2, "employer": 2},
    "status": "published",
    "double_opt_in": False,
    "interests": ["Data science", "Robotics"],
}
STUDENT = {
    "name": "Ada Api",
    "email": "ada@uni.example",
    "role": "student",
    "organization": "University of Helsinki",
    "country": "FI",
    "interests": ["Data science"],
    "offers": [],
    "seeks": ["Robotics"],
    "offer_text": "Python",
    "seek_text": "An internship",
    "goals": "Meet employers",
    "degree_programme": "MSc Data Science",
    "consent_privacy": True,
    "consent_profile": True,
}


@pytest.fixture
def token(client, now) -> str:
    alice = make_organizer("alice@uni.example")
    _row, secret = create_token(alice.id, "tests", now)
    return secret


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_every_organizer_endpoint_needs_a_valid_token(client, token) -> None:
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": f"Basic {token}"}):
        response = client.get("/api/v1/events", headers=headers)
        assert response.status_code == 401
        assert response.json["error"] == "unauthorized" and response.json["message"]
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_the_session_cookie_is_never_enough(client, token) -> None:
    make_organizer("bob@uni.example")
    login(client, "bob@uni.example", PASSWORD)
    assert client.get("/api/v1/events").status_code == 401
    assert client.post("/api/v1/events", json=NEW_EVENT).status_code == 401


def test_create_get_and_list_events(client, token) -> None:
    response = client.post("/api/v1/events", json=NEW_EVENT, headers=auth(token))
    assert response.status_code == 201, response.json
    body = response.json
    assert response.headers["Location"] == "/api/v1/events/api-day-2027"
    assert body["starts_at"] == "2027-06-01T07:00:00+00:00"  # local time in Helsinki
    assert body["quotas"] == {"staff": 2, "student": 2, "employer": 2}
    assert body["status"] == "published" and body["interests"] == ["Data science", "Robotics"]
    assert body["counts"] == {
        "pending": 0,
        "confirmed": 0,
        "waitlisted": 0,
        "cancelled": 0,
        "checked_in": 0,
    }
    assert client.get("/api/v1/events/api-day-2027", headers=auth(token)).json["slug"] == (
        "api-day-2027"
    )
    listed = client.get("/api/v1/events?status=published", headers=auth(token)).json
    assert [e["slug"] for e in listed["items"]] == ["api-day-2027"] and listed["total"] == 1
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "event.created"))
    assert entry.actor_kind == "api"


def test_create_reports_every_field_problem(client, token) -> None:
    bad = dict(
        NEW_EVENT,
        slug="Not ok",
        ends_at="2027-06-01T09:00:00",
        capacity="many",
        quotas={"staff": 9, "wizard": 1},
        nonsense=1,
    )
    response = client.post("/api/v1/events", json=bad, headers=auth(token))
    assert response.status_code == 422
    assert response.json["error"] == "validation_failed"
    assert {"capacity", "quotas", "_"} <= set(response.json["fields"])
    semantic = client.post(
        "/api/v1/events",
        json=dict(NEW_EVENT, ends_at="2027-06-01T09:00:00", quotas={"staff": 9}),
        headers=auth(token),
    )
    assert semantic.status_code == 422
    assert set(semantic.json["fields"]) == {"ends_at", "quotas"}
    assert client.post("/api/v1/events", data="x", headers=auth(token)).status_code == 415
    not_object = client.post("/api/v1/events", json=[1], headers=auth(token))
    assert not_object.status_code == 400 and not_object.json["error"] == "bad_request"


def test_patch_raising_a_quota_promotes_the_waiting_list(client, token, now) -> None:
    client.post("/api/v1/events", json=NEW_EVENT, headers=auth(token))
    event = db.session.scalar(sa.select(Event).where(Event.slug == "api-day-2027"))
    make_registration(event, role="student")
    make_registration(event, role="student")
    waiting = make_registration(
        event, role="student", status=RegistrationStatus.WAITLISTED, waitlist_position=1
    ).id
    lowered = client.patch(
        "/api/v1/events/api-day-2027", json={"quotas": {"student": 1}}, headers=auth(token)
    )
    assert lowered.status_code == 422 and "quotas" in lowered.json["fields"]
    raised = client.patch(
        "/api/v1/events/api-day-2027",
        json={"quotas": {"student": 3}, "capacity": 7, "title": "API Day"},
        headers=auth(token),
    )
    assert raised.status_code == 200, raised.json
    assert raised.json["promoted"] == 1 and raised.json["title"] == "API Day"
    assert raised.json["counts"]["confirmed"] == 3
    assert db.session.get(Registration, waiting).status == RegistrationStatus.CONFIRMED
    closed = client.patch(
        "/api/v1/events/api-day-2027", json={"status": "closed"}, headers=auth(token)
    )
    assert closed.json["status"] == "closed"
    impossible = client.patch(
        "/api/v1/events/api-day-2027", json={"status": "draft"}, headers=auth(token)
    )
    assert impossible.status_code == 409  # people registered: unpublishing is refused
    assert db.session.scalar(sa.select(Event.status).where(Event.slug == "api-day-2027")) == (
        EventStatus.CLOSED
    )


def test_events_of_other_organizers_are_not_found(client, token) -> None:
    bob = make_organizer("bob@uni.example")
    make_event(slug="bobs", organizers=(bob,))
    for method, url in (
        ("get", "/api/v1/events/bobs"),
        ("patch", "/api/v1/events/bobs"),
        ("get", "/api/v1/events/bobs/registrations"),
    ):
        response = getattr(client, method)(url, json={}, headers=auth(token))
        assert response.status_code == 404 and response.json["error"] == "not_found"
    assert client.get("/api/v1/events", headers=auth(token)).json["total"] == 0


def test_list_and_get_registrations_with_filters(client, token, now) -> None:
    alice_event = make_event(slug="fair")
    alice = db.session.scalar(sa.select(Event).where(Event.slug == "fair"))
    from eventnet.models import EventOrganizer, OrganizerAccount

    account = db.session.scalar(
        sa.select(OrganizerAccount).where(OrganizerAccount.email == "alice@uni.example")
    )
    db.session.add(EventOrganizer(event_id=alice.id, organizer_id=account.id))
    db.session.commit()
    a = make_registration(alice_event, name="Ann", role="student")
    make_registration(alice_event, name="Ben", role="staff", status=RegistrationStatus.PENDING)
    make_registration(
        alice_event,
        name="Cat",
        role="student",
        status=RegistrationStatus.WAITLISTED,
        waitlist_position=1,
    )
    url = "/api/v1/events/fair/registrations"
    body = client.get(url, headers=auth(token)).json
    assert body["total"] == 3 and [r["name"] for r in body["items"]] == ["Ann", "Ben", "Cat"]
    first = body["items"][0]
    assert set(first) >= {"id", "email", "name", "role", "status", "waitlist_position"}
    assert first["checked_in_at"] is None
    only = client.get(f"{url}?status=waitlisted&role=student", headers=auth(token)).json
    assert [(r["name"], r["waitlist_position"]) for r in only["items"]] == [("Cat", 1)]
    paged = client.get(f"{url}?per_page=1&page=2", headers=auth(token)).json
    assert [r["name"] for r in paged["items"]] == ["Ben"] and paged["total"] == 3
    bad = client.get(f"{url}?status=lost&page=0", headers=auth(token))
    assert bad.status_code == 422
    checked = client.post(f"{url}/{a.id}/check-in", headers=auth(token))
    assert checked.status_code == 200 and not checked.json["already"]
    assert checked.json["registration"]["checked_in_at"]
    assert client.get(f"{url}?checked_in=true", headers=auth(token)).json["total"] == 1
    assert client.get(f"{url}/{a.id}", headers=auth(token)).json["name"] == "Ann"
    undone = client.delete(f"{url}/{a.id}/check-in", headers=auth(token))
    assert undone.json["registration"]["checked_in_at"] is None
    assert client.get(f"{url}/999999", headers=auth(token)).status_code == 404


def test_public_registration_answers_the_same_for_new_and_known_addresses(client) -> None:
    event_id = make_event(slug="open-day", interests=("Data science", "Robotics")).id
    first = client.post("/api/v1/events/open-day/registrations", json=STUDENT)
    assert first.status_code == 202, first.json
    again = client.post(
        "/api/v1/events/open-day/registrations", json=dict(STUDENT, email="ADA@uni.example")
    )
    assert again.status_code == 202
    assert first.json == again.json
    assert first.json["status"] == "confirmed"
    regs = db.session.scalars(sa.select(Registration).where(Registration.event_id == event_id))
    assert [(r.email, r.source) for r in regs] == [("ada@uni.example", "api")]
    kinds = sorted(db.session.scalars(sa.select(OutboxMessage.kind)))
    assert kinds == ["already_registered", "confirmation"]


def test_public_registration_field_errors_and_closed_events(client) -> None:
    make_event(slug="open-day", interests=("Data science",))
    bad = client.post(
        "/api/v1/events/open-day/registrations",
        json=dict(STUDENT, email="nope", role="pirate", consent_privacy=False, interests=["X"]),
    )
    assert bad.status_code == 422
    assert {"email", "role", "consent_privacy", "interests"} <= set(bad.json["fields"])
    assert all(isinstance(v, str) for v in bad.json["fields"].values())
    make_event(slug="draft-day", status=EventStatus.DRAFT)
    assert client.post("/api/v1/events/draft-day/registrations", json=STUDENT).status_code == 404
    make_event(slug="shut", status=EventStatus.CLOSED, interests=("Data science", "Robotics"))
    closed = client.post("/api/v1/events/shut/registrations", json=STUDENT)
    assert closed.status_code == 409 and closed.json["error"] == "registration_closed"


def test_public_event_listing_and_detail(client) -> None:
    make_event(slug="open-day", interests=("Data science",))
    make_event(slug="secret", status=EventStatus.DRAFT)
    listing = client.get("/api/v1/public/events").json
    assert [e["slug"] for e in listing["items"]] == ["open-day"]
    detail = client.get("/api/v1/public/events/open-day").json
    assert detail["interests"] == [{"label": "Data science", "category": ""}]
    assert {r["role"] for r in detail["roles"]} == {"staff", "student", "employer"}
    assert client.get("/api/v1/public/events/secret").status_code == 404


def test_openapi_document_describes_every_api_route(app, client) -> None:
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.1")
    documented = {
        (path, method.upper())
        for path, ops in spec["paths"].items()
        for method in ops
        if method != "parameters"
    }
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            path = rule.rule.removeprefix("/api/v1")
            for part in ("<slug>", "<int(max=2147483647):registration_id>"):
                path = path.replace(part, "{" + part.strip("<>").split(":")[-1] + "}")
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                routes.add((path, method))
    assert routes == documented


@pytest.fixture
def recent_terms(app):  # type: ignore[no-untyped-def]
    """Event terms reused for a minute, as in a rush (the default under tests is 0)."""
    from eventnet.services.event_terms import RECENT_TERMS

    RECENT_TERMS.clear()
    app.config["EVENT_TERMS_CACHE_SECONDS"] = 60
    yield
    app.config["EVENT_TERMS_CACHE_SECONDS"] = None
    RECENT_TERMS.clear()


def test_recent_terms_never_refuse_what_the_event_now_accepts(client, recent_terms) -> None:
    event_id = make_event(slug="terms-day", interests=("Data science",)).id
    first = client.post("/api/v1/events/terms-day/registrations", json=dict(STUDENT, seeks=[]))
    assert first.status_code == 202, first.json
    event = db.session.get(Event, event_id)
    event.interests.append(Interest(label="Robotics", slug="robotics"))
    db.session.commit()
    # The copy kept by the first request has no "Robotics": the refusal is checked again.
    later = dict(STUDENT, email="bo@uni.example", interests=["Robotics"], seeks=[])
    second = client.post("/api/v1/events/terms-day/registrations", json=later)
    assert second.status_code == 202, second.json
    reg = db.session.scalar(sa.select(Registration).where(Registration.email == "bo@uni.example"))
    assert reg is not None and reg.tag_labels(TagKind.INTEREST) == ["Robotics"]


def test_recent_terms_never_accept_what_the_event_now_refuses(client, recent_terms) -> None:
    event_id = make_event(slug="terms-day", interests=("Data science", "Robotics")).id
    assert client.post("/api/v1/events/terms-day/registrations", json=STUDENT).status_code == 202
    event = db.session.get(Event, event_id)
    robotics = next(i for i in event.interests if i.label == "Robotics")
    event.interests.remove(robotics)
    db.session.commit()
    gone = dict(STUDENT, email="bo@uni.example", interests=["Robotics"], seeks=[])
    refused = client.post("/api/v1/events/terms-day/registrations", json=gone)
    assert refused.status_code == 422 and "interests" in refused.json["fields"], refused.json
    db.session.get(Event, event_id).status = EventStatus.CLOSED
    db.session.commit()
    closed = client.post(
        "/api/v1/events/terms-day/registrations", json=dict(STUDENT, email="cy@uni.example")
    )
    assert closed.status_code == 409 and closed.json["error"] == "registration_closed"
    emails = db.session.scalars(sa.select(Registration.email).order_by(Registration.id)).all()
    assert emails == ["ada@uni.example"]
