"""At scale the report is prepared by an RQ worker (real Redis), and kept for download."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from eventnet.extensions import db
from eventnet.models import BackgroundJob, JobStatus
from eventnet.ops.worker import make_worker
from eventnet.services.reports import report_file, request_report
from tests.conftest import migrate_to_head
from tests.factories import make_event, make_organizer, make_registration
from tests.ops.conftest import (  # noqa: F401
    REDIS_URL,
    forget_rq_keys,
    fresh_app,
    redis_client,
    unique,
)
from tests.pdf.conftest import pdf_text


def test_an_rq_worker_prepares_the_report(fresh_app, redis_client, unique) -> None:  # noqa: F811
    queue = f"reports-{unique}"
    app = fresh_app(JOBS_BACKEND="rq", REDIS_URL=REDIS_URL, REPORTS_QUEUE=queue)
    migrate_to_head(app)
    now = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
    try:
        with app.test_request_context():
            owner = make_organizer()
            event = make_event(organizers=(owner,), starts_at=now - timedelta(days=5))
            make_registration(event, name="Øyvind Ødegård", checked_in_at=event.starts_at)
            job = request_report(event.id, now, actor_id=owner.id, include_attendees=True)
            job_id, event_id = job.id, event.id
            assert job.status == JobStatus.QUEUED  # handed to Redis, not run in the request
        make_worker(app, (queue,), simple=True, name=f"worker-{unique}").work(burst=True)
        with app.test_request_context():
            job = db.session.get(BackgroundJob, job_id)
            assert job.status == JobStatus.FINISHED, job.error
            assert Path(app.instance_path, job.result_path).is_file()
            data, kind = report_file(event_id, job_id)
            assert kind == "event_report" and "Øyvind Ødegård" in pdf_text(data)
    finally:
        forget_rq_keys(redis_client, unique)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
