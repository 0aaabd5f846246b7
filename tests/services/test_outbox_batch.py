"""A worker delivering a batch of deferred registration mails loads what they need once.

Before, each message cost a query for its row, one for its registration and one for the
event (every per-message commit expired them), and its own commit. Now a claimed batch is
loaded in one query for the rows and one for the registrations with their events, and
marked sent in a few commits; each mail must still carry its own registrant's data.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from eventnet.extensions import db
from eventnet.models import OutboxMessage, OutboxStatus, RegistrationStatus
from eventnet.services import outbox as outbox_service
from eventnet.services.notifications import registration_recipe
from eventnet.services.outbox import deliver_due, insert_message, note_queued
from tests.factories import make_event, make_registration
from tests.web.test_query_counts import count_queries

pytestmark = pytest.mark.usefixtures("app_ctx")


def _queue(event, count: int, now) -> list[tuple[int, str, str, str]]:  # type: ignore[no-untyped-def]
    """``count`` registrations with their recipe mail: (registration id, name, token, ticket)."""
    queued = []
    for n in range(count):
        status = RegistrationStatus.CONFIRMED if n % 2 else RegistrationStatus.WAITLISTED
        position = None if status == RegistrationStatus.CONFIRMED else n + 1
        reg = make_registration(
            event, name=f"Ana{n} Smith", status=status, waitlist_position=position
        )
        token = f"token-{n}-" + "x" * 20
        recipe = registration_recipe(
            reg.id, event.id, reg.email, token, status, reg.waitlist_position, None, now=now
        )
        note_queued(insert_message(recipe))
        queued.append((reg.id, reg.name, token, reg.ticket_code))
    db.session.commit()
    return queued


def _deliver_counting(app, now) -> tuple[list[str], outbox_service.DeliveryReport]:  # type: ignore[no-untyped-def]
    with count_queries(app) as statements:
        report = deliver_due(now, limit=100)
    return statements, report


def test_a_batch_of_one_event_does_not_query_per_message(app, now) -> None:
    event = make_event(title="Talent Day")
    few = _queue(event, 3, now)
    statements, report = _deliver_counting(app, now)
    assert report.sent == 3
    selects_for_few = [s for s in statements if s.lstrip().upper().startswith("SELECT")]

    many = _queue(event, 30, now)
    statements, report = _deliver_counting(app, now)
    assert report.sent == 30
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    # The claim, the rows, the registrations with their events: however many messages.
    assert len(selects) == len(selects_for_few) == 3
    # Besides: the claim's UPDATE and at most one UPDATE per message (the ORM batches
    # consecutive ones with the same columns), nothing per message.
    others = [s for s in statements if s not in selects]
    assert all(s.lstrip().upper().startswith("UPDATE OUTBOX_MESSAGES") for s in others)
    assert len(others) <= 1 + 30

    rows = {r.registration_id: r for r in db.session.scalars(sa.select(OutboxMessage))}
    for reg_id, name, token, ticket_code in few + many:
        row = rows[reg_id]
        assert row.status == OutboxStatus.SENT and row.render_later is None
        assert f"Hello {name.split()[0]}," in row.body_text
        assert f"/r/{token}" in row.body_text and f"/r/{token}" in row.body_html
        if row.kind == "confirmation":
            [ics] = [a for a in row.attachments if a["filename"].endswith(".ics")]
            calendar = Calendar.from_ical(base64.b64decode(ics["data_b64"]))
            [vevent] = calendar.walk("VEVENT")
            assert f"reg-{reg_id}@" in str(vevent["UID"])
            assert ticket_code in str(vevent["DESCRIPTION"])
        else:
            assert row.kind == "waitlist" and "Your position:" in row.body_text
        eml = Path(app.instance_path) / "outbox" / f"{row.id}.eml"
        assert eml.exists()


def test_a_message_that_cannot_be_built_does_not_hold_back_the_batch(app, now) -> None:
    event = make_event()
    queued = _queue(event, 6, now)
    broken_reg = queued[2][0]
    row = db.session.scalar(
        sa.select(OutboxMessage).where(OutboxMessage.registration_id == broken_reg)
    )
    row.render_later = {**row.render_later, "template": "no_such_template"}
    db.session.commit()
    report = deliver_due(now, limit=100)
    assert (report.sent, report.retrying, report.failed) == (5, 1, 0)
    statuses = {
        r.registration_id: (r.status, r.last_error)
        for r in db.session.scalars(sa.select(OutboxMessage))
    }
    assert statuses[broken_reg][0] == OutboxStatus.PENDING
    assert "no_such_template" in statuses[broken_reg][1]
    assert all(s == OutboxStatus.SENT for r, (s, _) in statuses.items() if r != broken_reg)


def test_commits_are_chunked_and_a_crash_mid_chunk_loses_nothing(app, now, monkeypatch) -> None:
    """A crash after some hand-overs leaves the uncommitted rows claimed, to be sent again."""
    monkeypatch.setattr(outbox_service, "COMMIT_EVERY", 4)
    event = make_event()
    _queue(event, 10, now)
    sent: list[int] = []

    def deliver(row: OutboxMessage) -> None:
        if len(sent) == 6:
            raise SystemExit("worker killed")  # not an Exception: nothing catches it
        sent.append(row.id)

    monkeypatch.setattr("eventnet.mail.deliver", deliver)
    with pytest.raises(SystemExit):
        deliver_due(now, limit=100)
    db.session.rollback()
    rows = list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))
    done = [r.id for r in rows if r.status == OutboxStatus.SENT]
    assert done == sent[:4]  # the first chunk was committed
    waiting = [r for r in rows if r.status == OutboxStatus.PENDING]
    assert len(waiting) == 6  # 2 handed over but not committed, 4 never tried: all kept
    # After the lease they are claimed again (at least once, never lost).
    monkeypatch.setattr("eventnet.mail.deliver", lambda row: sent.append(row.id))
    report = deliver_due(now + outbox_service.LEASE, limit=100)
    assert report.sent == 6
