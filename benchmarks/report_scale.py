"""How the event report's time and memory grow with the number of attendees.

    .venv/bin/python -m benchmarks.report_scale [--sizes 3,100,500,1000,2000,3000] [--appendix]

For each size: a fresh SQLite database with one past event of that many registrations
(80% checked in; organizations, countries, interests, offers and seeks), recommendations,
requests, 8 meeting slots of meetings, feedback, connections and follow-up outcomes
(tests/pdf/activity.py), then `build_event_report` with its timings: grouped queries,
figures (pure Python), charts + HTML (Jinja), layout and PDF writing (WeasyPrint, in the
child process). Memory: the parent's peak RSS and the children's (WeasyPrint's) peak RSS.
Prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COUNTRIES = [
    "FI",
    "SE",
    "NO",
    "EE",
    "DE",
    "VN",
    "CN",
    "IN",
    "NG",
    "BR",
    "MX",
    "US",
    "TR",
    "IR",
    "PK",
    "NP",
    "KE",
    "ET",
    "CO",
    "JP",
    "KR",
    "FR",
    "ES",
    "IT",
    "UA",
]
INTERESTS = [
    "Data science",
    "Machine learning",
    "Software engineering",
    "Cybersecurity",
    "Cloud computing",
    "Robotics",
    "Circular economy",
    "Renewable energy",
    "Smart cities",
    "Health tech",
    "Biotechnology",
    "Public health",
    "Entrepreneurship",
    "Marketing",
    "Supply chain",
    "Finance",
    "Service design",
    "Education technology",
    "Social innovation",
    "Law",
]
OPPORTUNITIES = [
    "Internships",
    "Thesis topics",
    "Summer jobs",
    "Trainee programmes",
    "Mentoring",
    "Research collaboration",
    "Guest lectures",
    "Student projects",
    "Company visits",
    "Recruitment",
    "Funding applications",
]
PROGRAMMES = [
    "Master's Programme in Data Science",
    "Master's Programme in Service Design",
    "Bachelor's Programme in Business",
    "Doctoral Programme in Biotechnology",
    "Master's Programme in Energy Technology",
    "Master's Programme in Law",
]


def build_world(n: int, seed: int = 1) -> int:
    """One past event with ``n`` registrations and everything that happens around it."""
    import sqlalchemy as sa

    from eventnet.extensions import db
    from eventnet.models import (
        Event,
        Interest,
        Organization,
        Person,
        Registration,
        RegistrationTag,
        RoleQuota,
    )
    from tests.pdf.activity import add_activity

    rng = random.Random(seed)
    starts = datetime(2026, 9, 23, 9, 0, tzinfo=UTC)
    event = Event(
        slug=f"bench-{n}",
        title=f"Benchmark Networking Day ({n:,} registrations)",
        starts_at=starts,
        ends_at=starts + timedelta(hours=5),
        venue="Main hall",
        status="closed",
        capacity=n,
    )
    event.quotas = [
        RoleQuota(role=r, capacity=c)
        for r, c in (
            ("student", n * 55 // 100),
            ("employer", n * 25 // 100),
            ("staff", n * 20 // 100 + 1),
        )
    ]
    for label in INTERESTS + OPPORTUNITIES:
        event.interests.append(Interest(label=label, slug=label.lower().replace(" ", "-")))
    db.session.add(event)
    db.session.flush()
    interest_ids = {i.label: i.id for i in event.interests}
    org_count = max(3, n // 8)
    orgs = [
        {
            "name": f"Organization {k} {'University' if k % 3 else 'Oy'}",
            "name_key": f"organization {k} {seed} {n}",
            "kind": "employer" if k % 3 == 0 else "higher_education",
            "country": rng.choice(COUNTRIES[:5]),
            "created_at": starts,
        }
        for k in range(org_count)
    ]
    db.session.execute(sa.insert(Organization), orgs)
    org_ids = db.session.scalars(
        sa.select(Organization.id).where(Organization.name_key.like(f"% {seed} {n}"))
    ).all()
    employers = [o for k, o in enumerate(org_ids) if k % 3 == 0]
    schools = [o for k, o in enumerate(org_ids) if k % 3]
    persons = [
        {"email": f"p{k}.{n}@bench.example", "name": f"Person {k}", "created_at": starts}
        for k in range(n)
    ]
    db.session.execute(sa.insert(Person), persons)
    person_ids = db.session.scalars(
        sa.select(Person.id).where(Person.email.like(f"%.{n}@bench.example")).order_by(Person.id)
    ).all()
    regs = []
    for k, pid in enumerate(person_ids):
        role = rng.choices(["student", "employer", "staff"], weights=[55, 25, 20])[0]
        created = starts - timedelta(days=40) + timedelta(minutes=rng.randint(0, 39 * 24 * 60))
        status = rng.choices(["confirmed", "waitlisted", "cancelled"], weights=[88, 6, 6])[0]
        regs.append(
            {
                "event_id": event.id,
                "person_id": pid,
                "role": role,
                "status": status,
                "waitlist_position": k if status == "waitlisted" else None,
                "name": f"Person {k}",
                "email": f"p{k}.{n}@bench.example",
                "organization_id": rng.choice(employers if role == "employer" else schools),
                "country": rng.choice(COUNTRIES),
                "languages": ["English"],
                "degree_programme": rng.choice(PROGRAMMES) if role == "student" else "",
                "privacy_policy_version": "2026-01",
                "consent_privacy_at": created,
                "consent_profile_at": created if rng.random() < 0.9 else None,
                "ticket_code": f"B{n:04d}-{k:05d}",
                "created_at": created,
                "updated_at": created,
                "confirmed_at": created if status == "confirmed" else None,
                "checked_in_at": starts + timedelta(minutes=rng.randint(-20, 120))
                if status == "confirmed" and rng.random() < 0.8
                else None,
            }
        )
    db.session.execute(sa.insert(Registration), regs)
    reg_rows = db.session.execute(
        sa.select(Registration.id, Registration.role).where(Registration.event_id == event.id)
    ).all()
    tags = []
    for reg_id, _role in reg_rows:
        for label in rng.sample(INTERESTS, 3):
            tags.append(
                {"registration_id": reg_id, "interest_id": interest_ids[label], "kind": "interest"}
            )
        for kind in ("offer", "seek"):
            for label in rng.sample(OPPORTUNITIES, rng.randint(1, 2)):
                tags.append(
                    {"registration_id": reg_id, "interest_id": interest_ids[label], "kind": kind}
                )
    db.session.execute(sa.insert(RegistrationTag), tags)
    db.session.commit()
    add_activity(event.id, seed=seed, slots=8)
    return event.id


def peak_rss_mib(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux: KiB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="3,100,500,1000,2000,3000")
    parser.add_argument(
        "--appendix",
        action="store_true",
        help="Also time the 2,000 report with the attendee appendix.",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    tmp = Path(tempfile.mkdtemp(prefix="eventnet-report-bench-"))
    os.environ["EVENTNET_INSTANCE_PATH"] = str(tmp)
    from eventnet import create_app
    from eventnet.extensions import db
    from eventnet.services.reports import ReportTimings, build_event_report

    app = create_app(
        {
            "SECRET_KEY": "bench" * 10,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.sqlite3'}",
        }
    )
    with app.app_context():
        db.create_all()
    print(
        "| registrations | pages | queries | figures | charts + HTML | layout | PDF write "
        "| total (wall) | CPU | peak RSS app / layout child |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    runs = [(n, False) for n in sizes] + ([(2000, True)] if args.appendix else [])
    for n, appendix in runs:
        with app.test_request_context():
            event_id = (
                build_world(n)
                if not appendix
                else db.session.scalar(db.text("select id from events where slug = 'bench-2000'"))
                or build_world(2000)
            )
            build_event_report(event_id, datetime.now(UTC))  # warm: fork server, caches
            t = ReportTimings()
            started = time.perf_counter()
            pdf = build_event_report(
                event_id, datetime.now(UTC), include_attendees=appendix, timings=t
            )
            wall = time.perf_counter() - started
        label = f"{n:,}" + (" + attendee appendix" if appendix else "")
        print(
            f"| {label} | {t.pages} | {t.queries:.2f} s | {t.figures:.3f} s | "
            f"{t.charts:.2f} s | {t.layout:.2f} s | {t.write:.2f} s | {wall:.2f} s | "
            f"{t.cpu:.2f} s | {peak_rss_mib(resource.RUSAGE_SELF):.0f} / "
            f"{t.layout_peak_rss_mib:.0f} MiB |",
            flush=True,
        )
        (tmp / f"report-{n}{'-appendix' if appendix else ''}.pdf").write_bytes(pdf)
    print(f"\nPDFs in {tmp}")


if __name__ == "__main__":
    main()
