"""At scale, mail is handed to a worker with at most one waiting delivery job (real Redis).

A registration rush commits many messages a second: one job per message cost each request a
Redis round trip and the worker a job each. `deliver_after_commit` now sets a flag and queues
a job only when none is waiting; the job clears the flag before it looks for messages.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from rq import Queue

from eventnet.extensions import db
from eventnet.models import OutboxMessage, OutboxStatus, RegistrationStatus
from eventnet.ops.worker import make_worker
from eventnet.services.outbox import _wake_key
from eventnet.services.registration import RegistrationInput, cancel_registration, register
from tests.conftest import migrate_to_head
from tests.factories import make_event
from tests.ops.conftest import (  # noqa: F401
    REDIS_URL,
    forget_rq_keys,
    fresh_app,
    redis_client,
    unique,
)


def _person(n: int) -> RegistrationInput:
    return RegistrationInput(
        name=f"Student {n}",
        email=f"student{n}@uni.example",
        role="student",
        degree_programme="MSc Physics",
        consent_privacy=True,
    )


def test_one_waiting_job_delivers_a_rush_of_mail(fresh_app, redis_client, unique) -> None:  # noqa: F811
    queue_name = f"mail-{unique}"
    app = fresh_app(JOBS_BACKEND="rq", REDIS_URL=REDIS_URL, MAIL_QUEUE=queue_name)
    migrate_to_head(app)
    now = datetime.now(UTC)
    queue = Queue(queue_name, connection=redis_client)
    try:
        with app.test_request_context():
            redis_client.delete(_wake_key())
            event = make_event(quotas={"student": 2}, starts_at=now + timedelta(days=9))
            event_id, slug = event.id, event.slug
            outcomes = [register(event_id, _person(n), now) for n in range(5)]
            statuses = [o.status for o in outcomes]
            assert statuses.count(RegistrationStatus.CONFIRMED) == 2
            assert statuses.count(RegistrationStatus.WAITLISTED) == 3
            # Five messages committed, one job waiting for them, nothing sent yet.
            assert queue.count == 1
            pending = db.session.scalars(sa.select(OutboxMessage.status)).all()
            assert pending == [OutboxStatus.PENDING] * 5
            key = _wake_key()
            # Queued as recipes: written by the worker, not while the event was locked.
            rows = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
            assert all(r.render_later and not r.body_text for r in rows)
            # The first in line gets a place before the worker runs: their waiting-list
            # mail must still say what they were told at the time, then the promotion.
            cancel_registration(outcomes[0].registration_id, now)
            assert queue.count == 1
        make_worker(app, (queue_name,), simple=True, name=f"worker-{unique}").work(burst=True)
        with app.test_request_context():
            rows = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
            assert [r.status for r in rows] == [OutboxStatus.SENT] * 7
            assert [r.kind for r in rows] == [
                "confirmation",
                "confirmation",
                "waitlist",
                "waitlist",
                "waitlist",
                "cancelled",
                "promotion",
            ]
            assert all(r.render_later is None and r.subject for r in rows)
            for row, position in zip(rows[2:5], (1, 2, 3), strict=True):
                assert f"Your position: {position}" in row.body_text
                assert "/r/" in row.body_text  # the manage link, from the recipe's token
            ticket = {a["filename"] for a in rows[0].attachments}
            assert ticket == {"ticket-qr.png", f"{slug}.ics"}
            assert rows[1].body_html and rows[1].subject.startswith("You are registered")
            # The job cleared the flag: the next message queues a job of its own.
            assert not redis_client.exists(key)
            register(event_id, _person(9), now)
            assert queue.count == 1
    finally:
        with app.app_context():
            redis_client.delete(_wake_key())
            db.session.remove()
            db.engine.dispose()
        forget_rq_keys(redis_client, unique)
