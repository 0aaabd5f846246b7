"""``GET /api/v1/events/<slug>/recommendations`` and ``/meetings`` with an organizer token."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from eventnet.extensions import db
from eventnet.models import EventOrganizer
from eventnet.services import matching as matching_svc
from eventnet.services import meetings as meetings_svc
from eventnet.services.api_tokens import create_token
from tests.factories import make_organizer
from tests.services.test_matching_service import small_world


@pytest.fixture
def api(app, db_session):
    with app.app_context():
        owner = make_organizer("owner@uni.example")
        stranger = make_organizer("stranger@uni.example")
        world = small_world(slots=2, tables=2)
        db.session.add(EventOrganizer(event_id=world.event.id, organizer=owner, is_owner=True))
        db.session.commit()
        now = datetime.now(UTC)
        matching_svc.run_matching(world.event.id, now, k=2)
        meetings_svc.schedule_meetings(world.event.id, now)
        _row, secret = create_token(owner.id, "CRM", now)
        _row2, other = create_token(stranger.id, "Other", now)
        data = {
            "slug": world.event.slug,
            "owner": {"Authorization": f"Bearer {secret}"},
            "stranger": {"Authorization": f"Bearer {other}"},
            "people": {n: (r.id, r.email) for n, r in world.people.items()},
        }
    db.session.remove()
    return data


def test_recommendations_per_attendee_with_partner_email_and_explanation(client, api) -> None:
    response = client.get(f"/api/v1/events/{api['slug']}/recommendations", headers=api["owner"])
    assert response.status_code == 200
    body = response.get_json()
    assert body["event"] == api["slug"] and body["k"] == 2 and body["total"] == 6
    ana_id, ana_email = api["people"]["Ana Student"]
    ana = next(a for a in body["items"] if a["registration_id"] == ana_id)
    assert ana["email"] == ana_email
    first = ana["recommendations"][0]
    cleo_id, cleo_email = api["people"]["Cleo Employer"]
    assert first["rank"] == 1 and first["partner_id"] == cleo_id
    assert first["partner_email"] == cleo_email and 0 < first["score"] <= 1
    assert "They offer" in first["explanation"]
    assert [r["rank"] for r in ana["recommendations"]] == [1, 2]
    hidden = {api["people"][n][0] for n in ("Gus Hidden", "Hal Waiting")}
    assert not hidden & {a["registration_id"] for a in body["items"]}

    page = client.get(
        f"/api/v1/events/{api['slug']}/recommendations?per_page=4&page=2", headers=api["owner"]
    ).get_json()
    assert len(page["items"]) == 2 and page["total"] == 6
    bad = client.get(
        f"/api/v1/events/{api['slug']}/recommendations?per_page=0", headers=api["owner"]
    )
    assert bad.status_code == 422 and "per_page" in bad.get_json()["fields"]


def test_meetings_with_slot_table_and_both_partners(client, api) -> None:
    response = client.get(f"/api/v1/events/{api['slug']}/meetings", headers=api["owner"])
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] == len(body["items"]) > 0
    seen = set()
    for m in body["items"]:
        assert m["status"] == "scheduled" and len(m["partners"]) == 2
        assert all(p["email"] and p["registration_id"] for p in m["partners"])
        assert m["slot"]["starts_at"] < m["slot"]["ends_at"] and m["table"]["label"]
        key = (m["slot"]["id"], m["table"]["id"])
        assert key not in seen
        seen.add(key)
    none = client.get(f"/api/v1/events/{api['slug']}/meetings?status=held", headers=api["owner"])
    assert none.get_json()["total"] == 0
    bad = client.get(f"/api/v1/events/{api['slug']}/meetings?status=nope", headers=api["owner"])
    assert bad.status_code == 422


def test_token_required_and_only_for_own_events(client, api) -> None:
    for path in ("recommendations", "meetings"):
        url = f"/api/v1/events/{api['slug']}/{path}"
        assert client.get(url).status_code == 401
        assert client.get(url, headers={"Authorization": "Bearer nope"}).status_code == 401
        assert client.get(url, headers=api["stranger"]).status_code == 404
        assert client.get(f"/api/v1/events/missing/{path}", headers=api["owner"]).status_code == 404


def test_the_paths_are_in_the_openapi_document(client) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/events/{slug}/recommendations" in spec["paths"]
    assert "/events/{slug}/meetings" in spec["paths"]
    assert {"RecommendationList", "MeetingList"} <= set(spec["components"]["schemas"])
