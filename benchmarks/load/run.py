"""``make bench-load``: eventnet under load on gunicorn + PostgreSQL, next to its ceiling.

    python -m benchmarks.load.run [--levels 8,32,64] [--duration 8] [--rounds 3] [--write]

One run, all on loopback, bounded (each step stops after ``--duration`` seconds or
``--max-requests`` requests):

1. fresh databases ``ev_bench_load`` and ``ev_bench_ceiling`` on the local PostgreSQL;
   eventnet migrated and seeded (the demo world, one "popular" event per concurrency level);
2. eventnet in production mode on gunicorn (+ one RQ worker for its mail jobs) and the
   ceiling app (`ceiling_app.py`: one INSERT per request) on gunicorn with the same settings;
3. per concurrency level: (a) the public event page, (b) registrations racing for the last
   places of a popular event (the JSON API), the ceiling's inserts, (c) the attendee list as
   a signed-in organizer;
4. afterwards the database is checked: no role over its quota, waiting lists without gaps,
   one row per accepted registration.

``--write`` appends the results to the ``## Load`` section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import platform
import re
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from .client import Result, build_request, fetch, run_load

try:
    import uvloop
except ImportError:  # the plain `scale` install: asyncio's own loop
    uvloop = None  # type: ignore[assignment]
CLIENT_LOOP = "uvloop" if uvloop is not None else "asyncio"

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
APP_DB = "ev_bench_load"
CEILING_DB = "ev_bench_ceiling"
POPULAR_QUOTAS = {"staff": 4, "student": 12, "employer": 4}  # 20 places: every level races for them
ROLES = ("student", "student", "staff", "employer")
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


# --------------------------------------------------------------------------- setup


def run_client(main: Any) -> Any:
    """Run the load generator on uvloop when installed (``make bench-load`` installs it):
    it shares the cores with the stack under test, and on uvloop it takes about half the
    CPU per request that it takes on asyncio's own loop."""
    return uvloop.run(main) if uvloop is not None else asyncio.run(main)


def recreate_database(server: str, name: str) -> str:
    admin = sa.create_engine(
        make_url(server).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return make_url(server).set(database=name).render_as_string(hide_password=False)


def eventnet_env(args: argparse.Namespace, uri: str, instance: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "EVENTNET_ENV": "production",
            "EVENTNET_INSTANCE_PATH": str(instance),
            "EVENTNET_SECRET_KEY": secrets.token_urlsafe(48),
            "EVENTNET_SQLALCHEMY_DATABASE_URI": uri,
            "EVENTNET_REDIS_URL": args.redis,
            "EVENTNET_JOBS_BACKEND": "rq",
            "EVENTNET_BASE_URL": f"http://{HOST}:{args.app_port}",
            "EVENTNET_ALLOW_LOCAL_BASE_URL": "true",
            # One client address sends everything: the per-IP limits would answer 429.
            "EVENTNET_RATELIMIT_ENABLED": "false",
            "EVENTNET_LOG_LEVEL": "WARNING",
            "EVENTNET_GUNICORN_BIND": f"{HOST}:{args.app_port}",
        }
    )
    env.update(gunicorn_env(args))
    return env


def gunicorn_env(args: argparse.Namespace) -> dict[str, str]:
    return {
        "EVENTNET_GUNICORN_WORKERS": str(args.workers),
        "EVENTNET_GUNICORN_THREADS": str(args.threads),
        "EVENTNET_GUNICORN_ACCESSLOG": "",  # both apps without access logs
        "EVENTNET_GUNICORN_MAX_REQUESTS": "0",
        "EVENTNET_GUNICORN_PRELOAD": "true",
    }


def seed(env: dict[str, str], levels: list[int]) -> dict[str, Any]:
    """Migrate, load the demo world and one popular event per level (in this process)."""
    subprocess.run([str(BIN / "eventnet"), "db", "upgrade"], env=env, check=True, cwd=ROOT)
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        from eventnet import create_app
        from eventnet.demo import DEMO_ORGANIZER_EMAIL, DEMO_ORGANIZER_PASSWORD, load_demo
        from eventnet.extensions import db
        from eventnet.models import AttendeeRole, Event, EventStatus, Interest, RoleQuota

        app = create_app()
        with app.app_context():
            summary = load_demo(attendees=200, seed=11)
            starts = datetime.now(UTC) + timedelta(days=30)
            for slug in ["popular-warmup", *(f"popular-c{level}" for level in levels)]:
                event = Event(
                    slug=slug,
                    title="Employer speed-meeting night (popular)",
                    summary="Limited places",
                    description="A popular event: places go in minutes.",
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=3),
                    timezone="Europe/Helsinki",
                    venue="Main hall",
                    status=EventStatus.PUBLISHED,
                    capacity=sum(POPULAR_QUOTAS.values()),
                )
                event.quotas = [
                    RoleQuota(role=AttendeeRole(r), capacity=c) for r, c in POPULAR_QUOTAS.items()
                ]
                for label in ("Data science", "Internships", "Circular economy"):
                    event.interests.append(
                        Interest(label=label, slug=label.lower().replace(" ", "-"))
                    )
                db.session.add(event)
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
        return {
            "uri": env["EVENTNET_SQLALCHEMY_DATABASE_URI"],
            "page_slug": summary.events[0],
            "organizer": (DEMO_ORGANIZER_EMAIL, DEMO_ORGANIZER_PASSWORD),
        }
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextmanager
def processes(
    specs: list[tuple[str, list[str], dict[str, str]]], log_dir: Path
) -> Iterator[dict[str, int]]:
    procs = []
    try:
        for name, argv, env in specs:
            log = (log_dir / f"{name}.log").open("w")
            # Everything in this session, the RQ worker included: its SCHED_IDLE policy
            # (WORKER_SCHED_IDLE) yields to the web processes within one session, as the
            # systemd unit's CPUWeight=idle does between services.
            procs.append(
                (
                    name,
                    subprocess.Popen(
                        argv,
                        env=env,
                        cwd=ROOT,
                        stdout=log,
                        stderr=log,
                    ),
                )
            )
        yield {name: proc.pid for name, proc in procs}
    finally:
        for _name, proc in procs:
            proc.terminate()
        for name, proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                print(f"bench: {name} did not stop; killing it", file=sys.stderr)
                proc.kill()
                proc.wait()


async def wait_until_up(port: int, path: str, seconds: float = 240) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            status, _, _ = await fetch(HOST, port, build_request("GET", path, host=HOST), 2)
            if status == 200:
                return
        except OSError:
            pass
        await asyncio.sleep(0.3)
    raise SystemExit(f"bench: nothing answered on {HOST}:{port}{path}")


def _cookie(headers: dict[str, str], jar: dict[str, str]) -> dict[str, str]:
    for line in headers.get("set-cookie", "").split("\n"):
        if "=" in line:
            name, value = line.split(";", 1)[0].split("=", 1)
            jar[name.strip()] = value.strip()
    return jar


async def sign_in(port: int, email: str, password: str) -> str:
    """The organizer's session cookie, got like a browser would (CSRF token included)."""
    host = f"{HOST}:{port}"
    status, headers, body = await fetch(HOST, port, build_request("GET", "/auth/login", host=host))
    jar = _cookie(headers, {})
    match = CSRF_RE.search(body.decode())
    if status != 200 or not match:
        raise SystemExit(f"bench: the sign-in page answered {status}")
    form = urllib.parse.urlencode({"email": email, "password": password, "csrf_token": match[1]})
    cookie = "; ".join(f"{k}={v}" for k, v in jar.items())
    status, headers, _ = await fetch(
        HOST,
        port,
        build_request(
            "POST",
            "/auth/login",
            host=host,
            body=form.encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
        ),
    )
    if status != 302:
        raise SystemExit(f"bench: signing in answered {status}")
    jar = _cookie(headers, jar)
    return "; ".join(f"{k}={v}" for k, v in jar.items())


# --------------------------------------------------------------------------- CPU accounting

CPU_COST: dict[tuple[str, int], dict[str, float]] = {}  # ms of CPU per request, per step
_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _proc_table() -> dict[int, tuple[int, str, float]]:
    """pid -> (parent pid, command name, CPU seconds incl. reaped children), from /proc."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        ticks = sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
        table[int(entry)] = (int(fields[1]), name, ticks / _TICKS)
    return table


def cpu_snapshot(pids: dict[str, int]) -> dict[str, float]:
    """CPU seconds used so far by each started process tree, PostgreSQL and this client."""
    table = _proc_table()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _name, _cpu) in table.items():
        children.setdefault(ppid, []).append(pid)

    def tree(root: int) -> float:
        total, todo = 0.0, [root]
        while todo:
            pid = todo.pop()
            total += table.get(pid, (0, "", 0.0))[2]
            todo += children.get(pid, [])
        return total

    snapshot = {name: tree(pid) for name, pid in pids.items()}
    snapshot["postgres"] = sum(c for _p, name, c in table.values() if name.startswith("postgres"))
    snapshot["redis"] = sum(c for _p, name, c in table.values() if name.startswith("redis-server"))
    snapshot["client"] = sum(os.times()[:2])
    return snapshot


CPU_SPENT: dict[tuple[str, int], tuple[int, dict[str, float]]] = {}  # requests, CPU seconds


async def measured(pids: dict[str, int], name: str, *args: Any, **kwargs: Any) -> Result:
    """`run_load`, noting the CPU each part of the stack spent per request meanwhile (over
    all rounds of the step so far)."""
    before = cpu_snapshot(pids)
    result = await run_load(name, *args, **kwargs)
    after = cpu_snapshot(pids)
    key = (name, result.concurrency)
    requests, spent = CPU_SPENT.get(key, (0, {}))
    requests += result.requests
    spent = {part: spent.get(part, 0.0) + after[part] - before[part] for part in after}
    CPU_SPENT[key] = (requests, spent)
    if requests:
        CPU_COST[key] = {part: cpu * 1000 / requests for part, cpu in spent.items()}
    return result


def merged(results: list[Result]) -> list[Result]:
    """One result per (scenario, concurrency): the rounds of a step added up."""
    steps: dict[tuple[str, int], Result] = {}
    for r in results:
        step = steps.setdefault(
            (r.name, r.concurrency), Result(r.name, r.concurrency, checked=r.checked)
        )
        step.duration += r.duration
        step.latencies.extend(r.latencies)
        step.statuses.update(r.statuses)
        step.errors.update(r.errors)
    return list(steps.values())


# --------------------------------------------------------------------------- mail after a rush

MAIL_DRAIN: dict[int, dict[str, float]] = {}  # per level: mail sent, seconds, worker CPU


def drain_mail(uri: str, pids: dict[str, int], level: int | None, seconds: float = 300) -> None:
    """Wait until the RQ worker has sent every queued mail; note how long it took.

    The worker runs only on CPU time the web processes leave (``WORKER_NICE`` and
    ``WORKER_SCHED_IDLE``), so in a rush it yields the CPU and the mail waits; this is the
    catching up afterwards. It also
    keeps one step's mail from being counted in the next step's CPU figures. ``level``
    None: the warm-up's mail, waited for and not reported.
    """
    engine = sa.create_engine(uri)
    pending = sa.text("SELECT count(*) FROM outbox_messages WHERE status = 'pending'")
    sent = sa.text(
        "SELECT count(*) FROM outbox_messages o JOIN events e ON e.id = o.event_id "
        "WHERE e.slug = :slug AND o.status = 'sent'"
    )
    before = cpu_snapshot(pids)["worker"]
    started = time.monotonic()
    try:
        while time.monotonic() - started < seconds:
            with engine.connect() as conn:
                if not conn.execute(pending).scalar_one():
                    break
            time.sleep(0.1)
        else:
            print(f"bench: mail of c={level} not all sent after {seconds:g} s", file=sys.stderr)
        with engine.connect() as conn:
            mails = conn.execute(sent, {"slug": f"popular-c{level}"}).scalar_one()
    finally:
        engine.dispose()
    if level is None:
        return
    earlier = MAIL_DRAIN.get(level, {"seconds": 0.0, "worker_cpu": 0.0})
    MAIL_DRAIN[level] = {
        "mails": mails,  # every mail of this step's event, sent during the step or after
        "seconds": earlier["seconds"] + time.monotonic() - started,  # over all rounds
        "worker_cpu": earlier["worker_cpu"] + cpu_snapshot(pids)["worker"] - before,
    }


# --------------------------------------------------------------------------- scenarios


def registration_body(run: str, level: int, n: int) -> bytes:
    return json.dumps(
        {
            "name": f"Load Tester {n}",
            "email": f"load-{run}-c{level}-{n}@bench.example",
            "role": ROLES[n % len(ROLES)],
            "organization": f"Bench Organization {n % 40}",
            "interests": ["Data science", "Internships"],
            "offers": ["Data science"],
            "seeks": ["Internships"],
            "goals": "Meet people who hire international graduates.",
            "job_title": "Recruiter" if ROLES[n % len(ROLES)] != "student" else "",
            "degree_programme": "MSc Data Science",
            "study_level": "master",
            "graduation_year": 2027,
            "country": "FI",
            "languages": ["en"],
            "consent_privacy": True,
            "consent_profile": True,
            "locale": "en",
        }
    ).encode()


def expect(*statuses: int):  # type: ignore[no-untyped-def]
    def check(status: int, _headers: dict[str, str], _body: bytes) -> str | None:
        return None if status in statuses else f"HTTP {status}"

    return check


async def scenarios(
    args: argparse.Namespace, info: dict[str, Any], run: str, pids: dict[str, int]
) -> list[Result]:
    app_host = f"{HOST}:{args.app_port}"
    ceiling_host = f"{HOST}:{args.ceiling_port}"
    page = build_request("GET", f"/events/{info['page_slug']}", host=app_host)
    cookie = await sign_in(args.app_port, *info["organizer"])
    attendees = build_request(
        "GET",
        f"/admin/events/{info['page_slug']}/attendees",
        host=app_host,
        headers={"Cookie": cookie},
    )

    def registration(slug: str, level: int, first: int = 0):  # type: ignore[no-untyped-def]
        path = f"/api/v1/events/{slug}/registrations"

        def make(n: int) -> bytes:
            return build_request(
                "POST",
                path,
                host=app_host,
                body=registration_body(run, level, first + n),
                headers={"Content-Type": "application/json"},
            )

        return make

    def ceiling(level: int, first: int = 0):  # type: ignore[no-untyped-def]
        def make(n: int) -> bytes:
            return build_request(
                "POST",
                "/insert",
                host=ceiling_host,
                body=registration_body(run, level, first + n),
                headers={"Content-Type": "application/json"},
            )

        return make

    bounds = {"duration": args.duration, "max_requests": args.max_requests}
    # Warm-up: every gunicorn worker imports and connects before anything is measured.
    await run_load(
        "warmup", HOST, args.app_port, lambda n: page, concurrency=8, duration=2, max_requests=400
    )
    await run_load(
        "warmup",
        HOST,
        args.app_port,
        registration("popular-warmup", 0),
        concurrency=8,
        duration=2,
        max_requests=100,
    )
    await run_load(
        "warmup", HOST, args.ceiling_port, ceiling(0), concurrency=8, duration=2, max_requests=200
    )
    await run_load(
        "warmup",
        HOST,
        args.app_port,
        lambda n: attendees,
        concurrency=4,
        duration=2,
        max_requests=40,
    )
    drain_mail(info["uri"], pids, None)  # the warm-up's mail is not the first step's work

    results = []
    scenario = set(args.scenarios.split(","))
    # Each level's steps run ``--rounds`` times in turn (ceiling, registration, page...):
    # on a shared machine the speed drifts within seconds, and interleaving lets the
    # ceiling and registration of a level meet the same drift.
    for level, round_ in itertools.product(args.levels, range(args.rounds)):
        first = round_ * args.max_requests
        if "ceiling" in scenario:
            results.append(
                await measured(
                    pids,
                    "ceiling insert",
                    HOST,
                    args.ceiling_port,
                    ceiling(level, first),
                    concurrency=level,
                    check=expect(201),
                    **bounds,
                )
            )
        if "register" in scenario:
            results.append(
                await measured(
                    pids,
                    "registration",
                    HOST,
                    args.app_port,
                    registration(f"popular-c{level}", level, first),
                    concurrency=level,
                    check=expect(201, 202),
                    **bounds,
                )
            )
            drain_mail(info["uri"], pids, level)
        if "page" in scenario:
            results.append(
                await measured(
                    pids,
                    "event page",
                    HOST,
                    args.app_port,
                    lambda n: page,
                    concurrency=level,
                    check=expect(200),
                    **bounds,
                )
            )
        if "attendees" in scenario:
            results.append(
                await measured(
                    pids,
                    "attendee list",
                    HOST,
                    args.app_port,
                    lambda n: attendees,
                    concurrency=level,
                    check=expect(200),
                    **bounds,
                )
            )
    return merged(results)


# --------------------------------------------------------------------------- checks and report


def check_database(uri: str, levels: list[int], results: list[Result]) -> list[str]:
    """Oversold places, waiting-list gaps and lost or duplicated registrations."""
    engine = sa.create_engine(uri)
    lines = []
    with engine.connect() as conn:
        for level in levels:
            slug = f"popular-c{level}"
            rows = conn.execute(
                sa.text(
                    "SELECT r.role, r.status, count(*) FROM registrations r "
                    "JOIN events e ON e.id = r.event_id WHERE e.slug = :slug "
                    "GROUP BY r.role, r.status"
                ),
                {"slug": slug},
            ).all()
            counts: dict[str, dict[str, int]] = {}
            for role, status, n in rows:
                counts.setdefault(role, {})[status] = n
            oversold = {
                role: counts.get(role, {}).get("confirmed", 0) - quota
                for role, quota in POPULAR_QUOTAS.items()
                if counts.get(role, {}).get("confirmed", 0) > quota
            }
            gaps = conn.execute(
                sa.text(
                    "SELECT r.role, count(*), min(waitlist_position), max(waitlist_position) "
                    "FROM registrations r JOIN events e ON e.id = r.event_id "
                    "WHERE e.slug = :slug AND r.status = 'waitlisted' GROUP BY r.role"
                ),
                {"slug": slug},
            ).all()
            bad_lists = [role for role, n, lo, hi in gaps if (lo, hi) != (1, n)]
            accepted = sum(
                n
                for r in results
                if r.name == "registration" and r.concurrency == level
                for status, n in r.statuses.items()
                if status in (201, 202)
            )
            stored = sum(sum(by_status.values()) for by_status in counts.values())
            confirmed = sum(c.get("confirmed", 0) for c in counts.values())
            waitlisted = sum(c.get("waitlisted", 0) for c in counts.values())
            lines.append(
                f"c={level}: {accepted} accepted, {stored} stored ({confirmed} confirmed of "
                f"{sum(POPULAR_QUOTAS.values())} places, {waitlisted} waitlisted); "
                f"oversold: {sum(oversold.values())}; waiting lists with gaps: {len(bad_lists)}"
            )
            if oversold or bad_lists or accepted != stored:
                lines[-1] += "  <-- PROBLEM"
    engine.dispose()
    return lines


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    pg = subprocess.run(
        ["psql", "--version"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    return (
        f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB RAM, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}, {pg or 'PostgreSQL'}"
    )


def _error_kinds(r: Result) -> str:
    return f" ({', '.join(f'{k}: {v}' for k, v in r.errors.items())})" if r.errors else ""


def report(args: argparse.Namespace, results: list[Result], checks: list[str]) -> str:
    by = {(r.name, r.concurrency): r for r in results}
    out = [
        f"### Run of {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"Machine: {machine()}. Load generator ({CLIENT_LOOP}), gunicorn "
        f"({args.workers} sync workers per app"
        f"{f', {args.threads} threads' if args.threads > 1 else ''}), one RQ worker, "
        "PostgreSQL and Redis all share these cores, on loopback. Load average when the run "
        f"ended: {' / '.join(f'{x:.1f}' for x in os.getloadavg())} (1/5/15 min; other "
        "processes on the machine count too).",
        "",
        f'Command: `make bench-load BENCH_LOAD_ARGS="{" ".join(sys.argv[1:])}"` '
        f"(each step: {args.duration:g} s or {args.max_requests} requests, whichever first"
        + (
            f"; each level's steps run {args.rounds} times in turn and are added up)."
            if args.rounds > 1
            else ")."
        ),
        "",
        "| scenario | concurrency | requests | req/s | p50 ms | p95 ms | p99 ms | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        out.append(
            f"| {r.name} | {r.concurrency} | {r.requests} | {r.throughput:.0f} | "
            f"{r.percentile(50):.1f} | {r.percentile(95):.1f} | {r.percentile(99):.1f} | "
            f"{r.failed}{_error_kinds(r)} |"
        )
    if CPU_COST:
        out += [
            "",
            "CPU per request, in ms, spent meanwhile by each part of the stack (from /proc;"
            " the RQ worker's CPU while the step ran; its catching up afterwards is in the"
            " mail table below):",
            "",
            "| scenario | concurrency | app (gunicorn) | PostgreSQL | Redis | RQ worker |"
            " load generator | total |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for r in results:
            cost = CPU_COST.get((r.name, r.concurrency))
            if not cost:
                continue
            app = cost["ceiling" if r.name == "ceiling insert" else "eventnet"]
            parts = [app, cost["postgres"], cost["redis"], cost["worker"], cost["client"]]
            out.append(
                f"| {r.name} | {r.concurrency} | "
                + " | ".join(f"{x:.1f}" for x in parts)
                + f" | {sum(parts):.1f} |"
            )
    if MAIL_DRAIN:
        out += [
            "",
            "Mail after each registration step: the RQ worker runs only on CPU time the web"
            " processes leave (`WORKER_NICE` 10 and `WORKER_SCHED_IDLE`), so while they are"
            " busy it yields and the mail waits; this is how long it took afterwards until"
            " every registrant's mail"
            " was sent, and the registration rate if the step had to include that time:",
            "",
            "| concurrency | registrations | mails sent | all sent after (s) | RQ worker CPU"
            " per mail, during and after (ms) | registrations/s incl. mail |",
            "| ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for level, drained in MAIL_DRAIN.items():
            reg = by.get(("registration", level))
            if reg is None:
                continue
            mails = int(drained["mails"])
            cpu = (
                drained["worker_cpu"]
                + CPU_COST[("registration", level)]["worker"] * reg.requests / 1000
            )
            per_mail = cpu * 1000 / mails if mails else 0.0
            sustained = reg.requests / (reg.duration + drained["seconds"])
            out.append(
                f"| {level} | {reg.requests} | {mails} | {drained['seconds']:.1f} | "
                f"{per_mail:.1f} | {sustained:.0f} |"
            )
    out += ["", "Ratios (same run, same concurrency):", ""]
    best = {}
    for level in args.levels:
        reg, ceil, page = (
            by.get(("registration", level)),
            by.get(("ceiling insert", level)),
            by.get(("event page", level)),
        )
        parts = []
        if reg and ceil and ceil.throughput:
            parts.append(f"registration / ceiling = {reg.throughput / ceil.throughput:.1%}")
        if reg and page and reg.throughput:
            parts.append(f"event page / registration = {page.throughput / reg.throughput:.1f}x")
        if parts:
            out.append(f"- c={level}: " + "; ".join(parts))
    for name in ("registration", "ceiling insert", "event page", "attendee list"):
        runs = [r for r in results if r.name == name]
        if runs:
            best[name] = max(runs, key=lambda r: r.throughput)
    if "registration" in best and "ceiling insert" in best:
        reg, ceil = best["registration"], best["ceiling insert"]
        out.append(
            f"- best of each: registration {reg.throughput:.0f}/s (c={reg.concurrency}) vs "
            f"ceiling {ceil.throughput:.0f}/s (c={ceil.concurrency}) = "
            f"{reg.throughput / ceil.throughput:.1%}"
            + (
                f"; event page {best['event page'].throughput:.0f}/s = "
                f"{best['event page'].throughput / reg.throughput:.1f}x registration"
                if "event page" in best
                else ""
            )
        )
    errors = sum(r.failed for r in results)
    out += ["", f"Errors in all measured steps: {errors}.", "", "Database after the run:", ""]
    out += [f"- {line}" for line in checks]
    return "\n".join(out) + "\n"


def write_report(text: str) -> None:
    path = ROOT / "docs" / "benchmarks.md"
    existing = path.read_text() if path.exists() else "# Benchmarks\n"
    if "\n## Load\n" not in f"\n{existing}":
        existing = (
            existing.rstrip("\n") + "\n\n## Load\n\nSee benchmarks/load/ and docs/deploy.md.\n"
        )
        path.write_text(existing)
    # Append-only: the new run goes at the end of the Load section.
    head, _, rest = existing.partition("\n## Load\n")
    section, sep, after = rest.partition("\n## ")
    section = section.rstrip("\n") + "\n\n" + text
    path.write_text(
        head + "\n## Load\n" + section + (("\n" + sep.lstrip("\n") + after) if sep else "")
    )


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="eventnet load benchmark (loopback only)")
    parser.add_argument("--levels", default="4,16,64")
    parser.add_argument("--duration", type=float, default=8.0)
    parser.add_argument("--max-requests", type=int, default=20000)
    parser.add_argument("--workers", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--scenarios", default="ceiling,register,page,attendees")
    parser.add_argument(
        "--rounds", type=int, default=1, help="Run each level's steps this many times, in turn."
    )
    parser.add_argument("--server", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--app-port", type=int, default=8101)
    parser.add_argument("--ceiling-port", type=int, default=8102)
    parser.add_argument("--write", action="store_true", help="Append to docs/benchmarks.md.")
    args = parser.parse_args(argv)
    args.levels = [int(x) for x in args.levels.split(",") if x.strip()]
    if args.duration > 60 or args.max_requests > 100_000 or not 1 <= args.rounds <= 10:
        raise SystemExit(
            "bench: keep runs bounded (--duration <= 60, --max-requests <= 100000, --rounds 1-10)"
        )

    from redis import Redis

    redis = Redis.from_url(args.redis)
    redis.flushdb()  # this benchmark's own Redis DB number
    app_uri = recreate_database(args.server, APP_DB)
    ceiling_uri = recreate_database(args.server, CEILING_DB)
    from .ceiling_app import create_schema

    create_schema(ceiling_uri)
    run = secrets.token_hex(3)
    with tempfile.TemporaryDirectory(prefix="eventnet-bench-") as tmp:
        instance = Path(tmp) / "instance"
        env = eventnet_env(args, app_uri, instance)
        print("bench: seeding...", flush=True)
        info = seed(env, args.levels)
        ceiling_env = {
            **os.environ,
            **gunicorn_env(args),
            "CEILING_DATABASE_URI": ceiling_uri,
            "EVENTNET_GUNICORN_BIND": f"{HOST}:{args.ceiling_port}",
        }
        gunicorn = [str(BIN / "gunicorn"), "-c", "python:eventnet.ops.gunicorn_conf"]
        specs = [
            ("eventnet", gunicorn, env),
            ("worker", [str(BIN / "eventnet"), "worker"], env),
            ("ceiling", [*gunicorn, "benchmarks.load.ceiling_app:app"], ceiling_env),
        ]
        with processes(specs, Path(tmp)) as pids:
            try:
                asyncio.run(wait_until_up(args.app_port, "/readyz"))
                asyncio.run(wait_until_up(args.ceiling_port, "/healthz"))
                print("bench: running...", flush=True)
                results = run_client(scenarios(args, info, run, pids))
            finally:
                for name in ("eventnet", "worker", "ceiling"):
                    log = (Path(tmp) / f"{name}.log").read_text()
                    if "Traceback" in log or "Error" in log:
                        print(f"bench: {name} logged errors:\n{log[-3000:]}", file=sys.stderr)
    checks = check_database(app_uri, args.levels, results) if "register" in args.scenarios else []
    redis.flushdb()
    text = report(args, results, checks)
    print(text)
    if args.write:
        write_report(text)
        print("bench: appended to docs/benchmarks.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
