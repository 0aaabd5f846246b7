"""Fresh apps for operations tests (their own config, their own SQLite file)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.conftest import make_test_app

REDIS_URL = os.environ.get("EVENTNET_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def fresh_app(tmp_path: Path) -> Callable[..., Flask]:
    """Build an app on a new SQLite file with extra config; no migrations."""

    def build(**overrides: Any) -> Flask:
        uri = overrides.pop("SQLALCHEMY_DATABASE_URI", f"sqlite:///{tmp_path / 'ops.sqlite3'}")
        return make_test_app(tmp_path, uri, **overrides)

    return build


@pytest.fixture
def redis_client() -> Iterator[Any]:
    """The real Redis on 127.0.0.1 (a dedicated DB number); skipped when it is not running
    unless CI (``EVENTNET_REQUIRE_BROWSER=1`` runs mean CI) requires it."""
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisConnectionError

    client = Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except RedisConnectionError:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is not reachable at {REDIS_URL}")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    yield client
    client.close()


@pytest.fixture
def unique() -> str:
    return uuid.uuid4().hex[:12]


def forget_rq_keys(redis_client: Any, unique: str) -> None:
    """Delete a test's RQ keys and registry entries (its names contain ``unique``)."""
    for key in redis_client.scan_iter(f"*{unique}*"):
        redis_client.delete(key)
    for name in ("rq:queues", "rq:workers"):
        for member in redis_client.smembers(name):
            if unique.encode() in member:
                redis_client.srem(name, member)


@pytest.fixture(autouse=True)
def _drop_eventnet_log_handlers() -> Iterator[None]:
    """Production-mode apps built by these tests install a root log handler; remove it."""
    import logging

    yield
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_eventnet", False):
            root.removeHandler(handler)
