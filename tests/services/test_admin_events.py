"""Event administration: validation, quotas under the lock, status, clone, tags, slots."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from eventnet.extensions import db
from eventnet.models import (
    AuditEntry,
    Event,
    EventStatus,
    Interest,
    MeetingSlot,
    MeetingTable,
    Registration,
    RegistrationStatus,
    RegistrationTag,
    TagKind,
)
from eventnet.services import DomainError, meeting_setup, taxonomy
from eventnet.services import event_admin as ea
from tests.factories import make_event, make_organizer, make_registration

START = datetime(2027, 5, 20, 9, 0, tzinfo=UTC)


def data(**kw) -> ea.EventData:
    values = dict(
        slug="career-day-2027",
        title="Career Day 2027",
        starts_at=START,
        ends_at=START + timedelta(hours=6),
        timezone="Europe/Helsinki",
        capacity=30,
        quotas={"staff": 10, "student": 10, "employer": 10},
    )
    values.update(kw)
    return ea.EventData(**values)


def test_create_event_owned_by_its_creator_with_taxonomy_and_audit(app_ctx, now) -> None:
    alice = make_organizer("alice@uni.example")
    event = ea.create_event(
        data(), actor=alice, now=now, interests=["Data science", "data  science", "Robotics"]
    )
    assert event.status == EventStatus.DRAFT
    assert {q.role.value: q.capacity for q in event.quotas} == {
        "staff": 10,
        "student": 10,
        "employer": 10,
    }
    assert sorted(i.label for i in event.interests) == ["Data science", "Robotics"]
    assert [m.organizer_id for m in event.memberships] == [alice.id]
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.event_id == event.id))
    assert entry.action == "event.created" and entry.actor_id == alice.id


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"ends_at": START - timedelta(hours=1)}, "ends_at", "end after it starts"),
        ({"quotas": {"staff": 40, "student": 0, "employer": 0}}, "quota_staff", "above"),
        ({"slug": "Not A Slug"}, "slug", "lower-case"),
        ({"timezone": "Mars/Olympus"}, "timezone", "time zone"),
        ({"title": "   "}, "title", "title"),
        ({"title": "Nul\x00byte"}, "title", "control"),
        (
            {"registration_opens_at": START, "registration_closes_at": START - timedelta(days=1)},
            "registration_closes_at",
            "after it opens",
        ),
    ],
)
def test_invalid_settings_are_refused_with_a_message_per_field(
    app_ctx, now, changes, field, words
) -> None:
    alice = make_organizer()
    with pytest.raises(ea.InvalidInput) as caught:
        ea.create_event(data(**changes), actor=alice, now=now)
    assert field in caught.value.errors
    assert words in caught.value.errors[field]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Event)) == 0


def test_slug_must_be_unique(app_ctx, now) -> None:
    make_event(slug="career-day-2027")
    with pytest.raises(ea.InvalidInput) as caught:
        ea.create_event(data(), actor=make_organizer(), now=now)
    assert "already uses" in caught.value.errors["slug"]


def test_lowering_a_quota_below_confirmed_places_is_refused_with_an_explanation(
    app_ctx, now
) -> None:
    event = make_event(quotas={"staff": 5, "student": 5, "employer": 5})
    for _ in range(3):
        make_registration(event, role="student")
    make_registration(event, role="student", status=RegistrationStatus.PENDING)
    with pytest.raises(ea.InvalidInput) as caught:
        ea.update_event(event.id, {"quotas": {"student": 3}}, actor=None, now=now)
    assert "4 places" in caught.value.errors["quota_student"]
    assert db.session.get(Event, event.id).quota_for("student").capacity == 5
    # Down to exactly the places taken is fine.
    ea.update_event(event.id, {"quotas": {"student": 4}}, actor=None, now=now)
    assert db.session.get(Event, event.id).quota_for("student").capacity == 4


def test_raising_a_quota_promotes_the_waiting_list_first_come_first_served(app_ctx, now) -> None:
    organizer = make_organizer()
    event = make_event(quotas={"staff": 2, "student": 1, "employer": 2})
    for role in ("student", "staff", "staff", "employer", "employer"):
        make_registration(event, role=role)  # every place of the capacity (5) is taken
    waiting = []
    for n in (1, 2, 3):
        reg = make_registration(
            event,
            role="student",
            status=RegistrationStatus.WAITLISTED,
            waitlist_position=n,
            waitlisted_at=now - timedelta(hours=10 - n),
        )
        waiting.append(reg.id)
    held = ea.update_event(event.id, {"quotas": {"student": 3}}, actor=organizer, now=now)
    assert held.promoted == 0 and held.capacity_full  # capacity 5 = 2 + 1 + 2 is the limit
    result = ea.update_event(event.id, {"capacity": 7}, actor=organizer, now=now)
    assert result.promoted == 2
    statuses = {
        r.id: (r.status, r.waitlist_position)
        for r in db.session.scalars(sa.select(Registration).where(Registration.id.in_(waiting)))
    }
    assert statuses[waiting[0]] == (RegistrationStatus.CONFIRMED, None)
    assert statuses[waiting[1]] == (RegistrationStatus.CONFIRMED, None)
    assert statuses[waiting[2]] == (RegistrationStatus.WAITLISTED, 1)
    entry = db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "event.updated").order_by(AuditEntry.id)
    )
    assert entry.before == {"quotas": {"employer": 2, "staff": 2, "student": 1}}
    assert entry.after["quotas"]["student"] == 3


def test_status_life_cycle(app_ctx, now) -> None:
    organizer = make_organizer()
    event = ea.create_event(data(), actor=organizer, now=now)
    assert ea.allowed_transitions(event) == ["publish", "archive"]
    ea.change_status(event.id, "publish", actor=organizer, now=now)
    ea.change_status(event.id, "close", actor=organizer, now=now)
    assert db.session.get(Event, event.id).status == EventStatus.CLOSED
    make_registration(db.session.get(Event, event.id))
    with pytest.raises(DomainError, match="close registration instead"):
        ea.change_status(event.id, "unpublish", actor=organizer, now=now)
    ea.change_status(event.id, "archive", actor=organizer, now=now)
    with pytest.raises(DomainError):
        ea.change_status(event.id, "close", actor=organizer, now=now)
    actions = db.session.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.event_id == event.id).order_by(AuditEntry.id)
    ).all()
    assert actions == ["event.created", "event.publish", "event.close", "event.archive"]


def test_an_event_without_places_cannot_be_published(app_ctx, now) -> None:
    organizer = make_organizer()
    event = ea.create_event(
        data(capacity=0, quotas={"staff": 0, "student": 0, "employer": 0}),
        actor=organizer,
        now=now,
    )
    with pytest.raises(ea.InvalidInput) as caught:
        ea.change_status(event.id, "publish", actor=organizer, now=now)
    assert "capacity" in caught.value.errors


def test_clone_moves_every_date_and_copies_setup_but_not_registrations(app_ctx, now) -> None:
    alice, bob = make_organizer(), make_organizer()
    event = make_event(
        slug="fair-2027",
        title="Fair 2027",
        organizers=(alice,),
        starts_at=START,
        registration_opens_at=START - timedelta(days=30),
        registration_closes_at=START - timedelta(days=1),
    )
    event.slots.append(
        MeetingSlot(
            starts_at=START + timedelta(hours=1), ends_at=START + timedelta(hours=1, minutes=15)
        )
    )
    event.tables.append(MeetingTable(label="Table 1", position=1))
    db.session.commit()
    make_registration(event)
    slug, title, start = ea.suggest_clone(event)
    assert (slug, title) == ("fair-2028", "Fair 2028")
    assert start == START + timedelta(weeks=52)
    clone = ea.clone_event(event.id, slug=slug, title=title, starts_at=start, actor=bob, now=now)
    shift = timedelta(weeks=52)
    assert clone.status == EventStatus.DRAFT and clone.cloned_from_id == event.id
    assert clone.registration_opens_at == event.registration_opens_at + shift
    assert clone.slots[0].starts_at == event.slots[0].starts_at + shift
    assert [t.label for t in clone.tables] == ["Table 1"]
    assert sorted(i.label for i in clone.interests) == sorted(i.label for i in event.interests)
    assert {m.organizer_id for m in clone.memberships} == {alice.id, bob.id}
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(Registration.event_id == clone.id)) == 0
    )


def _tag(event: Event, label: str) -> Interest:
    return next(i for i in event.interests if i.label == label)


def test_merging_tags_keeps_every_registrants_choice(app_ctx, now) -> None:
    organizer = make_organizer()
    event = make_event(interests=("Data science", "Data Sci", "AI"))
    both = make_registration(event)
    only_old = make_registration(event)
    ds, old, ai = _tag(event, "Data science"), _tag(event, "Data Sci"), _tag(event, "AI")
    db.session.add_all(
        [
            RegistrationTag(registration_id=both.id, interest_id=ds.id, kind=TagKind.INTEREST),
            RegistrationTag(registration_id=both.id, interest_id=old.id, kind=TagKind.INTEREST),
            RegistrationTag(registration_id=only_old.id, interest_id=old.id, kind=TagKind.SEEK),
        ]
    )
    db.session.commit()
    moved = taxonomy.merge_tags(event.id, [old.id, ai.id], ds.id, actor=organizer, now=now)
    assert moved == 1  # `both` had it already
    labels = db.session.scalars(sa.select(Interest.label).where(Interest.event_id == event.id))
    assert list(labels) == ["Data science"]
    rows = db.session.execute(sa.select(RegistrationTag.registration_id, RegistrationTag.kind))
    tags = {(reg_id, kind) for reg_id, kind in rows}
    assert tags == {(both.id, TagKind.INTEREST), (only_old.id, TagKind.SEEK)}


def test_rename_add_and_delete_tags(app_ctx, now) -> None:
    organizer = make_organizer()
    event = make_event(interests=("AI", "Robots"))
    ai = _tag(event, "AI")
    with pytest.raises(DomainError, match="merge them instead"):
        taxonomy.rename_tag(event.id, ai.id, "robots", actor=organizer, now=now)
    taxonomy.rename_tag(event.id, ai.id, "Artificial intelligence", actor=organizer, now=now)
    assert db.session.get(Interest, ai.id).slug == "ai"  # links keep working
    with pytest.raises(DomainError, match="already has"):
        taxonomy.add_tag(event.id, "ROBOTS", actor=organizer, now=now)
    added = taxonomy.add_tag(event.id, "Ethics", category="Topics", actor=organizer, now=now)
    usage = {u.interest.label: u.total for u in taxonomy.taxonomy_with_usage(event.id)}
    assert usage == {"Artificial intelligence": 0, "Ethics": 0, "Robots": 0}
    taxonomy.delete_tag(event.id, added.id, actor=organizer, now=now)
    assert db.session.get(Interest, added.id) is None


def test_slot_series_and_tables(app_ctx, now) -> None:
    organizer = make_organizer()
    event = make_event(starts_at=START)
    slots = meeting_setup.add_slot_series(
        event.id,
        first_start=START + timedelta(hours=1),
        minutes=15,
        count=4,
        gap_minutes=5,
        actor=organizer,
        now=now,
    )
    assert [s.starts_at - START for s in slots] == [
        timedelta(minutes=m) for m in (60, 80, 100, 120)
    ]
    with pytest.raises(DomainError, match="overlap"):
        meeting_setup.add_slot_series(
            event.id,
            first_start=START + timedelta(hours=1, minutes=10),
            minutes=15,
            count=1,
            actor=organizer,
            now=now,
        )
    tables = meeting_setup.add_tables(event.id, 3, prefix="Table", actor=organizer, now=now)
    meeting_setup.rename_table(event.id, tables[1].id, "Window", actor=organizer, now=now)
    more = meeting_setup.add_tables(event.id, 2, prefix="Table", actor=organizer, now=now)
    assert [t.label for t in more] == ["Table 2", "Table 4"]
    meeting_setup.delete_slot(event.id, slots[0].id, actor=organizer, now=now)
    assert len(db.session.get(Event, event.id).slots) == 3


def test_co_organizers(app_ctx, now) -> None:
    alice, bob = make_organizer("alice@uni.example"), make_organizer("bob@uni.example")
    event = make_event(organizers=(alice,))
    with pytest.raises(DomainError, match="No organizer account"):
        ea.add_organizer(event.id, "nobody@uni.example", actor=alice, now=now)
    ea.add_organizer(event.id, "BOB@uni.example", actor=alice, now=now)
    with pytest.raises(DomainError, match="already organizes"):
        ea.add_organizer(event.id, "bob@uni.example", actor=alice, now=now)
    ea.remove_organizer(event.id, alice.id, actor=alice, now=now)
    members = ea.organizers_of(event.id)
    assert [(a.email, m.is_owner) for a, m in members] == [("bob@uni.example", True)]
    with pytest.raises(DomainError, match="at least one organizer"):
        ea.remove_organizer(event.id, bob.id, actor=alice, now=now)
