"""Issue 8, point 5: Host-header attacks and open redirects.

Every absolute link eventnet writes (mail bodies, the QR code's check-in URL, calendar
files) comes from the configured ``BASE_URL``, never from the request's Host header, so a
request with ``Host: evil.example`` cannot make us mail a phishing link. ``next=``
parameters only lead to local paths (see also ``tests/web/test_pages.py``).
"""

from __future__ import annotations

import base64
import re

import pytest

from eventnet.web.safety import safe_next_url
from tests.conftest import csrf_from, post_form
from tests.factories import PASSWORD, make_organizer

from .conftest import outbox_for, registration_form

EVIL = "evil.example"
BASE = "http://eventnet.test"
URL = re.compile(r"https?://[^\s\"'<>)]+")


def _post_with_host(client, path, data, host):
    page = client.get(path, base_url=f"http://{host}")
    token = csrf_from(page.get_data(as_text=True))
    return client.post(path, data={**data, "csrf_token": token}, base_url=f"http://{host}")


@pytest.mark.parametrize("host", [EVIL, f"{EVIL}:443", "eventnet.test.evil.example"])
def test_mail_links_come_from_base_url_not_the_host_header(client, open_event, host) -> None:
    response = _post_with_host(
        client,
        f"/events/{open_event}/register",
        registration_form(email="host@example.org"),
        host,
    )
    assert response.status_code == 302
    messages = outbox_for("host@example.org")
    assert messages
    for message in messages:
        parts = [message.body_text, message.body_html, str(message.headers)]
        for item in message.attachments or []:
            if "data_b64" in item:  # e.g. the .ics file
                parts.append(base64.b64decode(item["data_b64"]).decode("utf-8", "replace"))
            for key, value in item.items():  # e.g. ``qr_data``: what the QR code encodes
                if key != "data_b64":
                    parts.append(str(value))
        text = "\n".join(parts)
        assert EVIL not in text
        links = URL.findall(text)
        assert links, "the mail carries links"
        assert all(link.startswith(BASE) or "w3.org" in link for link in links), links


def test_qr_code_and_calendar_use_base_url(client, open_event) -> None:
    from eventnet.services.tickets import checkin_url

    response = _post_with_host(
        client, f"/events/{open_event}/register", registration_form(email="qr@example.org"), EVIL
    )
    assert response.status_code == 302
    token = re.search(r"/r/([A-Za-z0-9_\-]{20,})", outbox_for("qr@example.org")[0].body_text)[1]
    ics = client.get(f"/r/{token}/event.ics", base_url=f"http://{EVIL}").get_data(as_text=True)
    assert EVIL not in ics and f"URL:{BASE}/events/{open_event}" in ics.replace("\r\n ", "")
    with client.application.test_request_context(base_url=f"http://{EVIL}"):
        assert checkin_url("slug", "ABCD-EFGH").startswith(BASE + "/admin/")


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "//evil.example/admin/",
        "/\\evil.example",
        "/\\/evil.example",
        "https:evil.example",
        "https://evil.example",
        "http:/evil.example",
        "\\\\evil.example",
        "/%09/evil.example",
        " //evil.example",
        "/\t/evil.example",
        "/\r\nLocation: https://evil.example",
        "javascript:alert(1)",
        "data:text/html,hi",
        "evil.example",
    ],
)
def test_next_parameter_stays_on_site(target) -> None:
    result = safe_next_url(target)
    assert result is None or (result.startswith("/") and not result.startswith(("//", "/\\")))
    assert result is None or "evil.example" not in result.split("?")[0].split("/")[1:2]


def test_login_redirect_ignores_foreign_next(client) -> None:
    make_organizer("next@uni.example")
    response = post_form(
        client,
        "/auth/login?next=//evil.example",
        {"email": "next@uni.example", "password": PASSWORD},
        page="/auth/login",
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/"


def test_language_switch_ignores_foreign_next(client) -> None:
    response = post_form(
        client, "/language", {"lang": "fi", "next": "https:evil.example"}, page="/"
    )
    assert response.status_code == 302
    assert EVIL not in response.headers["Location"]


def test_redirects_never_echo_the_host_header(client, open_event) -> None:
    response = _post_with_host(
        client, f"/events/{open_event}/register", registration_form(email="r@example.org"), EVIL
    )
    location = response.headers["Location"]
    assert location.startswith("/") and EVIL not in location
