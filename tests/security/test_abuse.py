"""Issue 8, point 7: abuse. Every public POST and every API call is rate-limited per IP
(per-route limits plus the per-IP budgets of `eventnet.web`); requests over
``MAX_CONTENT_LENGTH`` get 413; the registration honeypot registers nothing; with Redis as
the limiter's storage the limits hold across several app servers (two processes here).
Also: the login rate limit (point 4). The per-route limit of the public form and the 413
on it are in ``tests/web/test_public_registration.py``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa

from eventnet.extensions import db, limiter
from eventnet.models import Person
from tests.conftest import make_test_app, migrate_to_head

from .conftest import register_via_form

REDIS_URL = os.environ.get("EVENTNET_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
PUBLIC_BLUEPRINTS = ("public", "portal", "followup", "lang", "auth", "api")


@pytest.fixture(scope="module")
def limited(tmp_path_factory):
    """An app with rate limiting on and small budgets. The limiter is one shared object: it
    is switched off again afterwards, as the test apps have it (``RATELIMIT_ENABLED=False``),
    whatever it was before (its default, before any app exists, is on)."""
    tmp_path = tmp_path_factory.mktemp("limited")
    application = make_test_app(
        tmp_path,
        f"sqlite:///{tmp_path / 'limited.sqlite3'}",
        RATELIMIT_ENABLED=True,
        RATELIMIT_PUBLIC_BUDGET="5 per minute",
        RATELIMIT_API="5 per minute",
        WTF_CSRF_ENABLED=False,
    )
    migrate_to_head(application)
    limiter.reset()
    yield application
    limiter.reset()
    application.config["RATELIMIT_PUBLIC_BUDGET"] = "5 per minute"
    limiter.enabled = False


def _sample_url(rule) -> str:
    return re.sub(
        r"<(?:[^:>]+:)?([^>]+)>", lambda m: "1" if "int" in m.group(0) else "x" * 43, rule.rule
    )


def test_every_public_post_and_every_api_route_is_rate_limited(limited) -> None:
    client = limited.test_client()
    checked = []
    for rule in limited.url_map.iter_rules():
        blueprint = rule.endpoint.split(".")[0]
        if blueprint not in PUBLIC_BLUEPRINTS:
            continue
        methods = sorted(m for m in rule.methods - {"HEAD", "OPTIONS"})
        if blueprint != "api":
            methods = [m for m in methods if m != "GET"]
        for method in methods:
            limiter.reset()
            url = _sample_url(rule)
            codes = [client.open(url, method=method, json={}).status_code for _ in range(7)]
            assert 429 in codes, (rule.rule, method, codes)
            assert all(c != 500 for c in codes), (rule.rule, method, codes)
            checked.append((rule.rule, method))
    assert len(checked) >= 10, checked
    assert ("/events/<slug>/register", "POST") in checked


def test_the_429_page_is_friendly(limited) -> None:
    limiter.reset()
    client = limited.test_client()
    for _ in range(7):
        response = client.post("/events/x/lost-link", data={"email": "a@b.example"})
    assert response.status_code == 429
    assert "Too many requests" in response.get_data(as_text=True)
    api = client.get("/api/v1/public/events")
    for _ in range(7):
        api = client.get("/api/v1/public/events")
    assert api.status_code == 429 and api.is_json


def test_login_is_rate_limited_even_with_the_right_password(limited) -> None:
    from eventnet.services.accounts import create_organizer

    limiter.reset()
    with limited.app_context():
        create_organizer("limited@uni.example", "correct horse battery")
    client = limited.test_client()
    limited.config["RATELIMIT_PUBLIC_BUDGET"] = "1000 per minute"  # the route's own limit
    codes = [
        client.post(
            "/auth/login", data={"email": "limited@uni.example", "password": "wrong password"}
        ).status_code
        for _ in range(10)
    ]
    assert codes == [401] * 10
    right = client.post(
        "/auth/login", data={"email": "limited@uni.example", "password": "correct horse battery"}
    )
    assert right.status_code == 429


def test_oversized_requests_get_413(client, open_event) -> None:
    big = "x" * (3 * 1024 * 1024)
    response = client.post(f"/events/{open_event}/register", data={"goals": big})
    assert response.status_code == 413
    api = client.post(
        f"/api/v1/events/{open_event}/registrations",
        data=json.dumps({"goals": big}),
        content_type="application/json",
    )
    assert api.status_code == 413 and api.is_json


def test_honeypot_registers_nobody_but_answers_like_success(client, open_event) -> None:
    response = register_via_form(client, open_event, email="bot@example.org", website="http://spam")
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Person.id).where(Person.email == "bot@example.org")) is None


CHILD = textwrap.dedent(
    """
    import json, os, sys
    sys.path.insert(0, os.environ["REPO"])
    from tests.conftest import make_test_app
    from pathlib import Path
    tmp = Path(sys.argv[1])
    app = make_test_app(tmp, f"sqlite:///{tmp / 'x.sqlite3'}", RATELIMIT_ENABLED=True,
                        RATELIMIT_STORAGE_URI=sys.argv[2], RATELIMIT_PUBLIC_BUDGET="4 per hour",
                        RATELIMIT_KEY_PREFIX=sys.argv[3], WTF_CSRF_ENABLED=False)
    client = app.test_client()
    codes = [client.post("/language", data={"lang": "fi"}).status_code
             for _ in range(int(sys.argv[4]))]
    print(json.dumps(codes))
    """
)


def _instance(tmp_path: Path, storage: str, prefix: str, count: int, name: str) -> list[int]:
    folder = tmp_path / name
    folder.mkdir()
    env = {**os.environ, "REPO": str(Path(__file__).resolve().parents[2])}
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(folder), storage, prefix, str(count)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_limits_hold_across_two_app_servers_with_redis(tmp_path) -> None:
    """Two separate processes (two app servers) share the budget through Redis DB 15: the
    second one refuses what only the first one's requests used up."""
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisConnectionError

    redis = Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        redis.ping()
    except RedisConnectionError:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is not reachable at {REDIS_URL}")
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    prefix = f"evtest-{os.getpid()}-{tmp_path.name}"
    try:
        first = _instance(tmp_path, REDIS_URL, prefix, 3, "a")
        second = _instance(tmp_path, REDIS_URL, prefix, 3, "b")
        assert first == [302, 302, 302]
        assert second == [302, 429, 429]  # the 4th request of the hour, counted across servers
    finally:
        for key in redis.scan_iter(f"*{prefix}*"):
            redis.delete(key)
        redis.close()
