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
    "PDF_TIMEOUT_SECONDS": 60,
}


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
    if not base.startswith(("https://", "http://")) or "127.0.0.1" in base or "localhost" in base:
        problems.append("EVENTNET_BASE_URL must be the public URL, e.g. https://events.example.edu")
    if problems:
        raise ConfigError("eventnet refuses to start in production:\n- " + "\n- ".join(problems))
