"""Background work: run inline (embedded default) or hand to RQ workers (``JOBS_BACKEND=rq``).

A job is an importable function that takes plain arguments and does its own database work;
it runs inside an app context in both modes, so the same code serves both deployments.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import current_app

log = logging.getLogger(__name__)


def enqueue(func: Callable[..., Any], *args: Any, queue: str = "default", **kwargs: Any) -> Any:
    """Run ``func(*args, **kwargs)`` now, or queue it for a worker; returns the result or job."""
    if current_app.config.get("JOBS_BACKEND") == "rq":
        from rq import Queue

        return Queue(queue, connection=redis_connection()).enqueue(func, *args, **kwargs)
    return func(*args, **kwargs)


def redis_connection() -> Any:
    """One Redis client (and so one connection pool) per app: a request that queues a job
    reuses a pooled connection instead of connecting anew (measured by make bench-load)."""
    from redis import Redis

    url = current_app.config["REDIS_URL"]
    clients = current_app.extensions.setdefault("eventnet_jobs_redis", {})
    if url not in clients:
        clients[url] = Redis.from_url(url)
    return clients[url]


def uses_workers() -> bool:
    return current_app.config.get("JOBS_BACKEND") == "rq"
