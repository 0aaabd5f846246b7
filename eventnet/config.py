"""Configuration defaults and the checks production must pass before it serves anything.

Order of precedence: these defaults, then ``instance/config.py``, then ``EVENTNET_*``
environment variables (``EVENTNET_SQLALCHEMY_DATABASE_URI`` sets the database).
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

DEFAULT_SECRET_KEY = "dev-insecure-change-me"  # noqa: S105 - a sentinel production refuses

DEFAULTS: dict[str, Any] = {
    "ENV": "development",
    "SECRET_KEY": None,
    "BASE_URL": "http://127.0.0.1:5000",
    "SQLALCHEMY_DATABASE_URI": None,  # filled with instance/eventnet.sqlite3
    "SQLALCHEMY_ENGINE_OPTIONS": {},
    "ALLOW_SQLITE_IN_PRODUCTION": False,
    "BABEL_DEFAULT_LOCALE": "en",
    "BABEL_DEFAULT_TIMEZONE": "UTC",
    "LANGUAGES": ["en", "fi", "sv"],
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
    "WTF_CSRF_TIME_LIMIT": None,
    "PRIVACY_POLICY_VERSION": "2026-01",
    "PENDING_HOLD_MINUTES": 60 * 24,
    "RETENTION_MONTHS": 12,
    # Mail: "file" writes .eml files to instance/outbox; "smtp" uses MAIL_* below.
    "MAIL_BACKEND": "file",
    "MAIL_SERVER": "127.0.0.1",
    "MAIL_PORT": 25,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_USE_TLS": False,
    "MAIL_USE_SSL": False,
    "MAIL_TIMEOUT": 10,
    "MAIL_DEFAULT_SENDER": "eventnet <no-reply@eventnet.local>",
    "MAIL_DELIVER_INLINE": True,
    "MAIL_MAX_ATTEMPTS": 8,
    # Background work: "inline" runs jobs in-process; "rq" needs REDIS_URL.
    "JOBS_BACKEND": "inline",
    "REDIS_URL": None,
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_STORAGE_URI": "memory://",
    "RATELIMIT_PUBLIC_POST": "20 per minute",
    "RATELIMIT_HEADERS_ENABLED": True,
    # Per-IP budgets on top of the per-route limits (eventnet/web): all public POSTs
    # together, and every API call (security: docs/security.md).
    "RATELIMIT_PUBLIC_BUDGET": "120 per minute",
    "RATELIMIT_API": "300 per minute",
    "PDF_TIMEOUT_SECONDS": 60,
    # Operations (eventnet/ops, docs/deploy.md).
    "LOG_FORMAT": None,  # "json" or "text"; None: json in production, text otherwise
    "LOG_LEVEL": "INFO",
    "PROXY_FIX_X_FOR": 0,  # number of reverse proxies in front that set X-Forwarded-For
    "PROXY_FIX_X_PROTO": 0,
    "PROXY_FIX_X_HOST": 0,
    "PROXY_FIX_X_PORT": 0,
    "PROXY_FIX_X_PREFIX": 0,
    # Connection pool per process (PostgreSQL only); see docs/deploy.md for the arithmetic.
    "DB_POOL_SIZE": 5,
    "DB_MAX_OVERFLOW": 5,
    "DB_POOL_TIMEOUT": 10,
    "DB_POOL_RECYCLE": 1800,
    "DB_CONNECT_TIMEOUT": 5,
    # PostgreSQL's lock_timeout for every connection: a statement that waits longer for a
    # lock fails, and the event lock's wait becomes "please try again" (TryAgain, 503).
    "DB_LOCK_TIMEOUT_MS": 15000,
    # Micro-cache of anonymous public pages, in seconds; None: 5, or 0 (off) when TESTING.
    "PAGE_CACHE_SECONDS": None,
    "PAGE_CACHE_MAX_ENTRIES": 512,
    # How long each process may reuse an event's registration terms (state, window, groups,
    # topics) to validate an API registration before the lock, in seconds; None: 2, or 0
    # (read every time) when TESTING. The lock always reads them fresh.
    "EVENT_TERMS_CACHE_SECONDS": None,
    "SCHEDULER_INTERVAL_SECONDS": 60,
    # CPU priority of `eventnet worker` (nice 0-19): on a machine shared with the web
    # processes, background jobs (mail, reports, matching) yield to the pages people wait
    # for; in a registration rush the mail catches up when the rush eases (docs/deploy.md).
    "WORKER_NICE": 10,
    # ...and under Linux's SCHED_IDLE policy: only on CPU time the web processes of the same
    # session or service leave unused (eventnet.ops.worker.lower_priority).
    "WORKER_SCHED_IDLE": True,
    # Local production-mode runs (`make serve`) may use a loopback EVENTNET_BASE_URL.
    "ALLOW_LOCAL_BASE_URL": False,
}

JOBS_BACKENDS = ("inline", "rq")
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
_INT_SETTINGS = (
    "PROXY_FIX_X_FOR",
    "PROXY_FIX_X_PROTO",
    "PROXY_FIX_X_HOST",
    "PROXY_FIX_X_PORT",
    "PROXY_FIX_X_PREFIX",
    "DB_POOL_SIZE",
    "DB_MAX_OVERFLOW",
    "WORKER_NICE",
    "DB_POOL_TIMEOUT",
    "DB_POOL_RECYCLE",
    "DB_CONNECT_TIMEOUT",
    "DB_LOCK_TIMEOUT_MS",
    "SCHEDULER_INTERVAL_SECONDS",
)


class ConfigError(RuntimeError):
    """Raised when the app is misconfigured; the message says what to fix."""


def load_or_create_secret(instance_path: str) -> str:
    """Return the secret in ``instance/secret_key``, creating it on first run."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


def validate_production(config: dict[str, Any]) -> None:
    """Refuse to serve production traffic with settings that would be unsafe."""
    problems = []
    secret = config.get("SECRET_KEY")
    if not secret or secret == DEFAULT_SECRET_KEY or len(str(secret)) < 32:
        problems.append("EVENTNET_SECRET_KEY must be set to a random value of 32+ characters")
    uri = str(config.get("SQLALCHEMY_DATABASE_URI") or "")
    if uri.startswith("sqlite") and not config.get("ALLOW_SQLITE_IN_PRODUCTION"):
        problems.append(
            "production needs PostgreSQL (EVENTNET_SQLALCHEMY_DATABASE_URI); "
            "set EVENTNET_ALLOW_SQLITE_IN_PRODUCTION=true to opt in to SQLite"
        )
    base = str(config.get("BASE_URL") or "")
    local = "127.0.0.1" in base or "localhost" in base
    if not base.startswith(("https://", "http://")) or (
        local and not config.get("ALLOW_LOCAL_BASE_URL")
    ):
        problems.append(
            "EVENTNET_BASE_URL must be the public URL, e.g. https://events.example.edu "
            "(a local production-mode run may set EVENTNET_ALLOW_LOCAL_BASE_URL=true)"
        )
    if problems:
        raise ConfigError("eventnet refuses to start in production:\n- " + "\n- ".join(problems))


def config_problems(config: dict[str, Any]) -> list[str]:
    """What is wrong with settings that every mode relies on (production or not)."""
    problems = []
    backend = config.get("JOBS_BACKEND")
    redis_url = config.get("REDIS_URL")
    if backend not in JOBS_BACKENDS:
        problems.append(f"EVENTNET_JOBS_BACKEND must be one of {', '.join(JOBS_BACKENDS)}")
    if backend == "rq" and not redis_url:
        problems.append(
            "EVENTNET_JOBS_BACKEND=rq needs EVENTNET_REDIS_URL, e.g. redis://127.0.0.1:6379/0"
        )
    if redis_url and not str(redis_url).startswith(REDIS_SCHEMES):
        problems.append("EVENTNET_REDIS_URL must start with redis://, rediss:// or unix://")
    uri = config.get("SQLALCHEMY_DATABASE_URI")
    if uri:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            url = make_url(str(uri))
        except ArgumentError:
            problems.append(
                "EVENTNET_SQLALCHEMY_DATABASE_URI is not a database URL; expected e.g. "
                "postgresql+psycopg://eventnet@127.0.0.1:5432/eventnet"
            )
        else:
            if url.get_backend_name() not in ("sqlite", "postgresql"):
                problems.append("EVENTNET_SQLALCHEMY_DATABASE_URI must be SQLite or PostgreSQL")
            elif url.get_backend_name() == "postgresql" and url.get_driver_name() != "psycopg":
                problems.append("PostgreSQL needs the psycopg 3 driver: postgresql+psycopg://...")
    for key in _INT_SETTINGS:
        value = config.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            problems.append(f"EVENTNET_{key} must be a whole number >= 0 (got {value!r})")
    if isinstance(config.get("WORKER_NICE"), int) and config["WORKER_NICE"] > 19:
        problems.append("EVENTNET_WORKER_NICE must be between 0 and 19")
    if config.get("DB_POOL_SIZE") == 0:
        problems.append("EVENTNET_DB_POOL_SIZE must be at least 1")
    for key in ("PAGE_CACHE_SECONDS", "EVENT_TERMS_CACHE_SECONDS"):
        cache = config.get(key)
        if cache is not None and (isinstance(cache, bool) or not isinstance(cache, int | float)):
            problems.append(f"EVENTNET_{key} must be a number of seconds (got {cache!r})")
    if config.get("LOG_FORMAT") not in (None, "json", "text"):
        problems.append("EVENTNET_LOG_FORMAT must be json or text")
    return problems


def validate_config(config: dict[str, Any]) -> None:
    """Fail at start, with every problem listed, rather than at the first request."""
    problems = config_problems(config)
    if problems:
        raise ConfigError("eventnet cannot start:\n- " + "\n- ".join(problems))


def apply_engine_defaults(config: dict[str, Any]) -> None:
    """Pool settings for PostgreSQL from the DB_* keys; explicit engine options win."""
    uri = str(config.get("SQLALCHEMY_DATABASE_URI") or "")
    if not uri.startswith("postgresql"):
        return
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    options.setdefault("pool_size", config["DB_POOL_SIZE"])
    options.setdefault("max_overflow", config["DB_MAX_OVERFLOW"])
    options.setdefault("pool_timeout", config["DB_POOL_TIMEOUT"])
    options.setdefault("pool_recycle", config["DB_POOL_RECYCLE"])
    options.setdefault("pool_pre_ping", True)
    connect_args = dict(options.get("connect_args") or {})
    connect_args.setdefault("connect_timeout", config["DB_CONNECT_TIMEOUT"])
    connect_args.setdefault("application_name", "eventnet")
    # Set once per connection rather than per transaction: the registration rush's lock
    # step is then one statement (docs/benchmarks.md, "Load").
    lock_timeout = f"-c lock_timeout={int(config['DB_LOCK_TIMEOUT_MS'])}"
    extra = connect_args.get("options")
    connect_args["options"] = f"{extra} {lock_timeout}" if extra else lock_timeout
    options["connect_args"] = connect_args
    config["SQLALCHEMY_ENGINE_OPTIONS"] = options
