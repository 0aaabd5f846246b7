"""eventnet: networking events that lead to lasting relationships.

`create_app` only wires configuration, extensions and blueprints together: it does no I/O
beyond reading configuration, and never runs migrations (``eventnet db upgrade`` does).
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask

from .config import DEFAULTS, ConfigError, load_or_create_secret, validate_production
from .paths import STATIC_DIR, TEMPLATES_DIR, TRANSLATIONS_DIR

__all__ = ["ConfigError", "create_app"]
__version__ = "0.1.0"


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the Flask application; ``test_config`` overrides everything else."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(TEMPLATES_DIR),
        static_folder=str(STATIC_DIR),
        instance_path=os.environ.get("EVENTNET_INSTANCE_PATH") or None,
    )
    _configure(app, test_config)

    from . import db as _db_hooks  # noqa: F401  (registers engine event listeners)
    from .extensions import babel, csrf, db, limiter, login_manager, migrate
    from .i18n import select_locale, select_timezone
    from .paths import MIGRATIONS_DIR

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    limiter.init_app(app)

    from . import models  # noqa: F401  (registers every table on db.metadata)
    from .admin import bp as admin_bp
    from .api import bp as api_bp
    from .auth import bp as auth_bp
    from .auth import init_login
    from .cli import register_cli
    from .errors import register_error_handlers
    from .followup import bp as followup_bp
    from .portal import bp as portal_bp
    from .public import bp as public_bp
    from .web import register_web

    init_login(login_manager)
    app.register_blueprint(public_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(portal_bp)
    app.register_blueprint(followup_bp)
    csrf.exempt(api_bp)  # the API authenticates with bearer tokens, not cookies
    app.register_blueprint(api_bp)
    register_error_handlers(app)
    register_web(app)
    register_cli(app)
    from .ops import init_ops

    init_ops(app)
    if os.environ.get("EVENTNET_TEST_PAUSE_SECONDS"):  # crash-safety test only, never production
        from .web import testhooks

        testhooks.install(app)
    return app


def _configure(app: Flask, test_config: dict[str, Any] | None) -> None:
    app.config.from_mapping(DEFAULTS)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS_DIR)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("EVENTNET")
    if test_config:
        app.config.from_mapping(test_config)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        path = os.path.join(app.instance_path, "eventnet.sqlite3")
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"
    production = app.config.get("ENV") == "production"
    if not app.config.get("SECRET_KEY") and not production:
        app.config["SECRET_KEY"] = load_or_create_secret(app.instance_path)
    if app.config.get("RATELIMIT_STORAGE_URI") == "memory://" and app.config.get("REDIS_URL"):
        app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"]
    from .config import apply_engine_defaults, validate_config

    validate_config(app.config)
    apply_engine_defaults(app.config)
    if production:
        app.config.update(
            SESSION_COOKIE_SECURE=True,
            REMEMBER_COOKIE_SECURE=True,
            SESSION_COOKIE_NAME="__Host-session",
            REMEMBER_COOKIE_NAME="__Host-remember_token",
            PREFERRED_URL_SCHEME="https",
        )
        validate_production(app.config)
    app.config["BASE_URL"] = str(app.config["BASE_URL"]).rstrip("/")
