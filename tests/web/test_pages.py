"""Public pages, organizer sign-in, and who sees which event."""

from __future__ import annotations

from eventnet.models import EventStatus, OrganizerAccount
from tests.conftest import login, post_form
from tests.factories import PASSWORD, make_event, make_organizer


def test_home_lists_published_events_but_not_drafts(client) -> None:
    make_event(title="Open Day of Robots", status=EventStatus.PUBLISHED)
    make_event(title="Secret Draft Gala", status=EventStatus.DRAFT)
    html = client.get("/").get_data(as_text=True)
    assert "Open Day of Robots" in html
    assert "Secret Draft Gala" not in html


def test_draft_event_page_is_not_found(client) -> None:
    event = make_event(status=EventStatus.DRAFT)
    response = client.get(f"/events/{event.slug}")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_event_description_markdown_is_sanitized(client) -> None:
    event = make_event(description="**Bold** <script>alert(1)</script> [x](javascript:alert(1))")
    html = client.get(f"/events/{event.slug}").get_data(as_text=True)
    assert "<strong>Bold</strong>" in html
    assert "<script>alert(1)" not in html and "javascript:" not in html


def test_admin_requires_sign_in(client) -> None:
    response = client.get("/admin/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_wrong_password_and_unknown_email_get_the_same_answer(client) -> None:
    make_organizer("known@uni.example")
    wrong = post_form(client, "/auth/login", {"email": "known@uni.example", "password": "nope"})
    unknown = post_form(client, "/auth/login", {"email": "who@uni.example", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert "E-mail or password is not correct." in wrong.get_data(as_text=True)
    assert "E-mail or password is not correct." in unknown.get_data(as_text=True)


def test_login_rejects_missing_csrf_token(client) -> None:
    make_organizer("known@uni.example")
    response = client.post("/auth/login", data={"email": "known@uni.example", "password": PASSWORD})
    assert response.status_code == 400


def test_organizer_sees_only_their_events_and_admin_sees_all(client) -> None:
    alice = make_organizer("alice@uni.example")
    bob = make_organizer("bob@uni.example")
    make_organizer("root@uni.example", admin=True)
    make_event(title="Alice's Fair", organizers=(alice,))
    make_event(title="Bob's Summit", organizers=(bob,))
    login(client, "alice@uni.example", PASSWORD)
    html = client.get("/admin/").get_data(as_text=True)
    assert "Alice&#39;s Fair" in html and "Bob&#39;s Summit" not in html
    assert client.get("/admin/organizers").status_code == 403
    post_form(client, "/auth/logout", {}, page="/admin/")
    login(client, "root@uni.example", PASSWORD)
    html = client.get("/admin/").get_data(as_text=True)
    assert "Alice&#39;s Fair" in html and "Bob&#39;s Summit" in html


def test_admin_creates_an_organizer_with_field_errors_first(client) -> None:
    make_organizer("root@uni.example", admin=True)
    login(client, "root@uni.example", PASSWORD)
    bad = post_form(client, "/admin/organizers", {"email": "not-an-email", "password": "short"})
    assert bad.status_code == 400
    body = bad.get_data(as_text=True)
    assert "error-summary" in body and "Invalid email address." in body
    good = post_form(
        client, "/admin/organizers", {"email": "new@uni.example", "password": "long-enough-pw"}
    )
    assert good.status_code == 302
    assert "new@uni.example" in client.get("/admin/organizers").get_data(as_text=True)


def test_changing_the_password_signs_out_other_sessions(client, db_session) -> None:
    alice_id = make_organizer("alice@uni.example").id
    login(client, "alice@uni.example", PASSWORD)
    assert client.get("/admin/").status_code == 200
    db_session.get(OrganizerAccount, alice_id).set_password("a-brand-new-password")
    db_session.commit()
    assert client.get("/admin/").status_code == 302


def test_login_next_parameter_only_goes_to_local_paths(client) -> None:
    make_organizer("alice@uni.example")
    for target in (
        "//evil.example",
        "/\\evil.example",
        "https:evil.example",
        "https://evil.example",
    ):
        response = post_form(
            client,
            f"/auth/login?next={target}",
            {"email": "alice@uni.example", "password": PASSWORD},
            page="/auth/login",
        )
        assert response.headers["Location"] == "/admin/", target
        post_form(client, "/auth/logout", {}, page="/admin/")


def test_language_switch_is_remembered(client) -> None:
    response = post_form(client, "/language", {"lang": "fi", "next": "/"}, page="/")
    assert response.status_code == 302
    assert 'lang="fi"' in client.get("/").get_data(as_text=True)


def test_security_headers_are_set(client) -> None:
    headers = client.get("/").headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_session_cookie_is_httponly_and_lax(client) -> None:
    make_organizer("alice@uni.example")
    post_form(client, "/auth/login", {"email": "alice@uni.example", "password": PASSWORD})
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"
