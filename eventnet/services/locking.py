"""One lock per event, taken once, late, before counting places.

Every change that can consume or free a place (register, cancel, confirm or expire a pending
hold, promote the waiting list, change a quota) calls `lock_event` first and then counts,
inserts and commits in the same transaction. That is what makes "confirmed + pending never
exceed the quota" true under concurrent requests:

- PostgreSQL: ``SELECT id FROM events WHERE id = :id FOR NO KEY UPDATE`` at READ COMMITTED
  (the default), waiting at most the connection's ``lock_timeout`` (``DB_LOCK_TIMEOUT_MS``).
  Every statement after the lock sees the rows the previous lock holder committed.
  ``NO KEY UPDATE`` rather than ``UPDATE``: inserting a registration takes a ``KEY SHARE``
  lock on its event row (the foreign key), and a registration writes its rows *before* it
  takes the event lock; ``FOR UPDATE`` would conflict with the other waiters' key-share
  locks and deadlock, ``FOR NO KEY UPDATE`` does not, while two ``NO KEY UPDATE`` locks
  still exclude each other.
- SQLite: SQLAlchemy silently drops ``FOR UPDATE``; instead the transaction is (re)started
  with ``BEGIN IMMEDIATE`` (`eventnet.db.sqlite_begin_immediate`), which takes the database
  write lock at once. Any transaction the session already had open is committed first: it
  must be read-only (a pending unflushed change is a programming error), and a read snapshot
  taken before the lock could not be upgraded to a write later anyway.

The lock is held until the session's transaction ends (``db.session.commit()`` or
``rollback()``). A lock that cannot be had in time raises `TryAgain` (503, "please try
again"), never a 500.

``LOCKING_ENABLED`` exists only so that tests/concurrency/test_capacity_pg.py can prove the
lock matters (with it off, the test oversells). Never switch it off in production.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import joinedload

from ..db import sqlite_begin_immediate
from ..extensions import db
from ..models import Event
from . import NotFound, TryAgain

LOCKING_ENABLED = True


def pipelined_lock() -> bool:
    """Whether the lock is a PostgreSQL row lock that may share a round trip with the
    statements after it (`eventnet.services.pipeline`)."""
    return LOCKING_ENABLED and db.session.get_bind().dialect.name == "postgresql"


def lock_failed() -> TryAgain:
    """The lock could not be had in time: end the transaction, answer "try again"."""
    db.session.rollback()
    return _try_again()


def _try_again() -> TryAgain:
    return TryAgain(_("Many people are registering right now. Please try again in a moment."))


def lock_event(event_id: int) -> None:
    """Take the event's lock for the rest of the current transaction (see the module doc).

    Raises `NotFound` when the event does not exist and `TryAgain` when the lock is busy.
    """
    if not LOCKING_ENABLED:
        return
    session = db.session
    if session.get_bind().dialect.name == "sqlite":
        _lock_sqlite()
        exists = session.scalar(sa.text("SELECT id FROM events WHERE id = :id"), {"id": event_id})
    else:
        exists = _lock_postgres(
            sa.text("SELECT id FROM events WHERE id = :id FOR NO KEY UPDATE"), {"id": event_id}
        )
    if exists is None:
        session.rollback()
        raise NotFound(_("This event does not exist."))


def lock_and_load_event(event_id: int) -> Event:
    """`lock_event`, then the event loaded fresh with its quotas; raises like `lock_event`.

    On PostgreSQL the lock and the load are one statement (``SELECT events.* ... FOR NO
    KEY UPDATE``): a registration rush queues on this lock, so every round trip saved while
    holding it counts.
    """
    session = db.session
    if not LOCKING_ENABLED or session.get_bind().dialect.name == "sqlite":
        lock_event(event_id)
        event = session.get(Event, event_id, populate_existing=True)
    else:
        query = (
            sa.select(Event)
            .where(Event.id == event_id)
            .with_for_update(of=Event, key_share=True)  # FOR NO KEY UPDATE, see above
            .options(joinedload(Event.quotas))  # one round trip while locked
            .execution_options(populate_existing=True)
        )
        event = _lock_postgres(query)
    if event is None:
        session.rollback()
        raise NotFound(_("This event does not exist."))
    return event


def lock_event_row(event_id: int, locking_query: Any, plain_query: Any) -> list[sa.Row[Any]]:
    """Take the event's lock and read its row(s) with SQLAlchemy Core, in one statement.

    ``locking_query`` selects the event (``:event_id``) ``FOR NO KEY UPDATE OF events``;
    ``plain_query`` is the same without the lock clause, for SQLite (which locks with
    ``BEGIN IMMEDIATE`` instead) and for the no-lock test switch. Raises like `lock_event`.
    """
    session = db.session
    params = {"event_id": event_id}
    if LOCKING_ENABLED and session.get_bind().dialect.name != "sqlite":
        rows = _lock_postgres(lambda conn: conn.execute(locking_query, params).all())
    else:
        if LOCKING_ENABLED:
            _lock_sqlite()
        rows = session.connection().execute(plain_query, params).all()
    if not rows:
        session.rollback()
        raise NotFound(_("This event does not exist."))
    return rows


def _lock_postgres(query: Any, params: dict[str, Any] | None = None) -> Any:
    """Run the locking ``query``; a lock not had within ``lock_timeout`` becomes `TryAgain`.

    ``query`` is a statement for `Session.scalar`, or a callable given the connection. The
    timeout is the connection's (``DB_LOCK_TIMEOUT_MS``, set when it connects), so taking
    the lock costs no extra statement.
    """
    session = db.session
    try:
        if callable(query):
            return query(session.connection())
        return session.scalar(query, params)
    except OperationalError as exc:
        session.rollback()
        raise _try_again() from exc


def begin_write() -> None:
    """Start a write transaction now: ``BEGIN IMMEDIATE`` on SQLite, nothing on PostgreSQL.

    On SQLite the session's open transaction (which must hold no unflushed change) is
    committed first. Used by `lock_event` and by the outbox when it claims messages.
    """
    if db.session.get_bind().dialect.name == "sqlite":
        _lock_sqlite()


def _lock_sqlite() -> None:
    session = db.session()
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("lock_event() must come before any change in the unit of work")
    if session.in_transaction():
        session.commit()
    try:
        with sqlite_begin_immediate():
            session.connection()
    except OperationalError as exc:
        session.rollback()
        raise _try_again() from exc
