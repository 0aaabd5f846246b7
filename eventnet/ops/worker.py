"""RQ workers that run every job inside an app context (``eventnet worker``).

`eventnet.jobs.enqueue` stores a job as an importable function plus arguments; the worker
process builds the app once and pushes ``app.app_context()`` around each job, so job code uses
``db.session`` and ``current_app`` exactly as it does when run inline. A forking worker drops
the parent's pooled database connections in the child before the first query.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

from flask import Flask
from rq import Queue
from rq.job import Job
from rq.worker import SimpleWorker, Worker, WorkerStatus

from ..extensions import db
from .logs import request_id_var
from .queues import QUEUES

__all__ = ["QUEUES", "make_worker"]


class _AppContextMixin:
    flask_app: Flask
    _parent_pid: int

    def perform_job(self, job: Job, queue: Queue) -> bool:
        app = self.flask_app
        with app.app_context():
            if os.getpid() != self._parent_pid:
                # A forked horse must not use sockets that belong to the parent's pool.
                db.engine.dispose(close=False)
            token = request_id_var.set(f"job-{job.id}")
            try:
                return super().perform_job(job, queue)  # type: ignore[misc]
            finally:
                request_id_var.reset(token)


class AppWorker(_AppContextMixin, Worker):
    """Forks a work horse per job (isolation: a crashing job cannot take the worker down),
    except for mail delivery (the ``MAIL_QUEUE``), which runs in the worker itself.

    Why: delivering mail is short, frequent work (a job per burst of registrations), and a
    fork per job cost a cold start each time (a new database connection, templates and
    translations loaded again), most of the worker's CPU in a registration rush
    (docs/benchmarks.md, "Load"). Matching and reports keep the fork.
    """

    def execute_job(self, job: Job, queue: Queue) -> None:
        if queue.name != self.flask_app.config.get("MAIL_QUEUE", "mail"):
            super().execute_job(job, queue)
            return
        self.prepare_execution(job)
        self.perform_job(job, queue)
        self.set_state(WorkerStatus.IDLE)


class SimpleAppWorker(_AppContextMixin, SimpleWorker):
    """Runs jobs in the worker process itself (faster; used by tests and ``--simple``)."""


def lower_priority(nice: int, *, idle: bool = False) -> int:
    """Run this process (and the work horses it forks) at CPU priority ``nice`` or lower.

    Never raises the priority: a process started at a higher nice value (by systemd's
    ``Nice=``, say) keeps it. Returns the nice value in force.

    ``idle`` (``WORKER_SCHED_IDLE``): also Linux's ``SCHED_IDLE`` policy, under which the
    worker runs only on CPU time that nothing else wants, and gives it up at once when a
    web process wakes. Measured in a registration rush (docs/benchmarks.md, "Load"): at
    nice 10 alone the worker still took 1-2 ms of CPU per registration from the web
    processes; at SCHED_IDLE 0.3 ms. The policy orders the processes of one session (an
    autogroup) or of one systemd service; across services the unit's ``CPUWeight=idle``
    does the same.

    With Linux autogroups the scheduler first shares the CPU between sessions, and nice only
    orders the processes within one: a worker that leads its own session lowers its
    session's weight too, or it would still take half the CPU from the web processes'.
    """
    if idle and hasattr(os, "SCHED_IDLE"):
        # OSError: not allowed here (a container's seccomp profile, say); nice still holds.
        with contextlib.suppress(OSError):
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    current = os.getpriority(os.PRIO_PROCESS, 0)
    if nice > current:
        os.setpriority(os.PRIO_PROCESS, 0, nice)
    if os.getsid(0) == os.getpid():
        try:
            with open("/proc/self/autogroup", "w") as autogroup:
                autogroup.write(str(max(nice, current)))
        except OSError:  # no autogroups here (another OS, or a kernel without them)
            pass
    return os.getpriority(os.PRIO_PROCESS, 0)


def make_worker(
    app: Flask,
    queues: tuple[str, ...] = QUEUES,
    *,
    simple: bool = False,
    connection: Any = None,
    **kwargs: Any,
) -> Worker | SimpleWorker:
    from redis import Redis

    url = app.config.get("REDIS_URL")
    if connection is None:
        if not url:
            raise RuntimeError("eventnet worker needs EVENTNET_REDIS_URL")
        connection = Redis.from_url(url)
    cls = SimpleAppWorker if simple else AppWorker
    worker = cls(
        [Queue(name, connection=connection) for name in queues], connection=connection, **kwargs
    )
    worker.flask_app = app
    worker._parent_pid = os.getpid()
    return worker
