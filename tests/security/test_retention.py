"""Issue 8, point 8: retention. Canary personal data is seeded everywhere an attendee's data
can end up (names, e-mails, free texts, notes, feedback, follow-ups, outcomes, meeting
requests, recommendations, outbox rows and their .eml files, audit before/after JSON,
generated report files). The clock moves past the event's retention period, ``eventnet
tick`` runs twice, and then EVERY text and JSON column of EVERY table (reflected from the
database, so new tables are covered too) and every file under ``instance/`` is scanned: no
canary remains, while the report's figures are unchanged and an event still within its
retention period keeps its data.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from eventnet.extensions import db
from eventnet.models import (
    AuditEntry,
    BackgroundJob,
    Connection,
    Event,
    FeedbackResponse,
    FollowUp,
    JobStatus,
    Meeting,
    MeetingRequest,
    MeetingSlot,
    MeetingStatus,
    MeetingTable,
    OutboxMessage,
    OutboxStatus,
    Outcome,
    OutcomeType,
    Person,
    QuoteConsent,
    Recommendation,
    Registration,
    RegistrationStatus,
)
from eventnet.services.tick import run_tick
from tests.conftest import FIXED_NOW
from tests.factories import make_event, make_organization, make_registration

CANARY = "zqcanary"  # lower-case: e-mail addresses are stored lower-cased
KEEP = "zqkeepme"


def _seed_event(marker: str, starts_at, *, tag: str) -> dict[str, int]:
    org = make_organization(f"Org {tag}")
    event = make_event(starts_at=starts_at, title=f"Event {tag}")
    event_id = event.id
    regs = []
    for i, role in enumerate(("student", "staff", "employer")):
        reg = make_registration(
            event,
            email=f"{marker}{i}.{tag}@example.org",
            name=f"{marker.title()} Person{i} {tag}",
            role=role,
            job_title=f"{marker} job title",
            other_interests=f"{marker} other interests",
            offer_text=f"I offer {marker} mentoring",
            seek_text=f"I seek {marker} internships",
            goals=f"My goal is {marker} networking",
            dietary_needs=f"{marker} vegan",
            accessibility_needs=f"{marker} wheelchair",
            organizer_notes=f"Note about {marker} person",
            country="FI",
            languages=[f"{marker}ish"],
            checked_in_at=starts_at + timedelta(minutes=10 * i),
        )
        reg.organization_id = org.id
        regs.append(reg)
    db.session.commit()
    a, b, c = (r.id for r in regs)
    slot = MeetingSlot(
        event_id=event_id, starts_at=starts_at, ends_at=starts_at + timedelta(minutes=15)
    )
    table = MeetingTable(event_id=event_id, label="T1")
    db.session.add_all([slot, table])
    db.session.flush()
    request = MeetingRequest(
        event_id=event_id, requester_id=a, recipient_id=b, note=f"Let us talk {marker}"
    )
    db.session.add(request)
    db.session.add(
        Meeting(
            event_id=event_id,
            first_id=a,
            second_id=b,
            slot_id=slot.id,
            table_id=table.id,
            status=MeetingStatus.HELD,
        )
    )
    db.session.add(
        Recommendation(
            event_id=event_id,
            registration_id=a,
            partner_id=c,
            rank=1,
            score=0.9,
            reasons=[{"kind": "text", "text": f"You both mention {marker} batteries"}],
        )
    )
    connection = Connection(
        event_id=event_id, first_id=a, second_id=b, first_confirmed_at=starts_at
    )
    db.session.add(connection)
    db.session.add(
        FeedbackResponse(
            event_id=event_id,
            registration_id=a,
            overall_rating=5,
            nps=9,
            improve=f"More {marker} coffee",
            comment=f"Great day {marker}",
            quote_consent=QuoteConsent.NAMED,
        )
    )
    follow_up = FollowUp(
        event_id=event_id,
        registration_id=b,
        days_after=30,
        due_at=starts_at + timedelta(days=30),
        answered_at=starts_at + timedelta(days=31),
        comment=f"Follow-up {marker} comment",
        token_hash=f"{marker}".ljust(64, "0"),
    )
    db.session.add(follow_up)
    db.session.flush()
    db.session.add(
        Outcome(
            event_id=event_id,
            registration_id=b,
            follow_up_id=follow_up.id,
            connection_id=connection.id,
            type=OutcomeType.INTERNSHIP,
            text=f"Internship at {marker} Oy",
        )
    )
    for reg in regs:
        db.session.add(
            OutboxMessage(
                kind="confirmation",
                to_address=reg.email,
                subject=f"Welcome {reg.name}",
                body_text=f"Hello {reg.name}, your goals: {marker}",
                body_html=f"<p>Hello {reg.name}</p>",
                headers={"X-Note": marker},
                attachments=[
                    {"filename": f"{marker}.ics", "content_type": "text/calendar", "data_b64": ""}
                ],
                event_id=event_id,
                registration_id=reg.id,
                status=OutboxStatus.PENDING,
                send_after=starts_at - timedelta(days=1),
            )
        )
    db.session.add(
        AuditEntry(
            event_id=event_id,
            registration_id=a,
            actor_kind="organizer",
            action="registration.edited",
            before={"name": f"Old {marker} name"},
            after={"goals": f"New {marker} goals"},
        )
    )
    db.session.add(
        AuditEntry(
            event_id=event_id,
            actor_kind="organizer",
            action="attendees.imported",
            after={"names": [f"{marker} imported"]},
        )
    )
    db.session.commit()
    return {"event_id": event_id, "a": a, "b": b, "c": c}


def _seed_report_file(app, event_id: int, marker: str) -> Path:
    folder = Path(app.instance_path) / "reports" / f"event-{event_id}"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "report.pdf"
    path.write_bytes(f"%PDF-1.7 attendee list: {marker}".encode())
    db.session.add(
        BackgroundJob(
            kind="event_report",
            event_id=event_id,
            status=JobStatus.DONE if hasattr(JobStatus, "DONE") else list(JobStatus)[-1],
            params={"requested_for": marker},
            message=f"Report for {marker}",
            result_path=str(path.relative_to(app.instance_path)),
        )
    )
    db.session.commit()
    return path


def _text_columns(metadata: sa.MetaData):
    for table in metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, sa.String | sa.Text | sa.JSON | sa.LargeBinary) or (
                column.type.__class__.__name__ in ("JSON", "JSONB", "VARCHAR", "TEXT")
            ):
                yield table, column


def _scan_database(marker: str) -> list[str]:
    connection = db.session.connection()
    metadata = sa.MetaData()
    metadata.reflect(bind=connection)
    assert len(metadata.tables) >= 25  # really reflected the whole schema
    found = []
    for table, column in _text_columns(metadata):
        for (value,) in connection.execute(sa.select(column).where(column.is_not(None))):
            if marker in str(value).casefold():
                found.append(f"{table.name}.{column.name}: {str(value)[:80]}")
    return found


def _scan_files(root: Path, marker: str) -> list[str]:
    return [
        str(path)
        for path in root.rglob("*")
        if path.is_file()
        and path.suffix not in (".sqlite3", ".sqlite3-wal", ".sqlite3-shm")
        and not path.name.endswith(("-wal", "-shm"))
        and marker.encode() in path.read_bytes().lower()
    ]


def _figures(event_id: int, now):
    from eventnet.services.reports import event_figures

    figures, _findings = event_figures(event_id, now)
    outcomes = figures.outcomes
    return {
        "summary": figures.summary,
        "registration": figures.registration,
        "interests": figures.interests,
        "matching": figures.matching,
        "organizations": figures.organizations,
        "outcome_months": figures.outcome_months,
        "outcomes": None
        if outcomes is None
        else {
            f.name: getattr(outcomes, f.name)
            for f in dataclasses.fields(outcomes)
            if f.name not in ("quotes", "improvements")
        },
    }


@pytest.fixture
def seeded(app, app_ctx):
    """Two events: one long past (canary), one recent (keep); mail delivered to .eml files."""
    old_start = FIXED_NOW - timedelta(days=500)
    recent_start = FIXED_NOW - timedelta(days=30)
    old = _seed_event(CANARY, old_start, tag="old")
    recent = _seed_event(KEEP, recent_start, tag="new")
    # A person who came to both: their old registration goes, the recent one stays.
    both = make_registration(
        db.session.get(Event, old["event_id"]),
        email=f"both.{KEEP}@example.org",
        name="Both Events",
        goals=f"old-event goal {CANARY}",
    )
    make_registration(
        db.session.get(Event, recent["event_id"]), email=both.email, name="Both Events"
    )
    from eventnet.services.outbox import deliver_due

    deliver_due(FIXED_NOW, limit=1000)  # file backend: instance/outbox/<id>.eml
    _seed_report_file(app, old["event_id"], CANARY)
    _seed_report_file(app, recent["event_id"], KEEP)
    return {"old": old, "recent": recent, "both_email": both.email}


def test_retention_removes_every_canary_and_keeps_the_figures(app, seeded) -> None:
    root = Path(app.instance_path)
    old_id, recent_id = seeded["old"]["event_id"], seeded["recent"]["event_id"]
    # The seed really put the canary everywhere we are about to scan.
    before_db = _scan_database(CANARY)
    seeded_tables = {hit.split(".")[0] for hit in before_db}
    assert {
        "registrations",
        "persons",
        "outbox_messages",
        "audit_entries",
        "feedback_responses",
        "follow_ups",
        "outcomes",
        "meeting_requests",
        "recommendations",
        "background_jobs",
    } <= seeded_tables, seeded_tables
    assert any(p.endswith(".eml") for p in _scan_files(root, CANARY))
    assert _scan_files(root, CANARY)

    old = db.session.get(Event, old_id)
    later = old.ends_at + timedelta(days=366)
    figures_before = _figures(old_id, later)
    recent_figures_before = _figures(recent_id, later)

    for _ in range(2):  # idempotent: a second run finds nothing and breaks nothing
        results = run_tick(later)
        step = next(r for r in results if r.name == "anonymize after retention")
        assert step.error is None, step

    assert _scan_database(CANARY) == []
    assert _scan_files(root, CANARY) == []
    assert _figures(old_id, later) == figures_before
    # The recent event is within its 12 months: untouched.
    assert _figures(recent_id, later) == recent_figures_before
    assert _scan_database(KEEP), "the recent event's data must stay"
    assert _scan_files(root, KEEP)
    person = db.session.scalar(sa.select(Person).where(Person.email == seeded["both_email"]))
    assert person is not None and person.anonymized_at is None
    assert db.session.get(Event, old_id).personal_data_purged_at == later
    assert db.session.get(Event, recent_id).personal_data_purged_at is None
    statuses = db.session.scalars(
        sa.select(Registration.status).where(Registration.event_id == old_id)
    ).all()
    assert statuses and all(s == RegistrationStatus.CONFIRMED for s in statuses)


def test_nothing_is_purged_before_the_retention_period_ends(app, seeded) -> None:
    old_id = seeded["old"]["event_id"]
    old = db.session.get(Event, old_id)
    old.retention_months = 24
    db.session.commit()
    run_tick(old.ends_at + timedelta(days=400))
    assert db.session.get(Event, old_id).personal_data_purged_at is None
    assert _scan_database(CANARY)
