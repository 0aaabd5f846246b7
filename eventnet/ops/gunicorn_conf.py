"""gunicorn settings for eventnet, read from ``EVENTNET_GUNICORN_*`` environment variables.

    gunicorn -c python:eventnet.ops.gunicorn_conf 'eventnet:create_app()'

Sync workers by default: nginx in front buffers slow clients, and one request per worker
keeps the connection pool small (workers x DB_POOL_SIZE must stay under PostgreSQL's
max_connections). Access and error logs are JSON lines with the request id, like the app's.
"""

from __future__ import annotations

import json
import logging
import os
import time
from datetime import UTC, datetime
from typing import Any

from gunicorn.glogging import Logger

from eventnet.web.safety import redact_path


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(f"EVENTNET_GUNICORN_{name}", "").strip()
    return int(value) if value else default


bind = os.environ.get("EVENTNET_GUNICORN_BIND", "127.0.0.1:8000")
workers = _env_int("WORKERS", 2 * (os.cpu_count() or 1) + 1)
threads = _env_int("THREADS", 1)
worker_class = "gthread" if threads > 1 else "sync"
timeout = _env_int("TIMEOUT", 30)  # a request taking longer is killed (PDFs run in jobs)
graceful_timeout = _env_int("GRACEFUL_TIMEOUT", 30)
keepalive = _env_int("KEEPALIVE", 5)
backlog = _env_int("BACKLOG", 2048)
# Recycle workers now and then so a slow leak can never grow without bound.
max_requests = _env_int("MAX_REQUESTS", 5000)
max_requests_jitter = _env_int("MAX_REQUESTS_JITTER", 500)
# Only the local reverse proxy may set X-Forwarded-* for gunicorn itself (the app has ProxyFix).
forwarded_allow_ips = os.environ.get("EVENTNET_GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
# Import the app once in the master, then fork (faster start, shared memory). Safe because
# create_app opens no connections; off by default so `reload` (HUP) picks up new code.
preload_app = os.environ.get("EVENTNET_GUNICORN_PRELOAD", "").lower() in ("1", "true", "yes")
proc_name = "eventnet"
accesslog = os.environ.get("EVENTNET_GUNICORN_ACCESSLOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("EVENTNET_LOG_LEVEL", "info").lower()
logger_class = "eventnet.ops.gunicorn_conf.JsonLogger"
wsgi_app = "eventnet:create_app()"


class _JsonLineFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(
            {
                "ts": datetime.fromtimestamp(record.created, UTC).isoformat(
                    timespec="milliseconds"
                ),
                "level": record.levelname,
                "logger": record.name,
                "message": record.getMessage(),
                "pid": record.process,
            },
            ensure_ascii=False,
        )


class JsonLogger(Logger):
    """gunicorn's logger with JSON error lines and one JSON object per access."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for handler in self.error_log.handlers:
            handler.setFormatter(_JsonLineFormatter())
        for handler in self.access_log.handlers:
            handler.setFormatter(logging.Formatter("%(message)s"))

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        if not self.cfg.accesslog:
            return
        headers = {name.lower(): value for name, value in (resp.headers or [])}
        duration = request_time.total_seconds() if hasattr(request_time, "total_seconds") else 0
        entry = {
            "ts": datetime.fromtimestamp(time.time(), UTC).isoformat(timespec="milliseconds"),
            "level": "INFO",
            "logger": "gunicorn.access",
            "request_id": headers.get("x-request-id"),
            "remote": environ.get("REMOTE_ADDR"),
            "method": environ.get("REQUEST_METHOD"),
            "path": redact_path(environ.get("PATH_INFO")),  # manage links carry secrets
            "query": redact_path(environ.get("QUERY_STRING")) or None,
            "status": getattr(resp, "status_code", None),
            "bytes": getattr(resp, "sent", None),
            "duration_ms": round(duration * 1000, 2),
            "user_agent": environ.get("HTTP_USER_AGENT"),
        }
        self.access_log.info(json.dumps(entry, ensure_ascii=False))
