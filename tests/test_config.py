"""Configuration precedence and the production safety checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from eventnet import ConfigError, create_app


def _app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **env: str):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("EVENTNET_INSTANCE_PATH", str(tmp_path))
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return create_app()


def test_secret_key_is_generated_once_into_the_instance_folder(monkeypatch, tmp_path) -> None:
    first = _app(monkeypatch, tmp_path).config["SECRET_KEY"]
    second = _app(monkeypatch, tmp_path).config["SECRET_KEY"]
    assert first == second and len(first) >= 40
    assert (tmp_path / "secret_key").read_text().strip() == first


def test_environment_variables_set_the_database(monkeypatch, tmp_path) -> None:
    app = _app(monkeypatch, tmp_path, EVENTNET_SQLALCHEMY_DATABASE_URI="sqlite:///x.db")
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///x.db"


def test_instance_config_file_is_read(monkeypatch, tmp_path) -> None:
    (tmp_path / "config.py").write_text("BASE_URL = 'https://events.example.edu/'\n")
    assert _app(monkeypatch, tmp_path).config["BASE_URL"] == "https://events.example.edu"


@pytest.mark.parametrize(
    ("env", "complaint"),
    [
        ({}, "SECRET_KEY"),
        ({"EVENTNET_SECRET_KEY": "dev-insecure-change-me"}, "SECRET_KEY"),
        ({"EVENTNET_SECRET_KEY": "x" * 40}, "PostgreSQL"),
        (
            {
                "EVENTNET_SECRET_KEY": "x" * 40,
                "EVENTNET_SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://db/eventnet",
            },
            "BASE_URL",
        ),
    ],
)
def test_production_refuses_unsafe_settings(monkeypatch, tmp_path, env, complaint) -> None:
    with pytest.raises(ConfigError, match=complaint):
        _app(monkeypatch, tmp_path, EVENTNET_ENV="production", **env)


def test_production_starts_with_safe_settings(monkeypatch, tmp_path) -> None:
    app = _app(
        monkeypatch,
        tmp_path,
        EVENTNET_ENV="production",
        EVENTNET_SECRET_KEY="s" * 48,
        EVENTNET_SQLALCHEMY_DATABASE_URI="postgresql+psycopg://db/eventnet",
        EVENTNET_BASE_URL="https://events.example.edu",
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_NAME"] == "__Host-session"
    assert not (tmp_path / "secret_key").exists()


def test_sqlite_in_production_needs_an_explicit_opt_in(monkeypatch, tmp_path) -> None:
    app = _app(
        monkeypatch,
        tmp_path,
        EVENTNET_ENV="production",
        EVENTNET_SECRET_KEY="s" * 48,
        EVENTNET_ALLOW_SQLITE_IN_PRODUCTION="true",
        EVENTNET_BASE_URL="https://events.example.edu",
    )
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
