"""How fast the organizer's attendee list is at 5,000 registrations, and how many queries.

Run from the repository root::

    .venv/bin/python -m benchmarks.attendee_list                  # SQLite, 5,000
    .venv/bin/python -m benchmarks.attendee_list --registrations 20000
    .venv/bin/python -m benchmarks.attendee_list --postgres postgresql+psycopg://postgres@127.0.0.1:5432/bench

It builds a fresh database (migrated with Alembic, so with the real indexes) holding one event
with N registrations (200 organizations, 3-7 tags each, every status, a third checked in),
signs in as an organizer with the Flask test client and times whole requests (routing, the
queries, rendering the template) for typical views of the list, plus the check-in desk's
type-ahead and the CSV export. Each view runs ``--repeat`` times after one warm-up; the table
shows the median and the slowest run (wall clock), the median CPU time of this process (the
app's share, which the machine's load hardly changes; PostgreSQL's own work is not in it), the
number of SQL statements the request sent (counted with a ``before_cursor_execute`` listener)
and the response size. Prints Markdown.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ORG_COUNT = 200
FIRST = [
    "Aino",
    "Mikko",
    "Ines",
    "Oskar",
    "Leila",
    "Kwame",
    "Priya",
    "Mateo",
    "Yuki",
    "Zofia",
    "Omar",
    "Elif",
    "Lea",
    "Chen",
    "Amara",
    "Jonas",
    "Sara",
    "Tomás",
    "Nguyen",
    "Ana",
]
LAST = [
    "Virtanen",
    "Korhonen",
    "Nieminen",
    "Mäkinen",
    "Hämäläinen",
    "Laine",
    "Heikkinen",
    "Koskinen",
    "Järvinen",
    "Lehtonen",
    "Silva",
    "Okafor",
    "Tanaka",
    "Müller",
    "Rossi",
    "Novak",
    "Garcia",
    "Andersson",
    "Kowalski",
    "Haddad",
]


def build_app(uri: str, instance: Path) -> Any:
    os.environ["EVENTNET_INSTANCE_PATH"] = str(instance)
    from eventnet import create_app

    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "benchmark-secret-key-that-is-long-enough-0123456789",
            "SQLALCHEMY_DATABASE_URI": uri,
            "RATELIMIT_ENABLED": False,
            "MAIL_BACKEND": "file",
            "BASE_URL": "http://bench.test",
            "WTF_CSRF_ENABLED": False,
        }
    )


def reset_postgres(uri: str) -> None:
    engine = sa.create_engine(uri)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()


def seed(app: Any, n: int, rng: random.Random) -> str:
    """One event with ``n`` registrations, inserted in bulk; returns its slug."""
    from eventnet.extensions import db
    from eventnet.models import (
        AttendeeRole,
        Event,
        EventOrganizer,
        EventStatus,
        Interest,
        Organization,
        OrganizerAccount,
        Person,
        Registration,
        RegistrationStatus,
        RegistrationTag,
        RoleQuota,
        TagKind,
    )

    now = datetime.now(UTC)
    with app.app_context():
        organizer = OrganizerAccount(email="bench@uni.example", name="Bench", password_hash="")
        organizer.set_password("benchmark-password")
        quota = n // 3
        event = Event(
            slug="bench-fair",
            title="Benchmark Fair",
            starts_at=now + timedelta(days=30),
            ends_at=now + timedelta(days=30, hours=6),
            status=EventStatus.PUBLISHED,
            capacity=n,
        )
        event.quotas = [RoleQuota(role=r, capacity=quota) for r in AttendeeRole]
        event.interests = [Interest(label=f"Topic {i}", slug=f"topic-{i}") for i in range(40)]
        event.memberships = [EventOrganizer(organizer=organizer, is_owner=True)]
        db.session.add(event)
        orgs = [
            Organization(name=f"Organization {i}", name_key=f"organization {i}")
            for i in range(ORG_COUNT)
        ]
        db.session.add_all(orgs)
        db.session.flush()
        interest_ids = [i.id for i in event.interests]
        org_ids = [o.id for o in orgs]
        people = []
        for i in range(n):
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            people.append({"email": f"person{i}@bench.example", "name": name})
        db.session.execute(sa.insert(Person), people)
        person_ids = {e: i for e, i in db.session.execute(sa.select(Person.email, Person.id))}
        regs = []
        waiting = {role: 0 for role in AttendeeRole}
        for i, person in enumerate(people):
            role = rng.choice(list(AttendeeRole))
            status = rng.choices(list(RegistrationStatus), weights=[5, 80, 10, 5])[0]
            position = None
            if status == RegistrationStatus.WAITLISTED:
                waiting[role] += 1
                position = waiting[role]
            created = now - timedelta(minutes=n - i)
            regs.append(
                {
                    "event_id": event.id,
                    "person_id": person_ids[person["email"]],
                    "role": role,
                    "status": status,
                    "waitlist_position": position,
                    "name": person["name"],
                    "email": person["email"],
                    "organization_id": rng.choice(org_ids),
                    "privacy_policy_version": "2026-01",
                    "consent_privacy_at": created,
                    "consent_profile_at": created if rng.random() < 0.9 else None,
                    "ticket_code": f"{i:08d}"[:4] + "-" + f"{i:08d}"[4:],
                    "created_at": created,
                    "updated_at": created,
                    "checked_in_at": now
                    if status == RegistrationStatus.CONFIRMED and rng.random() < 0.35
                    else None,
                    "organizer_notes": "Call back" if rng.random() < 0.02 else "",
                }
            )
        db.session.execute(sa.insert(Registration), regs)
        reg_ids = list(db.session.scalars(sa.select(Registration.id)))
        tags = []
        for reg_id in reg_ids:
            for interest_id in rng.sample(interest_ids, rng.randint(3, 7)):
                tags.append(
                    {
                        "registration_id": reg_id,
                        "interest_id": interest_id,
                        "kind": rng.choice(list(TagKind)),
                    }
                )
        db.session.execute(sa.insert(RegistrationTag), tags)
        db.session.commit()
        db.session.execute(sa.text("ANALYZE"))  # fresh statistics, as autovacuum would have
        db.session.commit()
        return "bench-fair"


class QueryCounter:
    def __init__(self, engine: Any) -> None:
        self.count = 0
        sa.event.listen(engine, "before_cursor_execute", self._on)

    def _on(self, *_args: Any) -> None:
        self.count += 1


def run(uri: str, n: int, repeat: int, label: str) -> list[dict[str, Any]]:
    rng = random.Random(11)
    with tempfile.TemporaryDirectory() as tmp:
        app = build_app(uri, Path(tmp))
        from flask_migrate import upgrade

        from eventnet.extensions import db

        with app.app_context():
            upgrade()
        started = time.perf_counter()
        slug = seed(app, n, rng)
        seed_seconds = time.perf_counter() - started
        with app.app_context():
            engine = db.engine
            interest_id = db.session.scalar(sa.text("SELECT min(id) FROM interests"))
        counter = QueryCounter(engine)
        client = app.test_client()
        response = client.post(
            "/auth/login", data={"email": "bench@uni.example", "password": "benchmark-password"}
        )
        assert response.status_code == 302, response.status_code
        base = f"/admin/events/{slug}"
        views = [
            ("list, first page (50, newest first)", f"{base}/attendees"),
            ("list, page 50 of 100", f"{base}/attendees?page=50"),
            ("search a surname", f"{base}/attendees?q=virtanen"),
            (
                "role + status filter, sorted by name",
                f"{base}/attendees?role=student&status=confirmed&sort=name&dir=asc",
            ),
            ("interest + not checked in", f"{base}/attendees?interest={interest_id}&checked_in=no"),
            (
                "sorted by organization, 200 per page",
                f"{base}/attendees?sort=organization&per_page=200",
            ),
            ("check-in desk type-ahead (JSON)", f"{base}/checkin/search?q=ann"),
            ("event overview", f"{base}/"),
            (f"CSV export of all {n:,}", f"{base}/attendees.csv"),
        ]
        results = []
        for name, url in views:
            client.get(url)  # warm-up (templates compiled, caches filled)
            times, cpu, queries, size = [], [], 0, 0
            for _ in range(repeat):
                counter.count = 0
                t, c = time.perf_counter(), time.process_time()
                response = client.get(url)
                data = response.get_data()
                times.append(time.perf_counter() - t)
                cpu.append(time.process_time() - c)
                queries, size = counter.count, len(data)
                assert response.status_code == 200, (url, response.status_code)
            results.append(
                {
                    "backend": label,
                    "view": name,
                    "median_ms": statistics.median(times) * 1000,
                    "max_ms": max(times) * 1000,
                    "cpu_ms": statistics.median(cpu) * 1000,
                    "queries": queries,
                    "kib": size / 1024,
                }
            )
        with app.app_context():
            db.engine.dispose()
        print(f"<!-- {label}: seeded {n:,} registrations in {seed_seconds:.1f} s -->")
        return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registrations", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--postgres", help="PostgreSQL URL of a database this may wipe")
    args = parser.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        results += run(f"sqlite:///{tmp}/bench.sqlite3", args.registrations, args.repeat, "SQLite")
    if args.postgres:
        reset_postgres(args.postgres)
        results += run(args.postgres, args.registrations, args.repeat, "PostgreSQL")
    print(f"\nload average before the run: {os.getloadavg()[0]:.1f} (2 cores)\n")
    print("| backend | view | median | slowest | app CPU | SQL statements | response |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r['backend']} | {r['view']} | {r['median_ms']:.0f} ms | {r['max_ms']:.0f} ms "
            f"| {r['cpu_ms']:.0f} ms | {r['queries']} | {r['kib']:.0f} KiB |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
