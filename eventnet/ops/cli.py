"""Operations commands: ``eventnet worker``, ``scheduler``, ``backup`` and ``restore``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from .queues import QUEUES


def _app() -> Flask:
    return current_app._get_current_object()  # type: ignore[attr-defined,no-any-return]


@click.command("worker")
@click.option(
    "--queues",
    default=",".join(QUEUES),
    show_default=True,
    help="Comma-separated queues, highest priority first.",
)
@click.option("--burst", is_flag=True, help="Run the queued jobs, then exit.")
@click.option("--simple", is_flag=True, help="Run jobs in this process instead of forking.")
@click.option(
    "--nice",
    type=click.IntRange(0, 19),
    default=None,
    help="CPU priority (0-19, higher yields more); default: EVENTNET_WORKER_NICE (10).",
)
@with_appcontext
def worker_command(queues: str, burst: bool, simple: bool, nice: int | None) -> None:
    """Run an RQ worker for mail, matching and reports (needs EVENTNET_REDIS_URL)."""
    from .worker import lower_priority, make_worker

    app = _app()
    if not app.config.get("REDIS_URL"):
        raise click.ClickException("eventnet worker needs EVENTNET_REDIS_URL")
    lower_priority(
        app.config["WORKER_NICE"] if nice is None else nice,
        idle=bool(app.config.get("WORKER_SCHED_IDLE", True)),
    )
    names = tuple(name.strip() for name in queues.split(",") if name.strip())
    worker = make_worker(app, names, simple=simple)
    worker.work(burst=burst, with_scheduler=False)


@click.command("scheduler")
@click.option("--interval", type=float, default=None, help="Seconds between ticks.")
@click.option("--once", is_flag=True, help="Run one tick (if leader) and exit.")
@with_appcontext
def scheduler_command(interval: float | None, once: bool) -> None:
    """Run the periodic tick work; safe to start on several machines (one leads)."""
    from .scheduler import run_scheduler

    ticks = run_scheduler(_app(), interval=interval, once=once)
    if once:
        click.echo(f"ticks run: {ticks}")


@click.command("backup")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--include-secrets", is_flag=True, help="Also store instance/secret_key and instance/config.py."
)
@with_appcontext
def backup_command(out: Path, include_secrets: bool) -> None:
    """Write the database and the instance files to the tar file OUT."""
    from .backup import BackupError, backup

    try:
        summary = backup(_app(), out, include_secrets=include_secrets)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Backup written: {summary}")


@click.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that is not empty.")
@with_appcontext
def restore_command(archive: Path, force: bool) -> None:
    """Restore a backup made by ``eventnet backup`` into this app's database and instance."""
    from ..extensions import db
    from .backup import BackupError, restore
    from .invariants import invariant_problems

    app = _app()
    try:
        summary = restore(app, archive, force=force)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Restored: {summary}")
    problems = invariant_problems()
    db.session.remove()
    for problem in problems:
        click.echo(f"warning: {problem}", err=True)
    click.echo("Next: eventnet db upgrade (when this code is newer than the backup).")


def register_ops_cli(app: Flask) -> None:
    for command in (worker_command, scheduler_command, backup_command, restore_command):
        app.cli.add_command(command)
