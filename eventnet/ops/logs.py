"""Request ids and structured logs.

Every request gets an id: the caller's ``X-Request-ID`` when it looks sane (nginx sets it from
``$request_id``), else a new one. It is echoed in the response and added to every log line
written while the request (or an RQ job, with the job id) runs. In production, or with
``EVENTNET_LOG_FORMAT=json``, logs are one JSON object per line on stderr, which journald and
log shippers read without parsing rules.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, g, request

REQUEST_ID_HEADER = "X-Request-ID"
_VALID_ID = re.compile(r"^[A-Za-z0-9._:@-]{1,128}$")
request_id_var: ContextVar[str | None] = ContextVar("eventnet_request_id", default=None)

# Attributes every LogRecord has; anything else was passed with ``extra=`` and is logged too.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "request_id"}


def new_request_id() -> str:
    return uuid.uuid4().hex


def init_request_ids(app: Flask) -> None:
    @app.before_request
    def _assign_request_id() -> None:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        rid = incoming if _VALID_ID.match(incoming) else new_request_id()
        g.request_id = rid
        g._request_id_token = request_id_var.set(rid)

    @app.after_request
    def _echo_request_id(response: Response) -> Response:
        rid = g.get("request_id")
        if rid:
            response.headers[REQUEST_ID_HEADER] = rid
        return response

    @app.teardown_request
    def _forget_request_id(_exc: BaseException | None) -> None:
        token = g.pop("_request_id_token", None)
        if token is not None:
            request_id_var.reset(token)


class RequestIdFilter(logging.Filter):
    """Puts the current request (or job) id on the record as ``request_id``."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message, request_id, extras, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id_var.get(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value if _is_plain(value) else repr(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s")


def _is_plain(value: Any) -> bool:
    return isinstance(value, str | int | float | bool | type(None) | list | dict)


def log_format(app: Flask) -> str | None:
    configured = app.config.get("LOG_FORMAT")
    if configured:
        return str(configured)
    return "json" if app.config.get("ENV") == "production" else None


def make_handler(fmt: str, stream: Any = None) -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(RequestIdFilter())
    handler._eventnet = True  # type: ignore[attr-defined]
    return handler


def configure_logging(app: Flask, stream: Any = None) -> None:
    """Route the root logger (and Flask's) through one eventnet handler; idempotent.

    Leaves logging alone in development unless ``LOG_FORMAT`` asks for a format.
    """
    fmt = log_format(app)
    if fmt is None:
        return
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_eventnet", False):
            root.removeHandler(handler)
    root.addHandler(make_handler(fmt, stream))
    root.setLevel(str(app.config.get("LOG_LEVEL") or "INFO").upper())
    # Flask's own handler would print each app.logger line a second time.
    from flask.logging import default_handler

    app.logger.removeHandler(default_handler)
