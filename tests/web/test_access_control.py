"""Walk the whole url_map: every route is classified, and refuses whoever may not use it.

Three outsiders try every route with every method: an anonymous visitor, an attendee (who
holds a valid manage link, i.e. a portal session, but no organizer login) and an organizer
of another event (signed in, with a personal API token). Expected:

- organizer pages (``admin.*``): anonymous and attendee are sent to the sign-in page (302),
  the other organizer gets 404 for anything of the victim's event (403 for admin-only pages);
- API routes needing a token: 401 without one, 404 for the other organizer's token;
- secret-link routes (portal, follow-up): 404 (or another 4xx) for a made-up token.

A route nobody classified fails the test, so whoever adds a route must decide who may use it
(add it to ``RULES`` below). POSTs carry a valid CSRF token: what is tested is authorization.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import AnyConverter, Rule

from eventnet.extensions import db
from eventnet.models import ApiToken, MeetingSlot, MeetingTable
from eventnet.services.api_tokens import create_token
from tests.conftest import csrf_from, login
from tests.factories import PASSWORD, make_event, make_organizer, make_registration

# Who may use a route. First matching pattern wins; patterns are fnmatch on endpoint names.
PUBLIC = "public"  # anyone
EVENT_ADMIN = "event_admin"  # organizers of that event (and admins)
ORGANIZER = "organizer"  # any signed-in organizer; shows only their own data
ADMIN_ONLY = "admin_only"  # administrators
API_TOKEN = "api_token"  # a personal API token of one of the event's organizers
API_OWN = "api_own"  # any personal API token; shows only its organizer's own data
SECRET_LINK = "secret_link"  # whoever holds the link's secret token
SIGNED_IN = "signed_in"  # any signed-in organizer, nothing to leak (sign out)

RULES: list[tuple[str, str]] = [
    ("static", PUBLIC),
    ("public.*", PUBLIC),
    ("lang.*", PUBLIC),
    ("ops.*", PUBLIC),
    ("auth.login", PUBLIC),
    ("auth.logout", SIGNED_IN),
    ("api.openapi", PUBLIC),
    ("api.public_*", PUBLIC),
    ("api.list_events", API_OWN),
    ("api.create_event", API_OWN),
    ("admin.organizers", ADMIN_ONLY),
    ("admin.events", ORGANIZER),
    ("admin.event_new", ORGANIZER),
    ("admin.markdown_preview", ORGANIZER),
    ("admin.api_tokens", ORGANIZER),
    ("admin.api_token_revoke", ORGANIZER),
    ("admin.outcomes", ORGANIZER),
    ("admin.outcomes_report", ORGANIZER),
    ("portal.*", SECRET_LINK),
    ("followup.*", SECRET_LINK),
]


def classify(rule: Rule) -> str | None:
    for pattern, category in RULES:
        if fnmatch.fnmatchcase(rule.endpoint, pattern):
            return category
    if rule.endpoint.startswith("admin.") and "<slug>" in rule.rule:
        return EVENT_ADMIN
    if rule.endpoint.startswith("api.") and "<slug>" in rule.rule:
        return API_TOKEN
    return None


@dataclass
class World:
    slug: str
    title: str
    ids: dict[str, int]
    ticket_code: str
    other_token: str
    attendee_token: str


@pytest.fixture
def world(client: FlaskClient, now: Any) -> World:
    victim = make_organizer("victim@uni.example")
    event = make_event(slug="victim-event", title="Victim Secret Gala", organizers=(victim,))
    reg = make_registration(event, name="Victoria Victim", token="attendee-secret-token")
    event.slots.append(MeetingSlot(starts_at=event.starts_at, ends_at=event.ends_at))
    event.tables.append(MeetingTable(label="T1", position=1))
    db.session.commit()
    victim_token, _secret = create_token(victim.id, "victim", now)
    token_id = victim_token.id
    other = make_organizer("other@uni.example")
    make_event(slug="other-event", organizers=(other,))
    _row, other_secret = create_token(other.id, "other", now)
    ids = {
        "registration_id": reg.id,
        "interest_id": event.interests[0].id,
        "slot_id": event.slots[0].id,
        "table_id": event.tables[0].id,
        "organizer_id": victim.id,
        "token_id": token_id,
    }
    return World(
        slug="victim-event",
        title="Victim Secret Gala",
        ids=ids,
        ticket_code=reg.ticket_code,
        other_token=other_secret,
        attendee_token="attendee-secret-token",
    )


def url_for_rule(app: Flask, rule: Rule, world: World, *, secret: str) -> str:
    values: dict[str, Any] = {}
    for name in rule.arguments:
        converter = rule._converters.get(name)  # reading, not changing
        if isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[0]
        elif name == "slug":
            values[name] = world.slug
        elif name == "token":
            values[name] = secret
        elif name == "ticket_code":
            values[name] = world.ticket_code
        elif name == "filename":
            values[name] = "css/app.css"
        else:
            values[name] = world.ids.get(name, 1)
    adapter = app.url_map.bind("localhost")
    return adapter.build(rule.endpoint, values, force_external=False)


def methods(rule: Rule) -> list[str]:
    return sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})


def request(client: FlaskClient, method: str, url: str, csrf: str, **kw: Any) -> Any:
    if method == "GET":
        return client.get(url, **kw)
    data = {"csrf_token": csrf}
    return client.open(
        url, method=method, data=data, headers={"X-CSRFToken": csrf, **kw.get("headers", {})}
    )


def refused_as_anonymous(response: Any, category: str) -> bool:
    if category in (EVENT_ADMIN, ORGANIZER, ADMIN_ONLY, SIGNED_IN):
        return response.status_code == 302 and "/auth/login" in response.headers["Location"]
    if category in (API_TOKEN, API_OWN):
        return response.status_code == 401
    if category == SECRET_LINK:
        return 400 <= response.status_code < 500
    return True


def test_every_route_is_classified(app: Flask) -> None:
    missing = sorted(r.endpoint for r in app.url_map.iter_rules() if classify(r) is None)
    assert not missing, (
        "Unclassified routes (decide who may use them in tests/web/test_access_control.py "
        f"RULES): {missing}"
    )


def _walk(app: Flask, world: World, secret: str):  # type: ignore[no-untyped-def]
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        category = classify(rule)
        if category in (None, PUBLIC):
            continue
        for method in methods(rule):
            yield rule, category, method, url_for_rule(app, rule, world, secret=secret)


def test_anonymous_and_attendee_are_refused_everywhere(
    app: Flask, client: FlaskClient, world: World
) -> None:
    csrf = csrf_from(client.get("/auth/login").get_data(as_text=True))
    attendee = app.test_client()
    assert attendee.get(f"/r/{world.attendee_token}").status_code in (200, 302)
    attendee_csrf = csrf_from(attendee.get("/auth/login").get_data(as_text=True))
    failures = []
    for _rule, category, method, url in _walk(app, world, secret="made-up-secret-token"):
        for who, browser, token in (
            ("anonymous", client, csrf),
            ("attendee", attendee, attendee_csrf),
        ):
            response = request(browser, method, url, token)
            if response.status_code >= 500 or not refused_as_anonymous(response, category):
                failures.append(f"{who} {method} {url} ({category}) -> {response.status_code}")
    assert not failures, "\n".join(failures)


def test_an_organizer_of_another_event_is_refused_everywhere(
    app: Flask, client: FlaskClient, world: World
) -> None:
    login(client, "other@uni.example", PASSWORD)
    csrf = csrf_from(client.get("/admin/").get_data(as_text=True))
    bearer = {"Authorization": f"Bearer {world.other_token}"}
    failures = []
    for _rule, category, method, url in _walk(app, world, secret="made-up-secret-token"):
        if category == SIGNED_IN:
            continue  # e.g. signing out: harmless, and it would end this session
        response = request(client, method, url, csrf, headers=bearer)
        body = response.data.decode("utf-8", "replace") if response.status_code < 400 else ""
        if category == EVENT_ADMIN:
            ok = response.status_code == 404
        elif category == ADMIN_ONLY:
            ok = response.status_code == 403
        elif category == API_TOKEN:
            ok = response.status_code == 404
        elif category == SECRET_LINK:
            ok = 400 <= response.status_code < 500
        else:  # ORGANIZER: their own pages, which must show nothing of the victim's
            ok = response.status_code < 500
        leaked = world.title in body or "Victoria Victim" in body
        if not ok or leaked:
            failures.append(f"{method} {url} ({category}) -> {response.status_code}")
    assert not failures, "\n".join(failures)


def test_tokens_of_others_cannot_be_revoked(client: FlaskClient, world: World) -> None:
    login(client, "other@uni.example", PASSWORD)
    csrf = csrf_from(client.get("/admin/tokens").get_data(as_text=True))
    response = client.post(
        f"/admin/tokens/{world.ids['token_id']}/revoke", data={"csrf_token": csrf}
    )
    assert response.status_code == 404
    assert db.session.get(ApiToken, world.ids["token_id"]).revoked_at is None


def test_administrators_see_every_event(client: FlaskClient, world: World) -> None:
    make_organizer("root@uni.example", admin=True)
    login(client, "root@uni.example", PASSWORD)
    page = client.get(f"/admin/events/{world.slug}/attendees").get_data(as_text=True)
    assert "Victoria Victim" in page
    assert client.get(f"/admin/events/{world.slug}/checkin/{world.ticket_code}").status_code == 200
