"""The transactional outbox: queue mail with the change that causes it, deliver after commit.

Contract for other services:

- `queue_mail(...)` renders ``templates/emails/<template>.txt`` (and ``.html`` when it
  exists) in the recipient's locale and adds an `OutboxMessage` row to the caller's
  transaction. Nothing is sent yet: if the caller rolls back, the mail disappears with the
  change; if it commits, the mail is certain to be delivered eventually.
- After ``db.session.commit()``, call `deliver_after_commit(now)`. With
  ``MAIL_DELIVER_INLINE`` (the default) it sends what this unit of work queued right away,
  in-process, or hands it to an RQ worker when ``JOBS_BACKEND=rq``. Any failure there only
  leaves the rows pending: it never raises, so a registration never fails because SMTP is
  down.
- `deliver_due(now, limit)` (``eventnet outbox send``, ``eventnet tick``, workers) sends
  every pending message whose ``send_after`` has come, with exponential backoff between
  attempts, up to ``MAIL_MAX_ATTEMPTS``, then marks it failed (visible to organizers).

Rows are claimed before sending (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, ``BEGIN
IMMEDIATE`` on SQLite) by moving ``send_after`` forward by a lease: two deliverers never
pick the same message, and a deliverer that dies mid-send leaves the message to be retried
when the lease runs out (at-least-once, never lost).

A template's text part extends ``emails/base.txt`` and defines ``{% block subject %}``; its
HTML part extends ``emails/base.html``. Links in mail are absolute, built from ``BASE_URL``
(see `absolute_url`), never from the request's Host header.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from jinja2 import TemplateNotFound
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import OutboxMessage, OutboxStatus, Registration, utcnow
from .locking import begin_write

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=10)
FIRST_RETRY = timedelta(minutes=1)
MAX_RETRY_DELAY = timedelta(hours=6)
_SESSION_KEY = "eventnet_outbox_new_ids"


def absolute_url(path: str) -> str:
    """``BASE_URL`` + ``path``: the only way mail and QR codes build links."""
    return str(current_app.config["BASE_URL"]).rstrip("/") + path


def attachment(
    filename: str, content_type: str, data: bytes, *, content_id: str | None = None
) -> dict[str, Any]:
    """An attachment for `queue_mail`; with ``content_id`` it is an inline image of the HTML."""
    item: dict[str, Any] = {
        "filename": filename,
        "content_type": content_type,
        "data_b64": base64.b64encode(data).decode("ascii"),
    }
    if content_id:
        item["content_id"] = content_id
    return item


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str


def render_mail(template: str, context: dict[str, Any], locale: str | None) -> RenderedMail:
    """Render subject, text and HTML parts of ``emails/<template>`` in ``locale``."""
    languages = current_app.config.get("LANGUAGES", ["en"])
    locale = locale if locale in languages else current_app.config["BABEL_DEFAULT_LOCALE"]
    env = current_app.jinja_env
    with force_locale(locale):
        ctx = dict(context)
        ctx.setdefault("base_url", current_app.config["BASE_URL"])
        ctx["mail_locale"] = locale
        current_app.update_template_context(ctx)
        text_tmpl = env.get_template(f"emails/{template}.txt")
        subject = "".join(text_tmpl.blocks["subject"](text_tmpl.new_context(ctx))).strip()
        text = text_tmpl.render(ctx).strip() + "\n"
        try:
            html = env.get_template(f"emails/{template}.html").render(ctx)
        except TemplateNotFound:
            html = ""
    return RenderedMail(subject=" ".join(subject.split())[:300], text=text, html=html)


def queue_mail(
    kind: str,
    to: str,
    template: str,
    context: dict[str, Any],
    *,
    event_id: int | None = None,
    registration_id: int | None = None,
    attachments: list[dict[str, Any]] | None = None,
    dedupe_key: str | None = None,
    send_after: datetime | None = None,
    locale: str | None = None,
    now: datetime | None = None,
) -> OutboxMessage | None:
    """Add one message to the outbox in the caller's transaction (the caller commits).

    ``kind`` names the message for filtering ("confirmation", "waitlist", "reminder"...);
    ``context`` holds plain data for the templates; ``attachments`` come from `attachment`.
    With ``dedupe_key`` the message is queued at most once, ever: a second call with the
    same key returns None. ``send_after`` (default ``now``) delays delivery.
    """
    if dedupe_key and db.session.scalar(
        sa.select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)
    ):
        return None
    rendered = render_mail(template, context, locale)
    message = OutboxMessage(
        kind=kind,
        to_address=to,
        subject=rendered.subject,
        body_text=rendered.text,
        body_html=rendered.html,
        attachments=attachments or [],
        headers={"Auto-Submitted": "auto-generated"},
        dedupe_key=dedupe_key,
        event_id=event_id,
        registration_id=registration_id,
        status=OutboxStatus.PENDING,
        send_after=send_after or now or utcnow(),
        created_at=now or utcnow(),
    )
    if dedupe_key:
        try:
            with db.session.begin_nested():
                db.session.add(message)
        except IntegrityError:  # the same dedupe_key, queued concurrently
            return None
    else:  # nothing to collide with: no savepoint, flushed with the caller's other rows
        db.session.add(message)
    db.session.info.setdefault(_SESSION_KEY, []).append(message)
    return message


_INSERT_MESSAGE = sa.insert(OutboxMessage.__table__).returning(OutboxMessage.__table__.c.id)


def later_message(
    kind: str,
    to: str,
    recipe: dict[str, Any],
    *,
    event_id: int | None,
    registration_id: int | None,
    now: datetime,
) -> dict[str, Any]:
    """The outbox row (column -> value) of a message to be written when it is sent."""
    return {
        "kind": kind,
        "to_address": to,
        "subject": "",
        "body_text": "",
        "body_html": "",
        "attachments": [],
        "headers": {"Auto-Submitted": "auto-generated"},
        "render_later": recipe,
        "event_id": event_id,
        "registration_id": registration_id,
        "status": OutboxStatus.PENDING,
        "attempts": 0,
        "last_error": "",
        "send_after": now,
        "created_at": now,
    }


def insert_message(row: dict[str, Any]) -> int:
    """Insert an outbox row (see `later_message`) in the caller's transaction; its id.

    The caller hands the id to `note_queued`, so that `deliver_after_commit` sends it.
    """
    return int(db.session.connection().execute(_INSERT_MESSAGE, row).scalar_one())


def note_queued(message_id: int) -> None:
    """Deliver this outbox row after the session's commit (`deliver_after_commit`)."""
    db.session.info.setdefault(_SESSION_KEY, []).append(message_id)


def deliver_after_commit(now: datetime | None = None) -> None:
    """Deliver what this session queued, now (inline) or via a worker. Never raises."""
    queued = db.session.info.pop(_SESSION_KEY, [])
    ids = [m if isinstance(m, int) else _committed_id(m) for m in queued]
    ids = [i for i in ids if i is not None]
    if not ids or not current_app.config.get("MAIL_DELIVER_INLINE", True):
        return
    try:
        from ..jobs import uses_workers

        if uses_workers():
            _wake_mail_worker()
        else:
            _deliver(now or utcnow(), ids=ids, limit=len(ids))
    except Exception:  # mail waits in the outbox; the change is committed
        log.exception("inline mail delivery failed; the outbox will retry")
        db.session.rollback()


def _committed_id(message: OutboxMessage) -> int | None:
    """The row's id without loading it again (a rolled-back row has no identity)."""
    identity = sa.inspect(message).identity
    return identity[0] if identity else None


def deliver_messages_job(ids: list[int]) -> None:
    """RQ job: deliver the given outbox rows (when due). Kept for jobs queued by 0.1."""
    _deliver(utcnow(), ids=ids, limit=len(ids))


WAKE_BATCH = 200
WAKE_TTL_SECONDS = 120  # a lost job holds the next one back this long; the tick covers it


def _wake_key() -> str:
    """One wake-up flag per database (several test apps may share one Redis)."""
    uri = str(current_app.config["SQLALCHEMY_DATABASE_URI"])
    return "eventnet:outbox-wake:" + hashlib.sha256(uri.encode()).hexdigest()[:16]


def _wake_mail_worker() -> None:
    """Make sure one delivery job will run after this commit, without queueing one per mail.

    A registration rush commits many messages a second; queueing a job for each cost every
    request a Redis round trip and the worker a job each (a fork). Instead a flag in Redis
    says "a delivery job is queued and has not started": only the request that sets it
    queues the job. The job clears the flag *before* it looks for messages, so a message
    committed after that look sets the flag again and gets a job of its own.
    """
    from ..jobs import enqueue, redis_connection

    if redis_connection().set(_wake_key(), "1", nx=True, ex=WAKE_TTL_SECONDS):
        enqueue(deliver_pending_job, queue=current_app.config.get("MAIL_QUEUE", "mail"))


def deliver_pending_job() -> DeliveryReport:
    """RQ job: deliver every message that is due, in batches, until none is left."""
    from ..jobs import redis_connection

    redis_connection().delete(_wake_key())
    total = DeliveryReport()
    while True:
        report = _deliver(utcnow(), ids=None, limit=WAKE_BATCH)
        total.sent += report.sent
        total.retrying += report.retrying
        total.failed += report.failed
        if report.sent + report.retrying + report.failed < WAKE_BATCH:
            return total


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0

    def __str__(self) -> str:
        return f"{self.sent} sent, {self.retrying} to retry, {self.failed} failed"


def deliver_due(now: datetime, limit: int = 100) -> DeliveryReport:
    """Send pending messages whose time has come (oldest first), with retries and backoff."""
    return _deliver(now, ids=None, limit=limit)


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4, 8... minutes after the 1st, 2nd, 3rd... failed attempt, at most 6 hours."""
    return min(FIRST_RETRY * (2 ** min(max(attempts - 1, 0), 20)), MAX_RETRY_DELAY)


def _claim(now: datetime, ids: list[int] | None, limit: int) -> list[int]:
    begin_write()
    query = (
        sa.select(OutboxMessage.id)
        .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.send_after <= now)
        .order_by(OutboxMessage.send_after, OutboxMessage.id)
        .limit(limit)
    )
    if ids is not None:
        query = query.where(OutboxMessage.id.in_(ids))
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    claimed = list(db.session.scalars(query))
    if claimed:
        db.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id.in_(claimed))
            .values(send_after=now + LEASE, attempts=OutboxMessage.attempts + 1)
            .execution_options(synchronize_session=False)
        )
    db.session.commit()
    return claimed


# Claimed rows are marked sent (or scheduled for a retry) in one commit per this many
# messages, not one each: a crash between a hand-over and its commit sends those few
# messages again after the lease (at least once, as before), it never loses one.
COMMIT_EVERY = 25


def _load_claimed(claimed: list[int]) -> tuple[list[OutboxMessage], list[Registration]]:
    """The claimed rows in claim order, and the registrations their rendering needs.

    One query for the rows and one for the registrations (with their events) of those to
    render, instead of two or three per message: `render_deferred` then finds them in the
    session's identity map (which holds objects weakly: keep the returned list alive).
    """
    rows = db.session.scalars(
        sa.select(OutboxMessage)
        .where(OutboxMessage.id.in_(claimed))
        .execution_options(populate_existing=True)
    ).all()
    to_render = {r.registration_id for r in rows if r.render_later is not None}
    to_render.discard(None)
    registrations: list[Registration] = []
    if to_render:
        registrations = db.session.scalars(
            sa.select(Registration)
            .where(Registration.id.in_(to_render))
            .options(joinedload(Registration.event))
            .execution_options(populate_existing=True)
        ).all()
    order = {message_id: n for n, message_id in enumerate(claimed)}
    return sorted(rows, key=lambda r: order[r.id]), registrations


def _deliver(now: datetime, *, ids: list[int] | None, limit: int) -> DeliveryReport:
    from ..mail import MailError, deliver

    report = DeliveryReport()
    max_attempts = int(current_app.config.get("MAIL_MAX_ATTEMPTS") or 8)
    claimed = _claim(now, ids, limit)
    if not claimed:
        return report
    session = db.session()
    expire_on_commit = session.expire_on_commit
    # The intermediate commits keep the loaded rows, registrations and events: without
    # this every commit would expire them and the next message would load them again.
    session.expire_on_commit = False
    try:
        uncommitted = 0
        rows, _registrations = _load_claimed(claimed)
        for row in rows:
            try:
                if row.render_later is not None:
                    from .notifications import render_deferred

                    render_deferred(row)
                deliver(row)
            except Exception as exc:  # MailError, or a message that cannot be built
                if not isinstance(exc, MailError):
                    log.exception("mail %s could not be built", row.id)
                row.last_error = str(exc)[:2000]
                if row.attempts >= max_attempts:
                    row.status = OutboxStatus.FAILED
                    report.failed += 1
                    log.error("giving up on mail %s to %s: %s", row.id, row.to_address, exc)
                else:
                    row.send_after = now + retry_delay(row.attempts)
                    report.retrying += 1
                    log.warning("mail %s to %s will be retried: %s", row.id, row.to_address, exc)
            else:
                row.status = OutboxStatus.SENT
                row.sent_at = now
                row.last_error = ""
                report.sent += 1
            uncommitted += 1
            if uncommitted >= COMMIT_EVERY:
                session.commit()
                uncommitted = 0
    finally:
        session.expire_on_commit = expire_on_commit
    # The last commit expires everything as a plain commit does: the caller (an inline
    # delivery after a request's commit) sees fresh rows afterwards.
    session.commit()
    return report
