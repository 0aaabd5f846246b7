"""Liveness and readiness endpoints: JSON, no cookies, 503 (never 500) when not ready."""

from __future__ import annotations

from tests.ops.conftest import REDIS_URL


def test_healthz_answers_without_io_or_cookies(fresh_app) -> None:
    client = fresh_app().test_client()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_is_ready_when_the_database_answers(fresh_app) -> None:
    response = fresh_app().test_client().get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "ready", "checks": {"database": "ok"}}


def test_readyz_checks_redis_when_configured(fresh_app, redis_client) -> None:
    response = fresh_app(REDIS_URL=REDIS_URL).test_client().get("/readyz")
    assert response.status_code == 200
    assert response.json["checks"] == {"database": "ok", "redis": "ok"}


def test_readyz_is_503_with_detail_when_redis_is_down(fresh_app) -> None:
    # Nothing listens on port 1: the check fails fast with "connection refused".
    response = fresh_app(REDIS_URL="redis://127.0.0.1:1/0").test_client().get("/readyz")
    assert response.status_code == 503
    body = response.json
    assert body["status"] == "not ready"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["redis"].startswith("error: ")


def test_readyz_is_503_when_the_database_is_unreachable(fresh_app) -> None:
    app = fresh_app(
        SQLALCHEMY_DATABASE_URI="postgresql+psycopg://nobody@127.0.0.1:1/nowhere",
        DB_CONNECT_TIMEOUT=1,
    )
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["database"].startswith("error: OperationalError")
