"""`eventnet backup` then `eventnet restore` into a fresh database gives back the same world.

SQLite always; PostgreSQL (pg_dump/pg_restore) when EVENTNET_TEST_POSTGRES_URL is set, in
databases of its own (ev_backup_src, ev_backup_dst) that it creates and drops.
"""

from __future__ import annotations

import os
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.engine import make_url

from eventnet.extensions import db
from eventnet.ops.invariants import invariant_problems, table_counts
from tests.conftest import make_test_app, migrate_to_head

POSTGRES_URL = os.environ.get("EVENTNET_TEST_POSTGRES_URL")
BACKENDS = ["sqlite"] + (["postgres"] if POSTGRES_URL else [])


def _admin_engine() -> sa.Engine:
    assert POSTGRES_URL
    return sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")


def _recreate(name: str) -> str:
    engine = _admin_engine()
    with engine.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


def _drop(name: str) -> None:
    engine = _admin_engine()
    with engine.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def databases(request, tmp_path: Path) -> Iterator[tuple[str, str]]:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'src.sqlite3'}", f"sqlite:///{tmp_path / 'dst.sqlite3'}"
        return
    src, dst = _recreate("ev_backup_src"), _recreate("ev_backup_dst")
    yield src, dst
    _drop("ev_backup_src")
    _drop("ev_backup_dst")


def _snapshot(app: Flask) -> tuple[dict[str, int], list[str], set[str]]:
    with app.app_context():
        from eventnet.models import Registration

        counts = table_counts()
        problems = invariant_problems()
        tickets = set(db.session.scalars(sa.select(Registration.ticket_code)))
        db.session.remove()
        db.engine.dispose()
    return counts, problems, tickets


def test_backup_restores_into_a_fresh_database(databases, tmp_path: Path) -> None:
    src_uri, dst_uri = databases
    source = make_test_app(tmp_path / "src", src_uri)
    migrate_to_head(source)
    with source.app_context():
        from eventnet.demo import load_demo

        load_demo(attendees=20, seed=7)
        db.session.remove()
    instance = Path(source.instance_path)
    (instance / "reports").mkdir(parents=True, exist_ok=True)
    (instance / "reports" / "event-1.pdf").write_bytes(b"%PDF-1.7 report")
    (instance / "secret_key").write_text("do-not-copy-me")
    before, problems, tickets = _snapshot(source)
    assert not problems
    assert before["registrations"] >= 20 and before["persons"] > 0

    archive = tmp_path / "eventnet-backup.tar"
    result = source.test_cli_runner().invoke(args=["backup", str(archive)])
    assert result.exit_code == 0, result.output
    assert "Backup written" in result.output
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert "manifest.json" in names and "instance/reports/event-1.pdf" in names
    assert "instance/secret_key" not in names

    target = make_test_app(tmp_path / "dst", dst_uri)
    result = target.test_cli_runner().invoke(args=["restore", str(archive)])
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output

    after, problems, restored_tickets = _snapshot(target)
    assert after == before
    assert not problems
    assert restored_tickets == tickets
    restored = Path(target.instance_path)
    assert (restored / "reports" / "event-1.pdf").read_bytes() == b"%PDF-1.7 report"
    assert not (restored / "secret_key").exists() or (
        (restored / "secret_key").read_text() != "do-not-copy-me"
    )
    # The restored database accepts the schema's unique rules as before.
    with target.app_context():
        from eventnet.models import Person

        email = db.session.scalars(sa.select(Person.email).limit(1)).one()
        with pytest.raises(sa.exc.IntegrityError):
            db.session.add(Person(email=email, name="Duplicate"))
            db.session.flush()
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()

    # A second restore onto the now non-empty database is refused without --force.
    again = target.test_cli_runner().invoke(args=["restore", str(archive)])
    assert again.exit_code != 0 and "--force" in again.output
    with target.app_context():
        db.engine.dispose()
