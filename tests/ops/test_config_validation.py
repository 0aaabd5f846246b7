"""Bad operations settings stop the app at start with a message that says what to fix."""

from __future__ import annotations

import pytest

from eventnet import ConfigError, create_app

PRODUCTION = {
    "EVENTNET_ENV": "production",
    "EVENTNET_SECRET_KEY": "s" * 48,
    "EVENTNET_SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://eventnet@db.internal/eventnet",
    "EVENTNET_BASE_URL": "https://events.example.edu",
}


def _app(monkeypatch, tmp_path, **env):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("EVENTNET_INSTANCE_PATH", str(tmp_path))
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return create_app()


@pytest.mark.parametrize(
    ("env", "complaint"),
    [
        ({"EVENTNET_JOBS_BACKEND": "rq"}, "JOBS_BACKEND=rq needs EVENTNET_REDIS_URL"),
        ({"EVENTNET_JOBS_BACKEND": "celery"}, "JOBS_BACKEND must be one of inline, rq"),
        ({"EVENTNET_REDIS_URL": "127.0.0.1:6379"}, "REDIS_URL must start with redis://"),
        ({"EVENTNET_SQLALCHEMY_DATABASE_URI": "not a url"}, "is not a database URL"),
        ({"EVENTNET_SQLALCHEMY_DATABASE_URI": "mysql://x@db/y"}, "must be SQLite or PostgreSQL"),
        (
            {"EVENTNET_SQLALCHEMY_DATABASE_URI": "postgresql+psycopg2://x@db/y"},
            "psycopg 3 driver",
        ),
        ({"EVENTNET_DB_POOL_SIZE": "-1"}, "DB_POOL_SIZE must be a whole number"),
        ({"EVENTNET_DB_POOL_SIZE": "lots"}, "DB_POOL_SIZE must be a whole number"),
        ({"EVENTNET_DB_POOL_SIZE": "0"}, "DB_POOL_SIZE must be at least 1"),
        ({"EVENTNET_PROXY_FIX_X_FOR": "yes"}, "PROXY_FIX_X_FOR must be a whole number"),
        ({"EVENTNET_LOG_FORMAT": "xml"}, "LOG_FORMAT must be json or text"),
        ({"EVENTNET_PAGE_CACHE_SECONDS": "soon"}, "PAGE_CACHE_SECONDS must be a number"),
        (
            {"EVENTNET_EVENT_TERMS_CACHE_SECONDS": "true"},
            "EVENT_TERMS_CACHE_SECONDS must be a number",
        ),
    ],
)
def test_bad_settings_are_refused_at_start(monkeypatch, tmp_path, env, complaint) -> None:
    with pytest.raises(ConfigError, match=complaint):
        _app(monkeypatch, tmp_path, **env)


def test_every_problem_is_listed_at_once(monkeypatch, tmp_path) -> None:
    with pytest.raises(ConfigError) as info:
        _app(monkeypatch, tmp_path, EVENTNET_JOBS_BACKEND="rq", EVENTNET_LOG_FORMAT="xml")
    assert "REDIS_URL" in str(info.value) and "LOG_FORMAT" in str(info.value)


def test_local_base_url_needs_the_explicit_opt_in(monkeypatch, tmp_path) -> None:
    local = {**PRODUCTION, "EVENTNET_BASE_URL": "http://127.0.0.1:8000"}
    with pytest.raises(ConfigError, match="ALLOW_LOCAL_BASE_URL"):
        _app(monkeypatch, tmp_path, **local)
    app = _app(monkeypatch, tmp_path, EVENTNET_ALLOW_LOCAL_BASE_URL="true", **local)
    assert app.config["BASE_URL"] == "http://127.0.0.1:8000"


def test_postgresql_gets_pool_settings_that_env_can_change(monkeypatch, tmp_path) -> None:
    app = _app(monkeypatch, tmp_path, EVENTNET_DB_POOL_SIZE="3", **PRODUCTION)
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["pool_size"] == 3
    assert options["max_overflow"] == 5 and options["pool_pre_ping"] is True
    assert options["connect_args"]["connect_timeout"] == 5
    assert app.config["JOBS_BACKEND"] == "inline"


def test_sqlite_keeps_its_engine_options(monkeypatch, tmp_path) -> None:
    assert _app(monkeypatch, tmp_path).config["SQLALCHEMY_ENGINE_OPTIONS"] == {}


def test_json_logs_are_the_production_default(monkeypatch, tmp_path) -> None:
    from eventnet.ops.logs import log_format

    assert log_format(_app(monkeypatch, tmp_path, **PRODUCTION)) == "json"
    monkeypatch.delenv("EVENTNET_ENV")
    assert log_format(_app(monkeypatch, tmp_path)) is None
