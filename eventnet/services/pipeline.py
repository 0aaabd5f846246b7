"""Several statements in one PostgreSQL round trip (psycopg's pipeline mode).

Why: under a popular event's lock every round trip to the database is time all the other
registrants of that event wait, and on a busy machine each one also waits for a CPU to wake
the two processes up. Statements that do not need each other's results (take the lock, then
count) can be sent together: PostgreSQL still runs them one after the other, each with its
own snapshot, so the count sees what the previous lock holder committed.

SQLAlchemy has no pipeline API; the statements are compiled by SQLAlchemy, their parameters
go through the column types' bind processors, and they are sent on the session's own psycopg
connection, in its transaction. Result rows come back as psycopg returns them (no result
processing: the callers read ids, counts, strings and aware datetimes).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Executable

from ..extensions import db


@dataclass(frozen=True)
class _Compiled:
    statement: Executable  # kept, so that its id is not reused while cached
    sql: Any  # SQLAlchemy's compiled form
    processors: dict[str, Callable[[Any], Any]]  # bind name -> the type's bind processor

    def parameters(self, given: Mapping[str, Any]) -> dict[str, Any]:
        values = self.sql.construct_params(given)
        for name, process in self.processors.items():
            values[name] = process(values[name])
        return dict(values)


_COMPILED: dict[int, _Compiled] = {}


def _compiled(statement: Executable, dialect: Any) -> _Compiled:
    cached = _COMPILED.get(id(statement))
    if cached is None or cached.statement is not statement:
        sql = statement.compile(dialect=dialect)
        processors = {
            name: process
            for bind, name in sql.bind_names.items()
            if (process := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None
        }
        cached = _COMPILED[id(statement)] = _Compiled(statement, sql, processors)
    return cached


def run_pipelined(
    queries: Sequence[tuple[Executable, Mapping[str, Any]]],
) -> list[list[tuple[Any, ...]]]:
    """Run each (statement, parameters) in order, in one round trip; all rows of each.

    PostgreSQL only (the caller checks). A database error is raised as SQLAlchemy's
    (`OperationalError`, `IntegrityError`...), like `Connection.execute` raises it.
    """
    import psycopg  # only on PostgreSQL: the embedded (SQLite) install has no psycopg

    connection = db.session.connection()
    raw = connection.connection.dbapi_connection
    compiled = [_compiled(stmt, connection.dialect) for stmt, _params in queries]
    cursors = []
    try:
        with raw.pipeline():
            for query, (_stmt, params) in zip(compiled, queries, strict=True):
                cursor = raw.cursor()
                cursor.execute(query.sql.string, query.parameters(params))
                cursors.append(cursor)
        return [list(c.fetchall()) if c.description is not None else [] for c in cursors]
    except psycopg.Error as exc:
        sql = "; ".join(query.sql.string for query in compiled)
        raise DBAPIError.instance(sql, None, exc, psycopg.Error) from exc
    finally:
        for cursor in cursors:
            cursor.close()
