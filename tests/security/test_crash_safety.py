"""Issue 8, point 9: a gunicorn worker killed (SIGKILL) in the middle of a registration, on
PostgreSQL, with a fresh database of its own.

1. Killed after the registration's rows are written but before COMMIT: afterwards there is
   no registration, no person, no seat taken and no mail queued for it.
2. Killed after COMMIT but before the mail left: the registration stands, its mail waits in
   the outbox, and ``eventnet outbox send`` delivers it to a real SMTP server (aiosmtpd).

The pause comes from the test-only hook `eventnet.web.testhooks` (``EVENTNET_TEST_PAUSE_
SECONDS``; refused in production). Skipped without ``EVENTNET_TEST_POSTGRES_URL``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import POSTGRES_URL, free_port, make_test_app, migrate_to_head

needs_postgres = pytest.mark.skipif(not POSTGRES_URL, reason="needs EVENTNET_TEST_POSTGRES_URL")
REPO = Path(__file__).resolve().parents[2]
PAUSE = 25


def _post_json(url: str, body: dict, results: list) -> None:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=PAUSE + 20) as response:
            results.append((response.status, json.loads(response.read())))
    except (urllib.error.URLError, ConnectionError, OSError) as exc:
        results.append(("error", str(exc)))


def _registration(email: str, role: str = "student") -> dict:
    return {
        "name": "Crash Test",
        "email": email,
        "role": role,
        "degree_programme": "MSc Reliability",
        "consent_privacy": True,
    }


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def _worker_pids(master: int) -> list[int]:
    path = Path(f"/proc/{master}/task/{master}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


@pytest.fixture
def crash_database():
    assert POSTGRES_URL
    url = sa.engine.make_url(POSTGRES_URL)
    name = f"ev_crash_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        admin.dispose()


@pytest.mark.postgres
@needs_postgres
def test_sigkill_mid_registration_leaves_nothing_half_done(
    tmp_path, crash_database, smtp_server
) -> None:
    from eventnet.extensions import db
    from tests.factories import make_event

    app = make_test_app(tmp_path, crash_database)
    migrate_to_head(app)
    with app.app_context():
        slug = make_event(quotas={"student": 2}).slug
        db.session.remove()
        db.engine.dispose()
    smtp_server.clear()

    port = free_port()
    env = {
        **os.environ,
        "EVENTNET_SQLALCHEMY_DATABASE_URI": crash_database,
        "EVENTNET_SECRET_KEY": "crash-test-secret-key-0123456789abcdef",
        "EVENTNET_INSTANCE_PATH": str(tmp_path / "instance"),
        "EVENTNET_BASE_URL": "http://eventnet.test",
        "EVENTNET_MAIL_BACKEND": "smtp",
        "EVENTNET_MAIL_SERVER": smtp_server.host,
        "EVENTNET_MAIL_PORT": str(smtp_server.port),
        "EVENTNET_RATELIMIT_ENABLED": "false",
        "EVENTNET_GUNICORN_BIND": f"127.0.0.1:{port}",
        "EVENTNET_GUNICORN_WORKERS": "1",
        "EVENTNET_GUNICORN_TIMEOUT": str(PAUSE * 3),
        "EVENTNET_TEST_PAUSE_SECONDS": str(PAUSE),
    }
    log = open(tmp_path / "gunicorn.log", "wb")  # noqa: SIM115 - closed in finally
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--preload", "-c", "python:eventnet.ops.gunicorn_conf"],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    engine = sa.create_engine(crash_database)
    api = f"http://127.0.0.1:{port}/api/v1/events/{slug}/registrations"

    def scalar(sql: str, **params):
        with engine.connect() as conn:
            return conn.execute(sa.text(sql), params).scalar()

    try:
        _wait(lambda: _healthy(port), 90, "gunicorn to start")

        # 1. Kill the worker while the registration transaction is open (before COMMIT).
        first_worker = _worker_pids(server.pid)
        results: list = []
        thread = threading.Thread(
            target=_post_json, args=(api, _registration("pause-before-a@example.org"), results)
        )
        thread.start()
        _wait(
            lambda: scalar(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND state = 'idle in transaction' AND application_name = 'eventnet'"
            ),
            60,
            "the registration transaction to be open",
        )
        for pid in first_worker:
            os.kill(pid, signal.SIGKILL)
        thread.join(PAUSE + 30)
        assert results and results[0][0] == "error", results  # the client saw the crash
        # PostgreSQL notices the dead connection and rolls its transaction back.
        _wait(
            lambda: (
                not scalar(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND state LIKE 'idle in transaction%' AND application_name = 'eventnet'"
                )
            ),
            60,
            "the killed worker's transaction to be rolled back",
        )
        _wait(lambda: _healthy(port), 90, "a new worker")
        assert scalar("SELECT count(*) FROM registrations WHERE email LIKE 'pause-before-%'") == 0
        assert scalar("SELECT count(*) FROM persons WHERE email LIKE 'pause-before-%'") == 0
        assert (
            scalar("SELECT count(*) FROM outbox_messages WHERE to_address LIKE 'pause-before-%'")
            == 0
        )

        # 2. Kill the worker after COMMIT, before the mail was handed to SMTP.
        second_worker = _worker_pids(server.pid)
        results = []
        thread = threading.Thread(
            target=_post_json, args=(api, _registration("pause-after-b@example.org"), results)
        )
        thread.start()
        _wait(
            lambda: scalar(
                "SELECT count(*) FROM registrations WHERE email = 'pause-after-b@example.org'"
            ),
            60,
            "the registration to be committed",
        )
        for pid in second_worker:
            os.kill(pid, signal.SIGKILL)
        thread.join(PAUSE + 30)
        _wait(lambda: _healthy(port), 90, "a new worker")
        assert (
            scalar("SELECT status FROM registrations WHERE email = 'pause-after-b@example.org'")
            == "confirmed"
        )
        assert (
            scalar(
                "SELECT status FROM outbox_messages WHERE to_address = 'pause-after-b@example.org'"
            )
            == "pending"
        )
        assert smtp_server.to("pause-after-b@example.org") == []

        # No seat went to the killed registration: two places, B has one, C gets the other,
        # D waits.
        statuses = []
        for email in ("c@example.org", "d@example.org"):
            results = []
            _post_json(api, _registration(email), results)
            assert results[0][0] == 202, results
            statuses.append(results[0][1]["status"])
        assert statuses == ["confirmed", "waitlisted"]

        # The committed registration's mail is delivered after the crash.
        sender = make_test_app(
            tmp_path,
            crash_database,
            MAIL_BACKEND="smtp",
            MAIL_SERVER=smtp_server.host,
            MAIL_PORT=smtp_server.port,
        )
        out = sender.test_cli_runner().invoke(args=["outbox", "send"])
        assert out.exit_code == 0, out.output
        with sender.app_context():
            db.engine.dispose()
        mail = smtp_server.wait_for("pause-after-b@example.org", timeout=20)
        assert len(mail) == 1
        assert smtp_server.to("pause-before-a@example.org") == []
        assert (
            scalar(
                "SELECT status FROM outbox_messages WHERE to_address = 'pause-after-b@example.org'"
            )
            == "sent"
        )
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        engine.dispose()


def test_the_pause_hook_is_refused_in_production(tmp_path, monkeypatch) -> None:
    from eventnet import ConfigError

    monkeypatch.setenv("EVENTNET_TEST_PAUSE_SECONDS", "1")
    with pytest.raises(ConfigError):
        make_test_app(
            tmp_path,
            f"sqlite:///{tmp_path / 'p.sqlite3'}",
            ENV="production",
            ALLOW_SQLITE_IN_PRODUCTION=True,
            BASE_URL="https://events.example.edu",
            LOG_FORMAT="text",
        )
