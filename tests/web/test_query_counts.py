"""The hot public pages run a fixed number of SQL queries, however many events or people.

An N+1 (a query per event on the home page, per registration on an event page) fails here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from flask import Flask

from eventnet.extensions import db
from eventnet.services import registration, registration_rows
from tests.factories import make_event, make_registration

IGNORED = ("BEGIN", "SAVEPOINT", "RELEASE", "ROLLBACK", "COMMIT", "PRAGMA")


@contextmanager
def count_queries(app: Flask) -> Iterator[list[str]]:
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _many) -> None:  # type: ignore[no-untyped-def]
        if not statement.lstrip().upper().startswith(IGNORED):
            statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def _queries(app: Flask, client, url: str) -> list[str]:  # type: ignore[no-untyped-def]
    client.get(url)  # first request of the test: session, language, lazy imports
    with count_queries(app) as statements:
        response = client.get(url)
    assert response.status_code == 200
    return statements


def test_event_page_queries_do_not_grow_with_registrations(app, client) -> None:
    event = make_event(slug="busy-day", quotas={"staff": 50, "student": 50, "employer": 50})
    for i in range(2):
        make_registration(event, role=("staff", "student")[i % 2])
    few = _queries(app, client, "/events/busy-day")
    for i in range(12):
        make_registration(event, role=("staff", "student", "employer")[i % 3])
    many = _queries(app, client, "/events/busy-day")
    assert len(many) == len(few), many
    assert len(few) <= 5, few


def test_home_page_queries_do_not_grow_with_events(app, client) -> None:
    for _ in range(2):
        make_registration(make_event())
    few = _queries(app, client, "/")
    for _ in range(6):
        event = make_event()
        make_registration(event)
        make_registration(event, role="staff")
    many = _queries(app, client, "/")
    assert len(many) == len(few), many
    assert len(few) <= 5, few


def _register(client, slug: str, n: int):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/v1/events/{slug}/registrations",
        json={
            "role": "student",
            "name": f"Student {n}",
            "email": f"student{n}@uni.example",
            "degree_programme": "MSc",
            "organization": "University of Helsinki",
            "interests": ["Data science"],
            "offers": ["Internships"],
            "consent_privacy": True,
        },
    )


def test_registration_statements_do_not_grow_with_the_waiting_list(
    app, client, backend, monkeypatch
) -> None:
    """A registration in a rush is a fixed handful of statements, whether it gets a place or
    joins a long waiting list (docs/benchmarks.md, "Load")."""
    monkeypatch.setitem(app.config, "MAIL_DELIVER_INLINE", False)
    make_event(slug="rush-hour", quotas={"student": 2})
    pipelined: list[str] = []  # sent together on PostgreSQL (services.pipeline), counted too
    original = registration.run_pipelined

    def run_pipelined(queries):  # type: ignore[no-untyped-def]
        pipelined.extend(str(statement) for statement, _params in queries)
        return original(queries)

    monkeypatch.setattr(registration, "run_pipelined", run_pipelined)
    monkeypatch.setattr(registration_rows, "run_pipelined", run_pipelined)
    counts = []
    for n in range(14):
        with count_queries(app) as statements:
            assert _register(client, "rush-hour", n).status_code == 202
        counts.append(len(statements) + len(pipelined))
        pipelined.clear()
    # The first one also creates the organization; then a place, then the waiting list.
    assert len(set(counts[2:])) == 1, counts
    # Event terms, person/organization lookup, the rows (one statement on PostgreSQL), the
    # lock with the event's terms, one count, the place; the mail (rendered inline here).
    limit = 9 if backend == "postgres" else 11
    assert counts[-1] <= limit, counts
