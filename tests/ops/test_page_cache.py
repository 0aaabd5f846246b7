"""The public page micro-cache: served from memory, each visitor still gets a working CSRF token."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from eventnet.extensions import db
from tests.conftest import CSRF_RE, login, make_test_app, migrate_to_head
from tests.factories import PASSWORD, make_event, make_organizer


@pytest.fixture(scope="module")
def cached_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    tmp = tmp_path_factory.mktemp("page-cache")
    app = make_test_app(tmp, f"sqlite:///{tmp / 'cache.sqlite3'}", PAGE_CACHE_SECONDS=60)
    migrate_to_head(app)
    with app.app_context():
        make_event(slug="rush-day", title="Rush Day")
        make_organizer("org@uni.example")
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def cache(cached_app: Flask):  # type: ignore[no-untyped-def]
    page_cache = cached_app.extensions["eventnet_page_cache"]
    page_cache.clear()
    return page_cache


def _token(response) -> str:  # type: ignore[no-untyped-def]
    match = CSRF_RE.search(response.get_data(as_text=True))
    assert match
    return match.group(1)


def test_second_view_is_a_hit_with_the_visitors_own_token(cached_app, cache) -> None:
    alice, bob = cached_app.test_client(), cached_app.test_client()
    first = alice.get("/events/rush-day")
    second = bob.get("/events/rush-day")
    assert first.headers["X-Cache"] == "miss" and second.headers["X-Cache"] == "hit"
    assert "Rush Day" in second.get_data(as_text=True)
    assert _token(first) != _token(second)
    assert "eventnet-csrf-" not in second.get_data(as_text=True)
    # Bob's token from the cached page works for a form post (the language switcher).
    posted = bob.post("/language", data={"lang": "fi", "next": "/", "csrf_token": _token(second)})
    assert posted.status_code == 302
    # Someone else's token does not.
    stolen = alice.post("/language", data={"lang": "fi", "csrf_token": _token(second)})
    assert stolen.status_code == 400


def test_each_language_is_cached_separately(cached_app, cache) -> None:
    client = cached_app.test_client()
    english = client.get("/", headers={"Accept-Language": "en"})
    finnish = client.get("/", headers={"Accept-Language": "fi"})
    assert english.headers["X-Cache"] == finnish.headers["X-Cache"] == "miss"
    assert 'lang="fi"' in finnish.get_data(as_text=True)
    again = client.get("/", headers={"Accept-Language": "fi"})
    assert again.headers["X-Cache"] == "hit" and 'lang="fi"' in again.get_data(as_text=True)


def test_query_strings_errors_and_signed_in_organizers_bypass_the_cache(cached_app, cache) -> None:
    client = cached_app.test_client()
    assert "X-Cache" not in client.get("/events/rush-day?x=1").headers
    assert client.get("/events/no-such-event").status_code == 404
    assert client.get("/events/no-such-event").status_code == 404
    client.get("/events/rush-day")
    login(client, "org@uni.example", PASSWORD)
    signed_in = client.get("/events/rush-day")
    assert "X-Cache" not in signed_in.headers
    assert "Sign out" in signed_in.get_data(as_text=True)


def test_cache_is_off_in_tests_unless_asked(app) -> None:
    assert "eventnet_page_cache" not in app.extensions
