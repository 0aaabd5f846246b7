"""The audit log: entries are written in the caller's transaction, with only changed fields."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from eventnet.extensions import db
from eventnet.models import AuditEntry, EventStatus
from eventnet.services.audit import changes, list_entries, record
from tests.factories import make_event, make_organizer, make_registration


def test_record_is_part_of_the_callers_transaction(app_ctx) -> None:
    event = make_event()
    record("event.published", event_id=event.id)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 0
    record("event.published", event_id=event.id)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 1


def test_changes_keep_only_changed_fields_as_plain_json() -> None:
    at = datetime(2027, 1, 1, tzinfo=UTC)
    before, after = changes(
        {"title": "A", "status": EventStatus.DRAFT, "starts_at": at, "capacity": 3},
        {"title": "A", "status": EventStatus.PUBLISHED, "starts_at": at, "capacity": 4},
    )
    assert before == {"status": "draft", "capacity": 3}
    assert after == {"status": "published", "capacity": 4}


def test_list_entries_newest_first_with_actor_and_attendee_names(app_ctx) -> None:
    alice = make_organizer("alice@uni.example", name="Alice Admin")
    event = make_event(organizers=(alice,))
    reg = make_registration(event, name="Ines Student")
    record("event.updated", event_id=event.id, actor=alice, at=datetime(2027, 1, 1, tzinfo=UTC))
    record(
        "registration.note",
        event_id=event.id,
        registration_id=reg.id,
        actor=alice,
        after={"note": "VIP"},
        at=datetime(2027, 1, 2, tzinfo=UTC),
    )
    db.session.commit()
    rows, total = list_entries(event.id)
    assert total == 2
    assert [r.action for r in rows] == ["registration.note", "event.updated"]
    assert rows[0].actor_name == "Alice Admin" and rows[0].registration_name == "Ines Student"
    assert rows[0].actor_kind == "organizer" and rows[0].after == {"note": "VIP"}
    only_reg, n = list_entries(event.id, registration_id=reg.id)
    assert n == 1 and only_reg[0].registration_id == reg.id
