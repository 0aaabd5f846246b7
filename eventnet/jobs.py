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
        from redis import Redis
        from rq import Queue

        connection = Redis.from_url(current_app.config["REDIS_URL"])
        return Queue(queue, connection=connection).enqueue(func, *args, **kwargs)
    return func(*args, **kwargs)


def uses_workers() -> bool:
    return current_app.config.get("JOBS_BACKEND") == "rq"
