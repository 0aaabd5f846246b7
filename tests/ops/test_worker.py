"""`eventnet worker`: RQ jobs queued by eventnet.jobs.enqueue run inside an app context.

Uses the real Redis on 127.0.0.1 (a dedicated DB number), unique queue names and job ids,
and deletes its own keys afterwards (other test runs may share the DB number).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from rq.job import Job, JobStatus

from eventnet.jobs import enqueue
from eventnet.ops.worker import make_worker
from tests.ops import jobs
from tests.ops.conftest import REDIS_URL, forget_rq_keys


@pytest.fixture
def rq_app(fresh_app, redis_client, unique) -> Iterator:  # type: ignore[no-untyped-def]
    app = fresh_app(JOBS_BACKEND="rq", REDIS_URL=REDIS_URL, BASE_URL="https://jobs.example.edu")
    yield app
    forget_rq_keys(redis_client, unique)


@pytest.mark.parametrize("simple", [True, False], ids=["in-process", "forked"])
def test_worker_runs_a_queued_job_in_an_app_context(rq_app, redis_client, unique, simple) -> None:
    queue = f"mail-{unique}"
    with rq_app.app_context():
        job = enqueue(jobs.describe_context, "hello", queue=queue, job_id=f"job-{unique}")
    assert isinstance(job, Job) and job.get_status() == JobStatus.QUEUED
    worker = make_worker(rq_app, (queue,), simple=simple, name=f"worker-{unique}")
    worker.work(burst=True, with_scheduler=False)
    job = Job.fetch(f"job-{unique}", connection=redis_client)
    assert job.get_status() == JobStatus.FINISHED, job.latest_result()
    result = job.return_value()
    assert result["label"] == "hello"
    assert result["base_url"] == "https://jobs.example.edu"
    assert result["database_answer"] == 42
    assert result["request_id"] == f"job-job-{unique}"
    assert (result["pid"] == os.getpid()) is simple


def test_a_forking_worker_delivers_mail_in_its_own_process(rq_app, redis_client, unique) -> None:
    """Mail jobs (MAIL_QUEUE) skip the fork and its cold start; other queues keep it."""
    mail, reports = f"mail-{unique}", f"reports-{unique}"
    rq_app.config["MAIL_QUEUE"] = mail
    with rq_app.app_context():
        enqueue(jobs.describe_context, "mail", queue=mail, job_id=f"mail-{unique}")
        enqueue(jobs.describe_context, "report", queue=reports, job_id=f"report-{unique}")
    worker = make_worker(rq_app, (mail, reports), name=f"worker-{unique}")
    worker.work(burst=True, with_scheduler=False)
    pids = {}
    for name in ("mail", "report"):
        job = Job.fetch(f"{name}-{unique}", connection=redis_client)
        assert job.get_status() == JobStatus.FINISHED, job.latest_result()
        assert job.return_value()["database_answer"] == 42
        pids[name] = job.return_value()["pid"]
    assert pids["mail"] == os.getpid() != pids["report"]


def test_a_failing_job_is_marked_failed_and_the_worker_carries_on(
    rq_app, redis_client, unique
) -> None:
    queue = f"reports-{unique}"
    with rq_app.app_context():
        enqueue(jobs.fail_loudly, queue=queue, job_id=f"bad-{unique}")
        enqueue(jobs.describe_context, "after", queue=queue, job_id=f"good-{unique}")
    make_worker(rq_app, (queue,), simple=True, name=f"worker-{unique}").work(burst=True)
    bad = Job.fetch(f"bad-{unique}", connection=redis_client)
    good = Job.fetch(f"good-{unique}", connection=redis_client)
    assert bad.get_status() == JobStatus.FAILED
    assert "job failed on purpose" in (bad.latest_result().exc_string or "")
    assert good.get_status() == JobStatus.FINISHED


def test_worker_command_refuses_to_start_without_redis(fresh_app) -> None:
    result = fresh_app().test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code != 0 and "EVENTNET_REDIS_URL" in result.output


def test_worker_yields_the_cpu_and_never_raises_its_priority() -> None:
    """`lower_priority` (``eventnet worker``, WORKER_NICE) only ever lowers: a worker that
    systemd started at a higher nice value keeps it. Run in a child: nice is per process."""
    code = (
        "from eventnet.ops.worker import lower_priority; "
        "print(lower_priority(7), lower_priority(3))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    base = os.getpriority(os.PRIO_PROCESS, 0)
    assert out == [str(max(base, 7))] * 2


@pytest.mark.skipif(not hasattr(os, "SCHED_IDLE"), reason="Linux only")
def test_the_worker_runs_under_the_idle_policy_when_asked() -> None:
    """WORKER_SCHED_IDLE: the worker's jobs only take CPU time the web processes leave."""
    code = (
        "import os; from eventnet.ops.worker import lower_priority; lower_priority(0); "
        "print(os.sched_getscheduler(0) == os.SCHED_IDLE); lower_priority(0, idle=True); "
        "print(os.sched_getscheduler(0) == os.SCHED_IDLE)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["False", "True"]
