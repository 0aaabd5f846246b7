"""Databases of their own for the PostgreSQL concurrency tests: real commits, real locks.

`rush_app` is a fresh database per module, migrated and dropped at the end, so that the
rolled-back-transaction harness of the other tests is not involved. `rq_app` is an app on
that database with RQ workers configured (mail queued to a queue of its own, never sent).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.engine import make_url

from eventnet.extensions import db
from tests.conftest import make_test_app, migrate_to_head

POSTGRES_URL = os.environ.get("EVENTNET_TEST_POSTGRES_URL")
# Enough connections for 50 threads registering at once.
RUSH_POOL = {"pool_size": 25, "max_overflow": 30, "pool_timeout": 60}


@pytest.fixture(scope="module")
def rush_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    assert POSTGRES_URL
    base = make_url(POSTGRES_URL)
    name = f"ev_rush_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    app = make_test_app(
        tmp_path_factory.mktemp("rush"),
        base.set(database=name).render_as_string(hide_password=False),
        WTF_CSRF_ENABLED=False,
        MAIL_DELIVER_INLINE=False,
        SQLALCHEMY_ENGINE_OPTIONS=RUSH_POOL,
    )
    try:
        migrate_to_head(app)
        yield app
    finally:
        with app.app_context():
            db.engine.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture
def rq_app(rush_app: Flask, tmp_path: Path) -> Iterator[Flask]:
    """An app with RQ workers on the rush database (mail queued, never sent here)."""
    from redis import Redis

    from tests.ops.conftest import REDIS_URL, forget_rq_keys

    unique = uuid.uuid4().hex[:10]
    app = make_test_app(
        tmp_path,
        rush_app.config["SQLALCHEMY_DATABASE_URI"],
        JOBS_BACKEND="rq",
        REDIS_URL=REDIS_URL,
        MAIL_QUEUE=f"mail-{unique}",
        WTF_CSRF_ENABLED=False,
        SQLALCHEMY_ENGINE_OPTIONS=RUSH_POOL,
    )
    try:
        yield app
    finally:
        with app.app_context():
            db.engine.dispose()
        redis = Redis.from_url(REDIS_URL)
        forget_rq_keys(redis, unique)
        redis.close()
