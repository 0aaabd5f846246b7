"""``make serve``: the production stack on this machine, for trying it out and for benchmarks.

    python -m eventnet.ops.serve [--port 8000] [--workers 3] [--no-demo]

Runs in production mode (``EVENTNET_ENV=production``) against the PostgreSQL and Redis on
127.0.0.1: creates the database ``eventnet_serve`` when missing, keeps a generated secret in
``instance/secret_key``, migrates, loads the demo into an empty database, then supervises
gunicorn, an RQ worker and the scheduler. Ctrl-C (or SIGTERM) stops all three; if one of them
dies, the others are stopped too. ``EVENTNET_ALLOW_LOCAL_BASE_URL=true`` is the documented
opt-in that lets production mode use http://127.0.0.1 as its base URL.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from ..config import load_or_create_secret

DEFAULT_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/eventnet_serve"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"


def ensure_database(url: str) -> bool:
    """Create the database named in ``url`` when it does not exist; True when created."""
    target = make_url(url)
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"),
                {"name": target.database},
            ).scalar()
            if not exists:
                conn.exec_driver_sql(f'CREATE DATABASE "{target.database}"')
    finally:
        admin.dispose()
    return not exists


def production_env(args: argparse.Namespace, instance: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "EVENTNET_ENV": "production",
            "EVENTNET_INSTANCE_PATH": str(instance),
            "EVENTNET_SECRET_KEY": load_or_create_secret(str(instance)),
            "EVENTNET_SQLALCHEMY_DATABASE_URI": args.database,
            "EVENTNET_REDIS_URL": args.redis,
            "EVENTNET_JOBS_BACKEND": "rq",
            "EVENTNET_BASE_URL": args.base_url or f"http://127.0.0.1:{args.port}",
            "EVENTNET_ALLOW_LOCAL_BASE_URL": "true",
            "EVENTNET_GUNICORN_BIND": f"127.0.0.1:{args.port}",
            "EVENTNET_GUNICORN_WORKERS": str(args.workers),
        }
    )
    return env


def _bin(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


class Supervisor:
    """Starts processes, stops them all (TERM, then KILL after a grace period) on exit."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.procs: dict[str, subprocess.Popen[Any]] = {}
        self.stopping = False

    def start(self, name: str, argv: list[str]) -> None:
        print(f"serve: starting {name}: {' '.join(argv)}", flush=True)
        self.procs[name] = subprocess.Popen(argv, env=self.env)  # noqa: S603

    def stop(self, grace: float = 15.0) -> None:
        self.stopping = True
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace
        for name, proc in self.procs.items():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                print(f"serve: {name} did not stop in time; killing it", flush=True)
                proc.kill()
                proc.wait()

    def wait(self) -> int:
        """Block until one process exits (or we are told to stop); return an exit code."""
        while not self.stopping:
            for name, proc in self.procs.items():
                code = proc.poll()
                if code is not None:
                    print(f"serve: {name} exited with {code}; stopping the rest", flush=True)
                    return code or 1
            time.sleep(0.5)
        return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT_SERVE", 8000)))
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--database", default=os.environ.get("SERVE_DATABASE", DEFAULT_DATABASE))
    parser.add_argument("--redis", default=os.environ.get("SERVE_REDIS", DEFAULT_REDIS))
    parser.add_argument("--instance", default=os.environ.get("EVENTNET_INSTANCE_PATH", "instance"))
    parser.add_argument(
        "--base-url", default=None, help="Public URL (default http://127.0.0.1:PORT)."
    )
    parser.add_argument("--no-demo", action="store_true", help="Do not load the demo world.")
    parser.add_argument("--scheduler-interval", type=int, default=30)
    args = parser.parse_args(argv)

    instance = Path(args.instance).resolve()
    instance.mkdir(parents=True, exist_ok=True)
    if ensure_database(args.database):
        print(f"serve: created database {make_url(args.database).database}", flush=True)
    env = production_env(args, instance)
    eventnet = _bin("eventnet")
    subprocess.run([eventnet, "db", "upgrade"], env=env, check=True)  # noqa: S603
    if not args.no_demo:
        subprocess.run([eventnet, "demo", "--if-empty"], env=env, check=True)  # noqa: S603

    supervisor = Supervisor(env)

    def _stop(*_: Any) -> None:
        supervisor.stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    supervisor.start("gunicorn", [_bin("gunicorn"), "-c", "python:eventnet.ops.gunicorn_conf"])
    # In the web processes' session: the worker's SCHED_IDLE policy yields to them only
    # within one session (systemd's CPUWeight=idle does it across services).
    supervisor.start("worker", [eventnet, "worker"])
    supervisor.start(
        "scheduler", [eventnet, "scheduler", "--interval", str(args.scheduler_interval)]
    )
    print(
        f"\n  eventnet (production mode) on http://127.0.0.1:{args.port}"
        f"  ·  health: /healthz  ·  readiness: /readyz  ·  Ctrl-C stops everything\n",
        flush=True,
    )
    code = 0
    try:
        code = supervisor.wait()
    finally:
        supervisor.stop()
    return code


if __name__ == "__main__":
    sys.exit(main())
