"""Liveness (``/healthz``: the process answers, no I/O) and readiness (``/readyz``: the
database and, when configured, Redis answer). Load balancers and systemd watchdogs use them."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue

from ..extensions import db

bp = Blueprint("ops", __name__)

_REDIS_TIMEOUT = 1.0


@bp.route("/healthz")
def healthz() -> ResponseReturnValue:
    return _no_store(jsonify(status="ok")), 200


@bp.route("/readyz")
def readyz() -> ResponseReturnValue:
    checks: dict[str, Any] = {"database": _check_database()}
    if current_app.config.get("REDIS_URL"):
        checks["redis"] = _check_redis()
    ready = all(value == "ok" for value in checks.values())
    body = jsonify(status="ready" if ready else "not ready", checks=checks)
    return _no_store(body), 200 if ready else 503


def _check_database() -> str:
    try:
        with db.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except Exception as exc:  # any failure means "not ready", with what went wrong
        current_app.logger.warning("readiness: database check failed: %s", exc)
        return _describe(exc)
    return "ok"


def _check_redis() -> str:
    try:
        redis_client(current_app.config["REDIS_URL"]).ping()
    except Exception as exc:
        current_app.logger.warning("readiness: redis check failed: %s", exc)
        return _describe(exc)
    return "ok"


def redis_client(url: str) -> Any:
    """One client (and so one connection pool) per app and URL, with short timeouts."""
    from redis import Redis

    cache = current_app.extensions.setdefault("eventnet_redis", {})
    if url not in cache:
        cache[url] = Redis.from_url(
            url, socket_connect_timeout=_REDIS_TIMEOUT, socket_timeout=_REDIS_TIMEOUT
        )
    return cache[url]


def _describe(exc: Exception) -> str:
    first_line = (str(exc).strip().splitlines() or [""])[0][:200]
    return f"error: {type(exc).__name__}: {first_line}".rstrip(": ")


def _no_store(response: Any) -> Any:
    response.headers["Cache-Control"] = "no-store"
    return response
