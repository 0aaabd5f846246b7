"""Database engine behaviour that must hold on every connection, on every backend.

SQLite: foreign keys on, WAL, a busy timeout, and transactions we begin ourselves so that
`lock_event` can ask for ``BEGIN IMMEDIATE`` (pysqlite would otherwise begin lazily and
SQLAlchemy silently drops ``FOR UPDATE``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

_begin_immediate: ContextVar[bool] = ContextVar("sqlite_begin_immediate", default=False)


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    dbapi_connection.isolation_level = None  # we emit BEGIN in _sqlite_on_begin
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA busy_timeout = 15000")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _begin_immediate.get() else "BEGIN")


@contextmanager
def sqlite_begin_immediate() -> Iterator[None]:
    """Within this block, a new SQLite transaction takes the write lock at once."""
    token = _begin_immediate.set(True)
    try:
        yield
    finally:
        _begin_immediate.reset(token)
