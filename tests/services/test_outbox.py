"""The outbox with a real SMTP server (aiosmtpd): delivery, retries, idempotence, tick."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from eventnet.extensions import db
from eventnet.models import OutboxMessage, OutboxStatus, Registration
from eventnet.services.outbox import deliver_due, queue_mail, retry_delay
from eventnet.services.registration import RegistrationInput, register
from eventnet.services.tick import TICK_STEPS, run_tick, send_reminders, tick_step
from tests.conftest import free_port
from tests.factories import make_event

pytestmark = pytest.mark.usefixtures("app_ctx")


def student(email: str) -> RegistrationInput:
    return RegistrationInput(
        name="Ana Student",
        email=email,
        role="student",
        degree_programme="MSc Data Science",
        consent_privacy=True,
        locale="en",
    )


def outbox() -> list[OutboxMessage]:
    return list(db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)))


def test_confirmation_arrives_with_text_html_qr_and_calendar(smtp_mail, now) -> None:
    event = make_event(title="Talent Day", venue="Think Corner")
    outcome = register(event.id, student("ana@uni.example"), now)
    [mail] = smtp_mail.wait_for("ana@uni.example")
    assert mail["Subject"] == "You are registered: Talent Day"
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert f"http://eventnet.test/r/{outcome.manage_token}" in text
    assert f'href="http://eventnet.test/r/{outcome.manage_token}"' in html
    assert 'src="cid:ticket-qr@eventnet"' in html
    parts = {p.get_content_type(): p for p in mail.walk()}
    assert parts["image/png"]["Content-ID"] == "<ticket-qr@eventnet>"
    assert parts["image/png"].get_content()[:8] == b"\x89PNG\r\n\x1a\n"
    calendar = Calendar.from_ical(parts["text/calendar"].get_content())
    [vevent] = calendar.walk("VEVENT")
    assert str(vevent["SUMMARY"]) == "Talent Day"
    assert vevent.decoded("DTSTART") == event.starts_at
    assert outbox()[0].status == OutboxStatus.SENT and outbox()[0].attempts == 1


def test_smtp_down_never_fails_a_registration_and_mail_waits(app, smtp_server, now) -> None:
    saved = dict(app.config)
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())
    try:
        outcome = register(event_id=make_event().id, data=student("bo@uni.example"), now=now)
    finally:
        app.config.update(MAIL_PORT=saved["MAIL_PORT"])
    assert outcome.status == "confirmed"
    [row] = outbox()
    assert row.status == OutboxStatus.PENDING and row.attempts == 1
    assert "Connection refused" in row.last_error or "Errno" in row.last_error
    assert row.send_after == now + retry_delay(1)
    # Not due yet: nothing happens. Once due, and the server is back, it is sent once.
    app.config.update(MAIL_PORT=smtp_server.port)
    smtp_server.clear()
    try:
        assert deliver_due(now + timedelta(seconds=30)).sent == 0
        report = deliver_due(now + timedelta(minutes=2))
        assert (report.sent, report.retrying, report.failed) == (1, 0, 0)
        assert deliver_due(now + timedelta(hours=1)).sent == 0
    finally:
        app.config.update(MAIL_BACKEND=saved["MAIL_BACKEND"], MAIL_SERVER=saved["MAIL_SERVER"])
    assert len(smtp_server.to("bo@uni.example")) == 1
    assert outbox()[0].status == OutboxStatus.SENT


def test_retries_back_off_then_give_up(app, now) -> None:
    saved = {k: app.config[k] for k in ("MAIL_BACKEND", "MAIL_PORT", "MAIL_MAX_ATTEMPTS")}
    app.config.update(MAIL_BACKEND="smtp", MAIL_PORT=free_port(), MAIL_MAX_ATTEMPTS=3)
    try:
        queue_mail("test", "x@uni.example", "lost_link", _context(), now=now)
        db.session.commit()
        clock = now
        for expected in (OutboxStatus.PENDING, OutboxStatus.PENDING, OutboxStatus.FAILED):
            deliver_due(clock)
            row = outbox()[0]
            assert row.status == expected
            clock = row.send_after
    finally:
        app.config.update(saved)
    assert row.attempts == 3
    assert [retry_delay(n) for n in (1, 2, 3)] == [timedelta(minutes=m) for m in (1, 2, 4)]
    assert retry_delay(50) == timedelta(hours=6)


def _context() -> dict:
    return {
        "name": "X",
        "manage_url": "http://eventnet.test/r/abc",
        "event": {
            "title": "T",
            "url": "http://eventnet.test/events/t",
            "starts_at": None,
            "ends_at": None,
            "timezone": "UTC",
            "venue": "",
            "address": "",
        },
        "registration": {"role_label": "Employer"},
    }


def test_dedupe_key_queues_once_and_claimed_rows_are_not_sent_twice(now) -> None:
    assert queue_mail("t", "a@x.example", "lost_link", _context(), dedupe_key="k", now=now)
    assert queue_mail("t", "a@x.example", "lost_link", _context(), dedupe_key="k", now=now) is None
    db.session.commit()
    first = deliver_due(now)
    second = deliver_due(now + timedelta(days=1))
    assert (first.sent, second.sent) == (1, 0)


def test_a_rolled_back_change_sends_no_mail(now) -> None:
    queue_mail("t", "a@x.example", "lost_link", _context(), now=now)
    db.session.rollback()
    assert outbox() == []
    assert deliver_due(now).sent == 0


def test_mail_is_rendered_in_the_recipients_language(now) -> None:
    message = queue_mail("t", "a@x.example", "lost_link", _context(), locale="fi", now=now)
    assert message is not None and 'lang="fi"' in message.body_html
    assert "http://eventnet.test/r/abc" in message.body_text


def test_day_before_reminder_is_sent_once(smtp_mail, now) -> None:
    event = make_event(starts_at=now + timedelta(hours=20))
    register(event.id, student("ana@uni.example"), now - timedelta(days=3))
    far = make_event(starts_at=now + timedelta(days=3))
    register(far.id, student("far@uni.example"), now - timedelta(days=3))
    assert send_reminders(now) == 1
    assert send_reminders(now + timedelta(hours=1)) == 0
    reminders = [m for m in smtp_mail.to("ana@uni.example") if "tomorrow" in m["Subject"]]
    assert len(reminders) == 1
    reg = db.session.scalar(sa.select(Registration).where(Registration.email == "ana@uni.example"))
    assert reg.reminder_sent_at == now
    assert not [m for m in smtp_mail.to("far@uni.example") if "tomorrow" in m["Subject"]]


def test_tick_runs_every_step_and_survives_a_broken_one(now) -> None:
    calls = []

    @tick_step("test step that breaks")
    def broken(_now):
        calls.append("broken")
        raise RuntimeError("boom")

    try:
        results = run_tick(now)
    finally:
        TICK_STEPS[:] = [(n, f) for n, f in TICK_STEPS if f is not broken]
    names = [r.name for r in results]
    assert names[-1] == "deliver outbox" and "test step that breaks" in names
    assert names.index("test step that breaks") < names.index("deliver outbox")
    assert calls == ["broken"]
    assert [r.error for r in results if r.error] == ["RuntimeError: boom"]


def test_cli_outbox_send_and_tick(app, db_session) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 0 and "0 sent" in result.output
    result = runner.invoke(args=["tick"])
    assert result.exit_code == 0, result.output
    assert "expire pending holds: 0" in result.output and "deliver outbox" in result.output
