"""``eventnet backup OUT`` / ``eventnet restore IN``: the database plus the instance files.

A backup is one tar file:

- ``manifest.json``: format, eventnet version, time, database backend, Alembic revision;
- ``database.pgdump`` (``pg_dump -Fc``, PostgreSQL) or ``database.sqlite3`` (SQLite's online
  backup API, consistent while the app keeps writing);
- ``instance/...``: generated files (reports, outbox .eml files...). The secret key and
  ``instance/config.py`` (which may hold passwords) are left out unless ``include_secrets``.

Restoring needs an empty database (created by the administrator, or a new SQLite path) unless
``force``; afterwards run ``eventnet db upgrade`` when the code is newer than the backup.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.engine import URL, make_url

from ..extensions import db

FORMAT = 1
SECRET_FILES = {"secret_key", "config.py"}
SKIP_SUFFIXES = ("-wal", "-shm", "-journal", ".lock")


class BackupError(RuntimeError):
    """The backup or restore cannot go on; the message says why."""


@dataclass
class BackupSummary:
    path: Path
    backend: str
    revision: str | None
    instance_files: int

    def __str__(self) -> str:
        return (
            f"{self.path}: {self.backend} database at revision {self.revision or 'none'}, "
            f"{self.instance_files} instance files"
        )


def _url(app: Flask) -> URL:
    return make_url(str(app.config["SQLALCHEMY_DATABASE_URI"]))


def _libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection URI without the password, and the environment that carries it."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    uri = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return uri, env


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(url.database)


def _revision(app: Flask) -> str | None:
    with app.app_context():
        try:
            return db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))
        except sa.exc.DBAPIError:
            return None
        finally:
            db.session.remove()


def _run(args: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{args[0]} failed: {result.stderr.strip() or result.returncode}")


def _instance_files(app: Flask, database: Path | None, include_secrets: bool) -> list[Path]:
    root = Path(app.instance_path)
    if not root.is_dir():
        return []
    files = []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.name.endswith(SKIP_SUFFIXES):
            continue
        if database is not None and path.resolve() == database.resolve():
            continue
        if path.parent == root and path.name in SECRET_FILES and not include_secrets:
            continue
        files.append(path)
    return files


def backup(app: Flask, out: Path, *, include_secrets: bool = False) -> BackupSummary:
    url = _url(app)
    backend = url.get_backend_name()
    revision = _revision(app)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="eventnet-backup-") as tmp:
        sqlite_db: Path | None = None
        if backend == "postgresql":
            dump = Path(tmp) / "database.pgdump"
            uri, env = _libpq(url)
            _run(["pg_dump", "-Fc", "--no-owner", "--no-privileges", "-f", str(dump), uri], env)
        elif backend == "sqlite":
            sqlite_db = _sqlite_path(url)
            dump = Path(tmp) / "database.sqlite3"
            source = sqlite3.connect(sqlite_db)
            target = sqlite3.connect(dump)
            try:
                source.backup(target)
            finally:
                target.close()
                source.close()
        else:
            raise BackupError(f"cannot back up a {backend} database")
        files = _instance_files(app, sqlite_db, include_secrets)
        manifest = {
            "format": FORMAT,
            "created_at": datetime.now(UTC).isoformat(),
            "backend": backend,
            "alembic_revision": revision,
            "includes_secrets": include_secrets,
            "instance_files": len(files),
        }
        partial = out.with_name(out.name + ".partial")
        with tarfile.open(partial, "w") as tar:
            data = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            info.mtime = int(datetime.now(UTC).timestamp())
            tar.addfile(info, io.BytesIO(data))
            tar.add(dump, arcname=dump.name)
            root = Path(app.instance_path)
            for path in files:
                tar.add(path, arcname=f"instance/{path.relative_to(root).as_posix()}")
        partial.replace(out)  # never leave a half-written file under the real name
    out.chmod(0o600)
    return BackupSummary(out, backend, revision, len(files))


def read_manifest(archive: Path) -> dict[str, Any]:
    with tarfile.open(archive, "r") as tar:
        member = tar.extractfile("manifest.json")
        if member is None:
            raise BackupError(f"{archive} is not an eventnet backup (no manifest)")
        manifest: dict[str, Any] = json.load(member)
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unsupported backup format {manifest.get('format')!r}")
    return manifest


def _postgres_is_empty(app: Flask) -> bool:
    with app.app_context():
        count = db.session.scalar(
            sa.text("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")
        )
        db.session.remove()
        db.engine.dispose()
    return not count


def restore(app: Flask, archive: Path, *, force: bool = False) -> BackupSummary:
    manifest = read_manifest(archive)
    url = _url(app)
    backend = url.get_backend_name()
    if manifest["backend"] != backend:
        raise BackupError(
            f"the backup holds a {manifest['backend']} database but this app uses {backend}"
        )
    with (
        tempfile.TemporaryDirectory(prefix="eventnet-restore-") as tmp,
        tarfile.open(archive, "r") as tar,
    ):
        tar.extractall(tmp, filter="data")
        if backend == "postgresql":
            if not force and not _postgres_is_empty(app):
                raise BackupError("the target database is not empty (use --force to replace it)")
            uri, env = _libpq(url)
            args = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error"]
            args += ["--single-transaction", "-d", uri]
            if force:
                args += ["--clean", "--if-exists"]
            _run([*args, str(Path(tmp) / "database.pgdump")], env)
        else:
            target = _sqlite_path(url)
            if target.exists() and target.stat().st_size > 0 and not force:
                raise BackupError(f"{target} exists (use --force to replace it)")
            with app.app_context():
                db.engine.dispose()
            target.parent.mkdir(parents=True, exist_ok=True)
            source = sqlite3.connect(Path(tmp) / "database.sqlite3")
            dest = sqlite3.connect(target)
            try:
                source.backup(dest)
            finally:
                dest.close()
                source.close()
        extracted = Path(tmp) / "instance"
        count = 0
        if extracted.is_dir():
            root = Path(app.instance_path)
            for path in sorted(extracted.rglob("*")):
                if path.is_file():
                    dest_path = root / path.relative_to(extracted)
                    dest_path.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, dest_path)
                    count += 1
    return BackupSummary(archive, backend, manifest.get("alembic_revision"), count)
