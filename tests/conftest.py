"""Test harness: one app per database backend, one rolled-back transaction per test.

Every test that uses ``app`` runs on SQLite, and again on PostgreSQL when
``EVENTNET_TEST_POSTGRES_URL`` is set. Browser tests get their own live server (see e2e/).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import orm

from eventnet import create_app
from eventnet.extensions import db

POSTGRES_URL = os.environ.get("EVENTNET_TEST_POSTGRES_URL")
BACKENDS = ["sqlite"] + (["postgres"] if POSTGRES_URL else [])
FIXED_NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def reset_postgres(url: str) -> None:
    """Drop everything in the test database so migrations start from empty."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()


def make_test_app(tmp_path: Path, database_uri: str, **overrides: Any) -> Flask:
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "SQLALCHEMY_DATABASE_URI": database_uri,
        "RATELIMIT_ENABLED": False,
        "MAIL_BACKEND": "file",
        "BASE_URL": "http://eventnet.test",
        "SERVER_NAME": None,
    }
    config.update(overrides)
    os.environ["EVENTNET_INSTANCE_PATH"] = str(tmp_path / "instance")
    try:
        return create_app(config)
    finally:
        del os.environ["EVENTNET_INSTANCE_PATH"]


def migrate_to_head(app: Flask) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def app(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    tmp = tmp_path_factory.mktemp(f"app-{backend}")
    if backend == "postgres":
        assert POSTGRES_URL
        reset_postgres(POSTGRES_URL)
        uri = POSTGRES_URL
    else:
        uri = f"sqlite:///{tmp / 'test.sqlite3'}"
    application = make_test_app(tmp, uri)
    migrate_to_head(application)
    yield application
    with application.app_context():
        db.engine.dispose()


class _JoinedSession(orm.Session):
    """A plain Session (which honours ``bind``) that accepts Flask-SQLAlchemy's ``db`` kwarg."""

    def __init__(self, db: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)


@pytest.fixture
def db_session(app: Flask) -> Iterator[orm.scoped_session[orm.Session]]:
    """Everything the test (and the requests it makes) writes is rolled back at the end.

    Services may commit: with ``create_savepoint`` their commits only release savepoints.
    No app context stays pushed during the test: Flask would reuse it for every test-client
    request, sharing ``g`` between requests. Like in production, the session is removed at
    the end of each request, so re-load objects after a request instead of reusing them.
    """
    with app.app_context():
        connection = db.engine.connect()
    outer = connection.begin()
    original = db.session
    db.session = db._make_scoped_session(
        {
            "bind": connection,
            "join_transaction_mode": "create_savepoint",
            "class_": _JoinedSession,
            "scopefunc": lambda: "test",
        }
    )
    try:
        yield db.session
    finally:
        db.session.remove()
        db.session = original
        if outer.is_active:
            outer.rollback()
        connection.close()


@pytest.fixture
def client(app: Flask, db_session: orm.Session) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def app_ctx(app: Flask, db_session: orm.Session) -> Iterator[Flask]:
    """A request context for calling services directly; do not mix with ``client`` requests."""
    with app.test_request_context():
        yield app


@pytest.fixture
def cli(app: Flask, db_session: orm.Session) -> Any:
    return app.test_cli_runner()


@pytest.fixture
def now() -> datetime:
    return FIXED_NOW


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def post_form(
    client: FlaskClient, url: str, data: dict[str, Any], *, page: str | None = None, **kwargs: Any
) -> Any:
    """Load the page with the form (for its CSRF token), then post it like a browser."""
    form_page = client.get(page or url)
    token = csrf_from(form_page.get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token}, **kwargs)


def login(client: FlaskClient, email: str, password: str) -> None:
    response = post_form(client, "/auth/login", {"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


# --------------------------------------------------------------------------- real SMTP server


class SmtpServer:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it receives in memory."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.messages: list[Any] = []  # email.message.EmailMessage, in arrival order

    def to(self, address: str) -> list[Any]:
        return [m for m in self.messages if address.lower() in str(m["To"]).lower()]

    def wait_for(self, address: str, *, count: int = 1, timeout: float = 10.0) -> list[Any]:
        """Wait until ``count`` messages to ``address`` arrived; returns them."""
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.to(address)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"no mail to {address} after {timeout}s: {self.subjects()}")

    def subjects(self) -> list[str]:
        return [f"{m['To']}: {m['Subject']}" for m in self.messages]

    def clear(self) -> None:
        self.messages.clear()


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SmtpServer]:
    """aiosmtpd on a free port; ``.messages`` holds parsed EmailMessage objects."""
    import email
    import email.policy

    from aiosmtpd.controller import Controller

    server = SmtpServer("127.0.0.1", free_port())

    class Handler:
        async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            server.messages.append(message)
            return "250 Message accepted"

    controller = Controller(Handler(), hostname=server.host, port=server.port)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()


@pytest.fixture
def smtp_mail(app: Flask, smtp_server: SmtpServer) -> Iterator[SmtpServer]:
    """Point the test app's mail at ``smtp_server`` for one test (restored afterwards)."""
    saved = {k: app.config[k] for k in ("MAIL_BACKEND", "MAIL_SERVER", "MAIL_PORT")}
    app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER=smtp_server.host, MAIL_PORT=smtp_server.port)
    smtp_server.clear()
    try:
        yield smtp_server
    finally:
        app.config.update(saved)
