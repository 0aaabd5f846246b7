"""Issue 8, point 2: secrets in links and API tokens.

Manage links, e-mailed follow-up/survey links and API tokens carry >= 128 random bits from
`secrets`; only SHA-256 hashes are stored; they can be revoked; they never reach the logs.
Reused (rotated), tampered or unknown tokens get a friendly page. eventnet has no login
links: organizers sign in with a password (so nothing to expire there).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import secrets

import sqlalchemy as sa

from eventnet.extensions import db
from eventnet.models import ApiToken, Registration
from eventnet.services import tokens
from eventnet.web.safety import redact_path
from tests.conftest import FIXED_NOW, csrf_from
from tests.factories import make_event, make_organizer

from .conftest import manage_token_from_mail, register_and_get_token


def test_link_tokens_are_256_bits_from_secrets(monkeypatch) -> None:
    seen = {tokens.new_token()[0] for _ in range(500)}
    assert len(seen) == 500
    assert all(len(t) >= 43 for t in seen)  # 32 bytes of urlsafe base64 = 256 bits
    calls = []
    real = secrets.token_urlsafe

    def spy(nbytes=None):
        calls.append(nbytes)
        return real(nbytes)

    monkeypatch.setattr(secrets, "token_urlsafe", spy)
    token, digest = tokens.new_token()
    assert calls == [32] and calls[0] * 8 >= 128
    assert digest == hashlib.sha256(token.encode()).hexdigest() != token


def test_api_tokens_are_256_bits_and_stored_hashed(app, db_session) -> None:
    from eventnet.services.api_tokens import create_token

    organizer_id = make_organizer().id
    with app.test_request_context():
        row, secret = create_token(organizer_id, "Website", FIXED_NOW)
        row_id = row.id
    assert len(secret) >= len("evn_") + 43
    stored = db.session.get(ApiToken, row_id)
    assert stored.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in _all_text(exclude=())
    assert stored.prefix == secret[:12]  # a recognisable prefix, not the secret


def _all_text(exclude: tuple[str, ...]) -> str:
    """Every text/JSON value in every table, except ``exclude``d table.column names."""
    connection = db.session.connection()
    metadata = sa.MetaData()
    metadata.reflect(bind=connection)
    chunks = []
    for table in metadata.sorted_tables:
        for column in table.columns:
            if f"{table.name}.{column.name}" in exclude:
                continue
            if isinstance(column.type, sa.String | sa.Text | sa.JSON):
                chunks += [str(v) for (v,) in connection.execute(sa.select(column))]
    return "\n".join(chunks)


def test_manage_token_is_stored_only_as_a_hash(client, open_event) -> None:
    token = register_and_get_token(client, open_event, "hashed@example.org")
    reg = db.session.scalar(
        sa.select(Registration).where(Registration.email == "hashed@example.org")
    )
    assert reg.manage_token_hash == hashlib.sha256(token.encode()).hexdigest()
    # The raw token exists only in the mail that carries the link to its owner.
    mail_columns = ("outbox_messages.body_text", "outbox_messages.body_html")
    assert token not in _all_text(exclude=mail_columns)


def test_a_new_link_revokes_the_old_one(client, open_event) -> None:
    old = register_and_get_token(client, open_event, "rotate@example.org")
    page = client.get(f"/r/{old}").get_data(as_text=True)
    response = client.post(f"/r/{old}/new-link", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 200
    new = manage_token_from_mail("rotate@example.org")
    assert new != old
    reused = client.get(f"/r/{old}")
    assert reused.status_code == 404
    assert "This link does not work" in reused.get_data(as_text=True)  # friendly, with help
    assert client.get(f"/r/{new}").status_code == 200


def test_tampered_and_unknown_tokens_get_a_friendly_page(client, open_event) -> None:
    token = register_and_get_token(client, open_event, "tamper@example.org")
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    for bad in (flipped, token[:-5], token + "x", "A" * 43, "%2e%2e", "x" * 300):
        response = client.get(f"/r/{bad}")
        assert response.status_code == 404, bad
        body = response.get_data(as_text=True)
        assert "This link does not work" in body and "Traceback" not in body
    for prefix in ("/f/survey/", "/f/follow-up/", "/f/unsubscribe/"):
        response = client.get(prefix + flipped)
        assert response.status_code == 404, prefix
        assert "not valid" in response.get_data(as_text=True)


def test_revoked_api_token_is_refused(app, client) -> None:
    from eventnet.services.api_tokens import create_token, revoke_token

    organizer = make_organizer()
    organizer_id = organizer.id
    make_event(organizers=(organizer,))
    with app.test_request_context():
        row, secret = create_token(organizer_id, "Script", FIXED_NOW)
        row_id = row.id
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/events", headers=headers).status_code == 200
    with app.test_request_context():
        revoke_token(row_id, organizer_id, FIXED_NOW)
    response = client.get("/api/v1/events", headers=headers)
    assert response.status_code == 401
    assert "revoked" in response.get_json()["message"]
    tampered = {"Authorization": f"Bearer {secret[:-1]}{'A' if secret[-1] != 'A' else 'B'}"}
    assert client.get("/api/v1/events", headers=tampered).status_code == 401


def test_tokens_never_reach_the_logs(app, client, open_event, caplog) -> None:
    """Capture every log record (DEBUG, all loggers) during a registration, a visit of the
    manage link and a new-link request: no token appears. The development server's and
    gunicorn's request lines go through `redact_path` (checked below)."""
    caplog.set_level(logging.DEBUG)
    token = register_and_get_token(client, open_event, "quiet@example.org")
    page = client.get(f"/r/{token}").get_data(as_text=True)
    client.get(f"/r/{token}/my-data.json")
    client.post(f"/r/{token}/new-link", data={"csrf_token": csrf_from(page)})
    newer = manage_token_from_mail("quiet@example.org")
    text = "\n".join(
        f"{r.getMessage()} {json.dumps(r.__dict__, default=str)}" for r in caplog.records
    )
    assert token not in text and newer not in text


def test_request_lines_are_redacted_for_every_secret_link() -> None:
    secret = "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWpr"
    for path in (
        f"/r/{secret}",
        f"/r/{secret}/ticket.pdf",
        f"/f/survey/{secret}",
        f"/f/follow-up/{secret}",
        f"/f/unsubscribe/{secret}",
        f"/f/resubscribe/{secret}",
    ):
        assert secret not in redact_path(path)
        assert redact_path(path).startswith(path.split(secret)[0])
    assert secret not in redact_path(f"token={secret}&x=1")
    assert redact_path("/events/demo/register") == "/events/demo/register"


def test_gunicorn_access_log_redacts_link_secrets() -> None:
    from datetime import timedelta

    from gunicorn.config import Config

    from eventnet.ops.gunicorn_conf import JsonLogger

    cfg = Config()
    cfg.set("accesslog", "-")
    logger = JsonLogger(cfg)
    stream = io.StringIO()
    for handler in logger.access_log.handlers:
        handler.stream = stream
    secret = secrets.token_urlsafe(32)

    class Resp:
        headers = [("X-Request-ID", "abc")]
        status_code = 200
        sent = 10

    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": f"/r/{secret}", "QUERY_STRING": ""}
    logger.access(Resp(), None, environ, timedelta(milliseconds=5))
    line = stream.getvalue()
    assert '"/r/[redacted]"' in line and secret not in line


def test_development_server_request_log_is_redacted(app) -> None:
    secret = secrets.token_urlsafe(32)
    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '%s - - "%s" %s',
        ("127.0.0.1", f"GET /r/{secret} HTTP/1.1", "200"),
        None,
    )
    for f in logging.getLogger("werkzeug").filters:
        f.filter(record)
    assert secret not in record.getMessage()


def test_an_expired_confirmation_link_gets_a_friendly_answer(app, client) -> None:
    """Double opt-in: the hold behind the e-mailed link ran out and was released. Following
    the link then explains the state instead of confirming anything (or failing)."""
    from datetime import timedelta

    from eventnet.models import RegistrationStatus, utcnow
    from eventnet.services.waitlist import expire_pending_holds

    slug = make_event(double_opt_in=True, pending_hold_minutes=30).slug
    token = register_and_get_token(client, slug, "late@example.org")
    with app.test_request_context():
        assert expire_pending_holds(utcnow() + timedelta(hours=2)) == 1
    response = client.get(f"/r/{token}/confirm", follow_redirects=True)
    assert response.status_code == 200
    reg = db.session.scalar(sa.select(Registration).where(Registration.email == "late@example.org"))
    assert reg.status == RegistrationStatus.CANCELLED
    page = client.get(f"/r/{token}").get_data(as_text=True)
    assert "Confirm my registration" not in page
