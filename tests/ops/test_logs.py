"""Request ids (honoured, validated, echoed) and one JSON object per log line carrying them."""

from __future__ import annotations

import io
import json
import logging

import pytest
from flask import current_app

from eventnet.ops.logs import configure_logging


@pytest.fixture
def json_log(fresh_app):  # type: ignore[no-untyped-def]
    app = fresh_app(LOG_FORMAT="json")

    @app.route("/_ops_test/log")
    def log_something() -> str:
        current_app.logger.warning("registration rush: %s", "busy", extra={"event": "spring-fair"})
        return "ok"

    stream = io.StringIO()
    configure_logging(app, stream=stream)
    yield app, stream
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_eventnet", False):
            root.removeHandler(handler)


def test_a_valid_request_id_is_honoured_and_echoed(fresh_app) -> None:
    client = fresh_app().test_client()
    response = client.get("/healthz", headers={"X-Request-ID": "nginx-4f2a.77"})
    assert response.headers["X-Request-ID"] == "nginx-4f2a.77"


@pytest.mark.parametrize("bad", ["has spaces", "x" * 200, "<script>", ""])
def test_a_missing_or_odd_request_id_is_replaced(fresh_app, bad) -> None:
    client = fresh_app().test_client()
    headers = {"X-Request-ID": bad} if bad else {}
    first = client.get("/healthz", headers=headers).headers["X-Request-ID"]
    second = client.get("/healthz", headers=headers).headers["X-Request-ID"]
    assert first != bad and len(first) == 32 and first != second


def test_log_lines_are_json_with_the_request_id(json_log) -> None:
    app, stream = json_log
    response = app.test_client().get("/_ops_test/log", headers={"X-Request-ID": "req-123"})
    assert response.status_code == 200
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    entry = next(line for line in lines if line["message"] == "registration rush: busy")
    assert entry["request_id"] == "req-123"
    assert entry["level"] == "WARNING"
    assert entry["event"] == "spring-fair"
    assert entry["ts"].endswith("+00:00")


def test_exceptions_are_logged_on_one_json_line(json_log) -> None:
    app, stream = json_log
    with app.test_request_context("/"):
        app.preprocess_request()
        try:
            raise ValueError("boom")
        except ValueError:
            current_app.logger.exception("it failed")
    line = stream.getvalue().strip().splitlines()[-1]
    entry = json.loads(line)
    assert entry["message"] == "it failed" and "ValueError: boom" in entry["exception"]
    assert len(entry["request_id"]) == 32
