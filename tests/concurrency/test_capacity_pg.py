"""Never oversell, under a real rush on PostgreSQL.

50 threads post the registration form at once for an event with 10 places, each request
with its own session and connection and real commits, in a database of its own (created
here, migrated, dropped at the end) so that the rolled-back-transaction harness of the other
tests is not involved. With the event lock: exactly 10 confirmed, 40 wait-listed in order
1..40, no 5xx. With the lock switched off (`locking.LOCKING_ENABLED = False`) the same rush
oversells: this is what proves the lock is what keeps the promise.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from eventnet.extensions import db
from eventnet.models import Registration, RegistrationStatus
from eventnet.services import locking
from eventnet.services.waitlist import availability_from_count, places_count
from tests.concurrency.conftest import POSTGRES_URL
from tests.conftest import make_test_app
from tests.factories import make_event, make_registration

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not POSTGRES_URL, reason="needs EVENTNET_TEST_POSTGRES_URL"),
]
PEOPLE = 50
PLACES = 10


def _event(app: Flask) -> tuple[int, str]:
    with app.app_context():
        event = make_event(
            quotas={"student": PLACES},
            starts_at=datetime.now(UTC) + timedelta(days=10),
        )
        result = event.id, event.slug
        db.session.remove()
    return result


def _rush(app: Flask, slug: str, people: int = PEOPLE, same_email: bool = False) -> list[int]:
    barrier = threading.Barrier(people)
    codes: list[int] = [0] * people

    def person(i: int) -> None:
        client = app.test_client()
        data = {
            "role": "student",
            "name": f"Student {i}",
            "email": "twin@uni.example" if same_email else f"student{i}@uni.example",
            "degree_programme": "MSc",
            "consent_privacy": "y",
        }
        barrier.wait()
        codes[i] = client.post(f"/events/{slug}/register", data=data).status_code

    threads = [threading.Thread(target=person, args=(i,)) for i in range(people)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return codes


def _rows(app: Flask, event_id: int) -> list[tuple[RegistrationStatus, int | None]]:
    with app.app_context():
        rows = db.session.execute(
            sa.select(Registration.status, Registration.waitlist_position)
            .where(Registration.event_id == event_id)
            .order_by(Registration.id)
        ).all()
        db.session.remove()
    return [(s, p) for s, p in rows]


def test_fifty_people_race_for_ten_places(rush_app: Flask) -> None:
    event_id, slug = _event(rush_app)
    codes = _rush(rush_app, slug)
    assert not [c for c in codes if c >= 500], codes
    assert codes.count(302) == PEOPLE
    rows = _rows(rush_app, event_id)
    confirmed = [r for r in rows if r[0] == RegistrationStatus.CONFIRMED]
    waiting = [p for s, p in rows if s == RegistrationStatus.WAITLISTED]
    assert len(confirmed) == PLACES
    # Positions are given in the order people got the lock (rows are written before it,
    # so not in id order): 1..40, no gap, no twin.
    assert sorted(waiting) == list(range(1, PEOPLE - PLACES + 1))


def test_without_the_lock_the_same_rush_oversells(rush_app: Flask) -> None:
    locking.LOCKING_ENABLED = False
    try:
        oversold = 0
        for _round in range(3):  # a race is a race: give it a few chances to show
            event_id, slug = _event(rush_app)
            _rush(rush_app, slug)
            rows = _rows(rush_app, event_id)
            oversold = sum(1 for s, _ in rows if s == RegistrationStatus.CONFIRMED) - PLACES
            if oversold > 0:
                break
    finally:
        locking.LOCKING_ENABLED = True
    assert oversold > 0, "without the lock, 50 simultaneous registrations should oversell"


def test_the_same_address_sent_at_once_is_registered_once(rush_app: Flask) -> None:
    """With the lock (serialized) and without it (the unique indexes catch the race and the
    retry takes the already-registered path): one registration, and never a 5xx."""
    for enabled in (True, False):
        locking.LOCKING_ENABLED = enabled
        try:
            event_id, slug = _event(rush_app)
            codes = _rush(rush_app, slug, people=12, same_email=True)
        finally:
            locking.LOCKING_ENABLED = True
        assert codes == [302] * 12, (enabled, codes)
        assert len(_rows(rush_app, event_id)) == 1


@pytest.mark.parametrize("held", ["FOR NO KEY UPDATE", "FOR UPDATE"])
def test_a_lock_held_too_long_answers_try_again_and_keeps_nothing(
    rush_app: Flask, tmp_path: Path, held: str
) -> None:
    """The connection's lock_timeout (DB_LOCK_TIMEOUT_MS) bounds the wait for the event:
    the registrant gets 503 "please try again", and the rows written before the lock are
    rolled back with it (no person, no registration, no mail). Held "FOR NO KEY UPDATE", as
    another registration holds it, the wait is for the event lock; held "FOR UPDATE" (as a
    change of the event's key would), already the registration's own row must wait."""
    event_id, slug = _event(rush_app)
    uri = rush_app.config["SQLALCHEMY_DATABASE_URI"]
    impatient = make_test_app(tmp_path, uri, DB_LOCK_TIMEOUT_MS=300, MAIL_DELIVER_INLINE=False)
    holder = sa.create_engine(uri)
    try:
        with holder.connect() as conn, conn.begin():
            conn.execute(
                sa.text("SELECT id FROM events WHERE id = :id FOR UPDATE"), {"id": event_id}
            )
            response = impatient.test_client().post(
                f"/api/v1/events/{slug}/registrations",
                json={
                    "role": "student",
                    "name": "Patient Person",
                    "email": "patient@uni.example",
                    "degree_programme": "MSc",
                    "consent_privacy": True,
                },
            )
        assert response.status_code == 503, response.get_data(as_text=True)
        assert "try again" in response.get_json()["message"].lower()
        assert response.headers["Retry-After"]
        with holder.connect() as conn:
            for table in ("registrations", "outbox_messages"):
                count = conn.execute(
                    sa.text(f"SELECT count(*) FROM {table} WHERE event_id = :id"),
                    {"id": event_id},
                ).scalar_one()
                assert count == 0, table
            assert not conn.execute(
                sa.text("SELECT id FROM persons WHERE email = 'patient@uni.example'")
            ).first()
    finally:
        holder.dispose()
        with impatient.app_context():
            db.engine.dispose()


def test_a_rush_with_workers_places_and_queues_each_mail_in_the_same_commit(
    rush_app: Flask, rq_app: Flask
) -> None:
    """With RQ workers, a registration's place, its mail's outbox row and the commit go to
    PostgreSQL together (services.pipeline): the same rush over the JSON API still gives
    10 places and positions 1..40, and every registration has exactly one mail recipe
    telling the place it was given."""
    event_id, slug = _event(rush_app)
    app = rq_app
    barrier = threading.Barrier(PEOPLE)
    codes = [0] * PEOPLE

    def person(i: int) -> None:
        client = app.test_client()
        body = {
            "role": "student",
            "name": f"Student {i}",
            "email": f"api{i}@uni.example",
            "degree_programme": "MSc",
            "consent_privacy": True,
        }
        barrier.wait()
        codes[i] = client.post(f"/api/v1/events/{slug}/registrations", json=body).status_code

    threads = [threading.Thread(target=person, args=(i,)) for i in range(PEOPLE)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert codes == [202] * PEOPLE, codes
    with app.app_context():
        rows = db.session.execute(
            sa.text(
                "SELECT r.status, r.waitlist_position, o.render_later "
                "FROM registrations r JOIN outbox_messages o ON o.registration_id = r.id "
                "WHERE r.event_id = :id"
            ),
            {"id": event_id},
        ).all()
        db.session.remove()
    assert len(rows) == PEOPLE  # one mail each, in the registration's own commit
    assert sum(1 for status, _p, _r in rows if status == "confirmed") == PLACES
    waiting = sorted(p for status, p, _r in rows if status == "waitlisted")
    assert waiting == list(range(1, PEOPLE - PLACES + 1))
    for status, position, recipe in rows:
        assert (recipe["status"], recipe["waitlist_position"]) == (status, position)


def _rows_read(plan: dict[str, Any]) -> int:
    """Rows a plan read from registrations: returned by its scans plus those filtered out."""
    node = plan
    own = 0
    if node.get("Relation Name") == "registrations":
        loops = int(node.get("Actual Loops", 1))
        own = (int(node.get("Actual Rows", 0)) + int(node.get("Rows Removed by Filter", 0))) * loops
    return own + sum(_rows_read(child) for child in node.get("Plans", []))


@pytest.mark.parametrize("plan_cache_mode", ["force_custom_plan", "force_generic_plan"])
def test_the_count_under_the_lock_never_reads_the_waiting_list(
    rush_app: Flask, plan_cache_mode: str
) -> None:
    """A new event has no statistics yet when its rush starts: PostgreSQL once costed every
    index alike for it and counted the places by reading the whole waiting list, under the
    event lock, at every registration. The count must read about the places, not the queue;
    with a prepared statement's generic plan too (psycopg prepares repeated statements).
    The table holds earlier events, as a deployment's does. (A table analyzed while nearly
    empty is another matter: any plan reads few rows there, and autovacuum analyzes it again
    after its first 50 rows.)"""
    with rush_app.app_context():
        earlier = make_event(quotas={"student": 60})
        for n in range(60):
            make_registration(earlier, email=f"earlier{n}@plan.example")
        copied = [c.name for c in Registration.__table__.columns]
        copied = [c for c in copied if c not in ("id", "event_id", "ticket_code")]
        for _ in range(40):
            db.session.execute(
                sa.text(
                    f"INSERT INTO registrations (event_id, ticket_code, {', '.join(copied)}) "
                    f"SELECT :event_id, substr(md5(random()::text), 1, 12), {', '.join(copied)} "
                    "FROM registrations WHERE event_id = :source"
                ),
                {"event_id": make_event(quotas={"student": 60}).id, "source": earlier.id},
            )
            db.session.commit()
        event = make_event(quotas={"student": 5, "staff": 5})
        db.session.execute(sa.text("ANALYZE registrations"))  # statistics without this event
        for n in range(5):
            make_registration(event, email=f"holder{n}@plan.example")
        for n in range(1, 301):
            make_registration(
                event,
                email=f"waiting{n}@plan.example",
                status=RegistrationStatus.WAITLISTED,
                waitlist_position=n,
                waitlisted_at=datetime.now(UTC),
                role="student" if n % 2 else "staff",
            )
        query, params = places_count(event.id, datetime.now(UTC))
        compiled = query.compile(dialect=db.engine.dialect)
        conn = db.session.connection()
        conn.exec_driver_sql(f"SET LOCAL plan_cache_mode = {plan_cache_mode}")
        explained = conn.exec_driver_sql(
            "EXPLAIN (ANALYZE, FORMAT JSON) " + compiled.string,
            compiled.construct_params(params),
        ).scalar_one()
        plan = (json.loads(explained) if isinstance(explained, str) else explained)[0]["Plan"]
        rows = conn.execute(query, params).all()
        db.session.rollback()
    assert availability_from_count(10, {}, rows).taken == 5
    assert _rows_read(plan) <= 20, json.dumps(plan, indent=1)
