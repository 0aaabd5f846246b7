"""`eventnet scheduler`: one leader at a time, on every kind of lock, and ticks in app context."""

from __future__ import annotations

import os
import random
import threading
import time
from datetime import datetime

import pytest
from flask import current_app

from eventnet.ops.scheduler import (
    FileLeadership,
    PostgresLeadership,
    RedisLeadership,
    default_tick,
    run_scheduler,
)


def _exclusive(first, second) -> None:  # type: ignore[no-untyped-def]
    assert first.acquire() is True
    assert first.acquire() is True  # staying leader is idempotent
    assert second.acquire() is False
    first.release()
    assert second.acquire() is True
    assert first.acquire() is False
    second.release()


def test_file_lock_has_one_leader(tmp_path) -> None:
    _exclusive(FileLeadership(tmp_path / "s.lock"), FileLeadership(tmp_path / "s.lock"))


def test_redis_lease_has_one_leader_and_expires(redis_client, unique) -> None:
    key = f"eventnet:test:leader:{unique}"
    try:
        _exclusive(
            RedisLeadership(redis_client, 30, key=key), RedisLeadership(redis_client, 30, key=key)
        )
        dead = RedisLeadership(redis_client, 1, key=key)
        assert dead.acquire()
        redis_client.pexpire(key, 1)  # the leader vanished: its lease runs out
        time.sleep(0.02)
        assert RedisLeadership(redis_client, 30, key=key).acquire()
    finally:
        redis_client.delete(key)


@pytest.mark.skipif(
    not os.environ.get("EVENTNET_TEST_POSTGRES_URL"), reason="needs EVENTNET_TEST_POSTGRES_URL"
)
def test_postgres_advisory_lock_has_one_leader() -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(os.environ["EVENTNET_TEST_POSTGRES_URL"])
    key = random.randint(1, 2**31)  # not the production key: runs may overlap
    try:
        _exclusive(PostgresLeadership(engine, key), PostgresLeadership(engine, key))
        leader = PostgresLeadership(engine, key)
        assert leader.acquire()
        leader.conn.invalidate()  # the leader's connection dies: PostgreSQL frees the lock
        leader.conn = None
        assert PostgresLeadership(engine, key).acquire()
    finally:
        engine.dispose()


def test_once_runs_one_tick_in_an_app_context(fresh_app, tmp_path) -> None:
    app = fresh_app(BASE_URL="https://tick.example.edu")
    seen: list[tuple[datetime, str]] = []

    def tick(now: datetime) -> str:
        seen.append((now, current_app.config["BASE_URL"]))
        return "ok"

    ran = run_scheduler(app, once=True, tick=tick, leadership=FileLeadership(tmp_path / "l"))
    assert ran == 1 and seen[0][1] == "https://tick.example.edu"
    assert seen[0][0].tzinfo is not None


def test_a_standby_runs_nothing_and_a_failing_tick_does_not_stop_the_loop(
    fresh_app, tmp_path
) -> None:
    app = fresh_app()
    holder = FileLeadership(tmp_path / "l")
    assert holder.acquire()
    calls: list[datetime] = []
    standby = run_scheduler(
        app, once=True, tick=calls.append, leadership=FileLeadership(tmp_path / "l")
    )
    assert standby == 0 and calls == []
    holder.release()

    stop = threading.Event()

    def flaky(now: datetime) -> None:
        calls.append(now)
        if len(calls) == 1:
            raise RuntimeError("transient")
        stop.set()

    ran = run_scheduler(
        app, interval=0.01, tick=flaky, leadership=FileLeadership(tmp_path / "l"), stop=stop
    )
    assert len(calls) == 2 and ran == 1


def test_the_default_tick_runs(fresh_app) -> None:
    app = fresh_app()
    from tests.conftest import migrate_to_head

    migrate_to_head(app)
    with app.app_context():
        from eventnet.models import utcnow

        default_tick()(utcnow())
