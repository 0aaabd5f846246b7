"""``eventnet scheduler``: the periodic ``tick`` work every N seconds, on one machine at a time.

Every machine may run a scheduler; they elect one leader and the others stand by:

- PostgreSQL: a session-level advisory lock held on a dedicated connection; if the leader dies
  its connection closes, the lock is released and a standby takes over at its next try.
- else Redis (``REDIS_URL``): a lease key renewed every tick, taken over when it expires.
- else (SQLite, one machine): an ``flock`` on ``instance/scheduler.lock``.

The tick itself is ``eventnet.services.tick.run_tick(now)`` (expire holds, reminders, outbox
delivery...); its steps are idempotent, so a takeover that repeats a tick does no harm.
"""

from __future__ import annotations

import fcntl
import logging
import os
import signal
import threading
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from flask import Flask

from ..extensions import db
from ..models import utcnow
from .logs import request_id_var

log = logging.getLogger(__name__)
ADVISORY_LOCK_KEY = 0x6576_6E74  # "evnt": one lock for the whole installation
LEADER_KEY = "eventnet:scheduler:leader"

TickFunc = Callable[[datetime], Any]


class Leadership(Protocol):
    def acquire(self) -> bool:
        """Become (or stay) the leader; False while another scheduler is."""

    def release(self) -> None: ...


class PostgresLeadership:
    def __init__(self, engine: Any, key: int = ADVISORY_LOCK_KEY) -> None:
        self.engine = engine
        self.key = int(key)
        self.conn: Any = None

    def acquire(self) -> bool:
        try:
            if self.conn is not None:
                self.conn.exec_driver_sql("SELECT 1")  # still holding it if the session lives
                return True
            conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            got = conn.exec_driver_sql(f"SELECT pg_try_advisory_lock({self.key})").scalar()
            if got:
                self.conn = conn
                return True
            conn.close()
            return False
        except Exception:
            log.exception("scheduler: lost the database connection; will retry")
            self._drop()
            return False

    def release(self) -> None:
        if self.conn is not None:
            try:
                self.conn.exec_driver_sql(f"SELECT pg_advisory_unlock({self.key})")
            except Exception:
                log.warning("scheduler: could not unlock (the lock goes with the connection)")
        self._drop()

    def _drop(self) -> None:
        if self.conn is not None:
            try:
                self.conn.invalidate()
            finally:
                self.conn = None


class RedisLeadership:
    _RENEW = (
        "if redis.call('get', KEYS[1]) == ARGV[1] then "
        "return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end"
    )
    _RELEASE = (
        "if redis.call('get', KEYS[1]) == ARGV[1] then "
        "return redis.call('del', KEYS[1]) else return 0 end"
    )

    def __init__(self, client: Any, lease_seconds: float, key: str = LEADER_KEY) -> None:
        self.client = client
        self.lease_ms = max(1000, int(lease_seconds * 1000))
        self.key = key
        self.owner = f"{os.uname().nodename}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    def acquire(self) -> bool:
        try:
            if self.client.eval(self._RENEW, 1, self.key, self.owner, self.lease_ms):
                return True
            return bool(self.client.set(self.key, self.owner, nx=True, px=self.lease_ms))
        except Exception:
            log.exception("scheduler: Redis is unreachable; will retry")
            return False

    def release(self) -> None:
        try:
            self.client.eval(self._RELEASE, 1, self.key, self.owner)
        except Exception:
            log.warning("scheduler: could not release the Redis lease (it will expire)")


class FileLeadership:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = None

    def acquire(self) -> bool:
        if self.fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self.fd = fd
        return True

    def release(self) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


def leadership_for(app: Flask, interval: float) -> Leadership:
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            return PostgresLeadership(db.engine)
    url = app.config.get("REDIS_URL")
    if url:
        from redis import Redis

        return RedisLeadership(Redis.from_url(url), lease_seconds=3 * interval)
    return FileLeadership(Path(app.instance_path) / "scheduler.lock")


def default_tick() -> TickFunc:
    """``eventnet.services.tick.run_tick`` once it exists; until then a tick with no steps."""
    try:
        from ..services.tick import run_tick
    except ImportError:

        def run_tick(now: datetime) -> str:
            return "no tick steps installed"

    return run_tick


def run_scheduler(
    app: Flask,
    *,
    interval: float | None = None,
    once: bool = False,
    tick: TickFunc | None = None,
    leadership: Leadership | None = None,
    stop: threading.Event | None = None,
) -> int:
    """Run ticks while leader until stopped (SIGTERM/SIGINT); returns the number of ticks run."""
    interval = float(interval or app.config.get("SCHEDULER_INTERVAL_SECONDS") or 60)
    tick = tick or default_tick()
    leadership = leadership or leadership_for(app, interval)
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread() and not once:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    ticks = 0
    was_leader = False
    try:
        while not stop.is_set():
            leader = leadership.acquire()
            if leader != was_leader:
                log.info("scheduler: %s", "leading" if leader else "standing by")
                was_leader = leader
            if leader:
                ticks += _one_tick(app, tick)
            if once:
                break
            stop.wait(interval)
    finally:
        leadership.release()
    return ticks


def _one_tick(app: Flask, tick: TickFunc) -> int:
    token = request_id_var.set(f"tick-{uuid.uuid4().hex[:12]}")
    try:
        with app.app_context():
            result = tick(utcnow())
        log.info("scheduler: tick done: %s", result)
        return 1
    except Exception:
        log.exception("scheduler: tick failed; the next one runs as planned")
        return 0
    finally:
        request_id_var.reset(token)
