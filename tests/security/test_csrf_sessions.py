"""Issue 8, point 4: CSRF, cross-site requests, cookies and sessions.

Every state-changing request needs a valid CSRF token (or is an API call with a bearer
token); the browser's own cross-site signals (``Sec-Fetch-Site``, ``Origin``) are refused
before any view runs; cookies are HttpOnly + SameSite=Lax, and Secure + ``__Host-`` in
production; the session is rotated on login; login answers the same for an unknown e-mail
and a wrong password (also ``tests/web/test_pages.py``) and is rate-limited
(`test_abuse.py`).
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from eventnet.extensions import db
from eventnet.models import Person, Registration, RegistrationStatus
from tests.conftest import csrf_from, make_test_app, post_form
from tests.factories import PASSWORD, make_organizer

from .conftest import register_and_get_token, registration_form

CROSS_SITE_HEADERS = [
    {"Sec-Fetch-Site": "cross-site"},
    {"Origin": "https://evil.example"},
    {"Origin": "null"},
    {"Origin": "http://eventnet.test.evil.example"},
    {"Sec-Fetch-Site": "same-site", "Origin": "https://sub.eventnet.test"},
    {"Sec-Fetch-Site": "cross-site", "Origin": "http://eventnet.test"},
]


def _registrations(email: str) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Registration).where(Registration.email == email)
    )


def test_a_post_without_csrf_token_changes_nothing(client, open_event) -> None:
    response = client.post(
        f"/events/{open_event}/register", data=registration_form(email="nocsrf@example.org")
    )
    assert response.status_code == 400
    assert "sent from elsewhere" in response.get_data(as_text=True)
    assert _registrations("nocsrf@example.org") == 0


def test_a_forged_csrf_token_is_refused(client, open_event) -> None:
    client.get(f"/events/{open_event}/register")
    data = {**registration_form(email="forged@example.org"), "csrf_token": "Im5vdCBhIHRva2VuIg.x.y"}
    response = client.post(f"/events/{open_event}/register", data=data)
    assert response.status_code == 400
    assert _registrations("forged@example.org") == 0


def test_a_csrf_token_from_another_session_is_refused(app, client, open_event) -> None:
    other = app.test_client()
    token = csrf_from(other.get(f"/events/{open_event}/register").get_data(as_text=True))
    client.get(f"/events/{open_event}/register")
    data = {**registration_form(email="stolen@example.org"), "csrf_token": token}
    assert client.post(f"/events/{open_event}/register", data=data).status_code == 400
    assert _registrations("stolen@example.org") == 0


@pytest.mark.parametrize("headers", CROSS_SITE_HEADERS)
def test_cross_site_posts_are_refused_even_with_a_valid_token(client, open_event, headers) -> None:
    url = f"/events/{open_event}/register"
    token = csrf_from(client.get(url).get_data(as_text=True))
    data = {**registration_form(email="xsite@example.org"), "csrf_token": token}
    response = client.post(url, data=data, headers=headers)
    assert response.status_code == 403
    assert "sent from another website" in response.get_data(as_text=True)
    assert _registrations("xsite@example.org") == 0


def test_cross_site_refusal_covers_the_manage_link_and_sign_out(client, open_event) -> None:
    token = register_and_get_token(client, open_event, "victim@example.org")
    page = client.get(f"/r/{token}/cancel").get_data(as_text=True)
    response = client.post(
        f"/r/{token}/cancel",
        data={"csrf_token": csrf_from(page)},
        headers={"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
    )
    assert response.status_code == 403
    reg = db.session.scalar(
        sa.select(Registration).where(Registration.email == "victim@example.org")
    )
    assert reg.status == RegistrationStatus.CONFIRMED


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Sec-Fetch-Site": "same-origin", "Origin": "http://eventnet.test"},  # BASE_URL
        {"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"},  # the request's host
        {"Sec-Fetch-Site": "none"},  # typed into the address bar / bookmarks
        # Pages with Referrer-Policy: no-referrer (the manage link) send Origin: null.
        {"Sec-Fetch-Site": "same-origin", "Origin": "null"},
    ],
)
def test_same_origin_posts_pass(client, open_event, headers) -> None:
    url = f"/events/{open_event}/register"
    token = csrf_from(client.get(url).get_data(as_text=True))
    data = {**registration_form(email="same@example.org"), "csrf_token": token}
    assert client.post(url, data=data, headers=headers).status_code == 302
    assert _registrations("same@example.org") == 1


def test_one_click_unsubscribe_is_accepted_cross_site(client) -> None:
    """RFC 8058: the mail client POSTs from its own origin without our CSRF token. An
    unknown token gets the friendly "not valid" answer (404), not the cross-site 403."""
    response = client.post(
        "/f/unsubscribe/" + "x" * 43,
        data={"List-Unsubscribe": "One-Click"},
        headers={"Sec-Fetch-Site": "cross-site", "Origin": "https://mail.example"},
    )
    assert response.status_code != 403
    assert response.status_code in (200, 303, 404)


def test_api_with_bearer_token_is_not_subject_to_origin_checks(app, client) -> None:
    """Cookies play no part in bearer-token calls, so a cross-site Origin is not a CSRF sign:
    the answer is the API's own (401 for a bad token), never the cross-site 403."""
    post_rules = [
        r for r in app.url_map.iter_rules() if r.endpoint.startswith("api.") and "POST" in r.methods
    ]
    if not post_rules:
        pytest.skip("no API POST routes yet")
    rule = post_rules[0]
    url = re.sub(r"<(?:[^:>]+:)?([^>]+)>", "1", rule.rule)
    headers = {"Origin": "https://integrator.example", "Authorization": "Bearer evn_not_valid"}
    response = client.post(url, json={}, headers=headers)
    assert response.status_code != 403
    headers.pop("Authorization")
    assert client.post(url, json={}, headers=headers).status_code in (401, 403)


def test_session_cookie_flags_in_development(client) -> None:
    make_organizer("cookie@uni.example")
    post_form(client, "/auth/login", {"email": "cookie@uni.example", "password": PASSWORD})
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"
    assert not cookie.secure  # http://127.0.0.1 in development


def test_production_cookies_are_secure_host_prefixed_and_hsts_is_sent(tmp_path) -> None:
    prod = make_test_app(
        tmp_path,
        f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        ENV="production",
        TESTING=False,
        ALLOW_SQLITE_IN_PRODUCTION=True,
        BASE_URL="https://events.example.edu",
        LOG_FORMAT="text",
    )
    client = prod.test_client()
    response = client.get("/auth/login", base_url="https://events.example.edu")
    set_cookie = response.headers.get("Set-Cookie", "")
    assert set_cookie.startswith("__Host-session="), set_cookie
    flags = {part.strip().lower() for part in set_cookie.split(";")}
    assert {"secure", "httponly", "path=/", "samesite=lax"} <= flags
    assert not any(f.startswith("domain=") for f in flags)
    assert prod.config["REMEMBER_COOKIE_NAME"].startswith("__Host-")
    assert prod.config["REMEMBER_COOKIE_SECURE"] is True
    hsts = response.headers["Strict-Transport-Security"]
    assert "max-age=31536000" in hsts


def test_no_hsts_outside_production(client) -> None:
    assert "Strict-Transport-Security" not in client.get("/").headers


def test_session_is_rotated_on_login(client) -> None:
    make_organizer("rotate@uni.example")
    client.get("/auth/login")
    with client.session_transaction() as sess:
        sess["planted_by_attacker"] = "fixation"
        before = sess.get("csrf_token")
    assert before
    post_form(client, "/auth/login", {"email": "rotate@uni.example", "password": PASSWORD})
    with client.session_transaction() as sess:
        assert "planted_by_attacker" not in sess
        assert sess.get("csrf_token") != before
        assert sess.get("_user_id")


def test_unknown_email_and_wrong_password_look_the_same(client) -> None:
    make_organizer("known@uni.example")
    unknown = post_form(
        client, "/auth/login", {"email": "nobody@uni.example", "password": "x" * 12}
    )
    wrong = post_form(client, "/auth/login", {"email": "known@uni.example", "password": "x" * 12})
    assert unknown.status_code == wrong.status_code == 401

    def scrub(html: str) -> str:
        html = re.sub(r'name="csrf_token"[^>]*value="[^"]+"', "", html)
        return html.replace("nobody@uni.example", "E").replace("known@uni.example", "E")

    assert scrub(unknown.get_data(as_text=True)) == scrub(wrong.get_data(as_text=True))


def test_state_changing_routes_refuse_get(app) -> None:
    """Logout, cancel, new link, unsubscribe...: a link (GET) never changes state, so mail
    scanners and <img> tags cannot trigger them. Every route whose name says it changes
    something accepts POST, and any GET it allows only shows a confirmation page."""
    destructive = ("logout", "delete", "revoke", "erase", "anonymize", "new_link")
    for rule in app.url_map.iter_rules():
        name = rule.endpoint.rsplit(".", 1)[-1]
        if any(word in name for word in destructive):
            assert "POST" in rule.methods, rule
            assert "GET" not in rule.methods or name.endswith(("_confirm", "erase")), rule


def test_persons_are_not_created_by_refused_requests(client, open_event) -> None:
    url = f"/events/{open_event}/register"
    token = csrf_from(client.get(url).get_data(as_text=True))
    client.post(
        url,
        data={**registration_form(email="ghost@example.org"), "csrf_token": token},
        headers={"Origin": "https://evil.example"},
    )
    assert (
        db.session.scalar(sa.select(Person.id).where(Person.email == "ghost@example.org")) is None
    )
