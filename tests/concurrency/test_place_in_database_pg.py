"""The registration placed inside PostgreSQL (services.place_in_database, migration 0007).

With RQ workers on PostgreSQL a registration's rows, its place, its mail and the COMMIT go
in one round trip, the place decided by `eventnet_place_registration` under the event lock.
It must give exactly the place the service's own rule gives (`_placement` on a fresh
count), and hand back to the service, which then does the same registration the long way,
whenever more than a plain placement is needed. Real commits, so a database of its own
(`rush_app` and `rq_app` of tests/concurrency/conftest.py).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from eventnet.extensions import db
from eventnet.models import AttendeeRole, Event, Registration, RegistrationStatus
from eventnet.services import registration
from eventnet.services.event_terms import RECENT_TERMS, load_event_terms
from eventnet.services.waitlist import count_availability
from tests.concurrency.conftest import POSTGRES_URL
from tests.factories import make_event, make_registration

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not POSTGRES_URL, reason="needs EVENTNET_TEST_POSTGRES_URL"),
]


@pytest.fixture
def paths(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Which way each registration went: "database" or "long"."""
    taken: list[str] = []
    original = registration._register_in_one_round_trip

    def spy(*args: Any, **kwargs: Any) -> Any:
        try:
            outcome = original(*args, **kwargs)
        except registration._TheLongWay:
            taken.append("long")
            raise
        taken.append("database")
        return outcome

    monkeypatch.setattr(registration, "_register_in_one_round_trip", spy)
    return taken


def _post(app: Flask, slug: str, role: str, n: int) -> Any:
    body = {
        "role": role,
        "name": f"Person {n}",
        "email": f"{role}{n}-{uuid.uuid4().hex[:6]}@place.example",
        "organization": "Aalto University",
        "job_title": "Coordinator",
        "degree_programme": "MSc",
        "consent_privacy": True,
    }
    return app.test_client().post(f"/api/v1/events/{slug}/registrations", json=body)


def _expected(app: Flask, event_id: int, role: str) -> tuple[str, int | None]:
    """The service's own rule on a fresh count: what the next registrant should get."""
    with app.app_context():
        terms = load_event_terms(event_id)
        assert terms is not None
        info = count_availability(terms.id, terms.capacity, terms.limits, datetime.now(UTC))
        status, position = registration._placement(terms, info, AttendeeRole(role))
        db.session.remove()
    return status.value, position


def _stored(app: Flask, event_id: int) -> list[tuple[str, str, int | None, str | None]]:
    with app.app_context():
        rows = db.session.execute(
            sa.text(
                "SELECT r.role, r.status, r.waitlist_position, o.render_later ->> 'status' "
                "FROM registrations r LEFT JOIN outbox_messages o ON o.registration_id = r.id "
                "AND o.kind IN ('confirmation', 'confirm_email', 'waitlist') "
                "WHERE r.event_id = :id ORDER BY r.id"
            ),
            {"id": event_id},
        ).all()
        db.session.remove()
    return [tuple(row) for row in rows]


def _event(app: Flask, quotas: dict[str, int], **kw: Any) -> tuple[int, str]:
    with app.app_context():
        event = make_event(quotas=quotas, starts_at=datetime.now(UTC) + timedelta(days=9), **kw)
        result = event.id, event.slug
        db.session.remove()
    return result


@pytest.mark.parametrize(
    ("quotas", "capacity", "double_opt_in", "roles"),
    [
        ({}, 3, False, ["student", "employer", "staff", "student", "employer"]),
        ({"student": 1, "staff": 1}, 2, False, ["student", "student", "staff", "staff"]),
        ({"student": 2, "staff": 2}, 2, False, ["student", "staff", "student", "staff"]),
        ({"student": 2}, 2, True, ["student", "student", "student"]),
    ],
    ids=["no-quotas", "quotas", "capacity-below-quotas", "double-opt-in"],
)
def test_the_database_places_as_the_service_would(
    rq_app: Flask,
    paths: list[str],
    quotas: dict[str, int],
    capacity: int,
    double_opt_in: bool,
    roles: list[str],
) -> None:
    event_id, slug = _event(rq_app, quotas, capacity=capacity, double_opt_in=double_opt_in)
    for n, role in enumerate(roles):
        expected = _expected(rq_app, event_id, role)
        response = _post(rq_app, slug, role, n)
        assert response.status_code == 202, response.json
        assert (response.json["status"], response.json["waitlist_position"]) == expected
    assert paths == ["database"] * len(roles)
    stored = _stored(rq_app, event_id)
    assert len(stored) == len(roles)
    for _role, status, _position, mailed in stored:
        assert mailed == status  # one mail each, telling the place given
    if double_opt_in:
        with rq_app.app_context():
            holds = db.session.scalars(
                sa.select(Registration.pending_expires_at).where(
                    Registration.event_id == event_id,
                    Registration.status == RegistrationStatus.PENDING,
                )
            ).all()
            db.session.remove()
        assert len(holds) == 2
        assert all(timedelta(minutes=1) < h - datetime.now(UTC) for h in holds)


def test_a_hold_that_ran_out_is_released_the_long_way(rq_app: Flask, paths: list[str]) -> None:
    event_id, slug = _event(rq_app, {"student": 1}, double_opt_in=True)
    with rq_app.app_context():
        event = db.session.get(Event, event_id)
        make_registration(
            event,
            status=RegistrationStatus.PENDING,
            pending_expires_at=datetime.now(UTC) - timedelta(minutes=1),
        )
        db.session.remove()
    response = _post(rq_app, slug, "student", 1)
    assert response.status_code == 202 and response.json["status"] == "pending"
    assert paths == ["long"]
    statuses = [status for _role, status, _p, _m in _stored(rq_app, event_id)]
    assert statuses == ["cancelled", "pending"]


def test_a_waiting_list_behind_is_moved_on_the_long_way(rq_app: Flask, paths: list[str]) -> None:
    event_id, slug = _event(rq_app, {"student": 1})
    assert _post(rq_app, slug, "student", 1).json["status"] == "confirmed"
    assert _post(rq_app, slug, "student", 2).json["waitlist_position"] == 1
    with rq_app.app_context():  # the place is freed without moving the queue on
        db.session.execute(
            sa.update(Registration)
            .where(Registration.event_id == event_id, Registration.status == "confirmed")
            .values(status=RegistrationStatus.CANCELLED)
        )
        db.session.commit()
        db.session.remove()
    response = _post(rq_app, slug, "student", 3)
    assert (response.json["status"], response.json["waitlist_position"]) == ("waitlisted", 1)
    assert paths == ["database", "database", "long"]
    statuses = [(status, position) for _r, status, position, _m in _stored(rq_app, event_id)]
    assert statuses == [("cancelled", None), ("confirmed", None), ("waitlisted", 1)]


def test_terms_changed_since_the_check_are_placed_the_long_way(
    rq_app: Flask, paths: list[str]
) -> None:
    rq_app.config["EVENT_TERMS_CACHE_SECONDS"] = 60
    RECENT_TERMS.clear()
    event_id, slug = _event(rq_app, {"student": 1})
    assert _post(rq_app, slug, "student", 1).json["status"] == "confirmed"
    with rq_app.app_context():  # one more place; the API's copy of the terms is older
        event = db.session.get(Event, event_id)
        event.capacity = 2
        event.quotas[0].capacity = 2
        db.session.commit()
        db.session.remove()
    response = _post(rq_app, slug, "student", 2)
    RECENT_TERMS.clear()
    assert response.json["status"] == "confirmed"
    assert paths == ["database", "long"]


def test_before_the_upgrade_adds_the_function_registrations_go_the_long_way(
    rq_app: Flask, paths: list[str]
) -> None:
    """New code may serve a moment before `eventnet db upgrade` has run: no 500s then."""
    event_id, slug = _event(rq_app, {"student": 1})
    with rq_app.app_context():
        conn = db.session.connection()
        conn.exec_driver_sql(
            "ALTER FUNCTION eventnet_place_registration(integer, text, text, timestamptz, "
            "text, timestamptz, timestamptz, timestamptz, integer, boolean, integer, text[], "
            "text[], integer[]) RENAME TO eventnet_place_registration_away"
        )
        db.session.commit()
        db.session.remove()
    try:
        assert _post(rq_app, slug, "student", 1).json["status"] == "confirmed"
        assert _post(rq_app, slug, "student", 2).json["waitlist_position"] == 1
    finally:
        with rq_app.app_context():
            db.session.connection().exec_driver_sql(
                "ALTER FUNCTION eventnet_place_registration_away RENAME TO "
                "eventnet_place_registration"
            )
            db.session.commit()
            db.session.remove()
    assert paths == ["long", "long"]
    assert [s for _r, s, _p, _m in _stored(rq_app, event_id)] == ["confirmed", "waitlisted"]
