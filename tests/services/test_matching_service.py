"""Matching as a use case: who takes part, what is stored, overrides, publishing, jobs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import event as sa_event

from eventnet.core.matching import explain as engine_explain
from eventnet.extensions import db
from eventnet.models import (
    BackgroundJob,
    Event,
    JobStatus,
    MeetingSlot,
    MeetingTable,
    Recommendation,
    Registration,
    RegistrationStatus,
    RegistrationTag,
    TagKind,
)
from eventnet.services import DomainError, NotFound
from eventnet.services import matching as svc
from eventnet.services.matching_messages import MSGIDS, explanation
from tests.factories import make_event, make_organization, make_organizer, make_registration

TAGS = (
    "Data science",
    "Circular economy",
    "Machine learning",
    "Internships",
    "Thesis topics",
    "Recruitment",
    "Research collaboration",
)


@dataclass
class World:
    event: Event
    people: dict[str, Registration] = field(default_factory=dict)

    def id(self, name: str) -> int:
        return self.people[name].id


def add_person(
    world: World,
    name: str,
    role: str,
    org: str,
    *,
    interests: tuple[str, ...] = (),
    offers: tuple[str, ...] = (),
    seeks: tuple[str, ...] = (),
    **kw: object,
) -> Registration:
    organization = _orgs.get(org) or make_organization(f"{org} {len(_orgs)}-{id(world)}")
    _orgs[org] = organization
    labels = {i.label: i for i in world.event.interests}
    reg = make_registration(
        world.event,
        name=name,
        role=role,
        email=f"{name.lower().replace(' ', '.')}.{id(world)}@example.org",
        organization_id=organization.id,
        **kw,
    )
    for kind, items in (("interest", interests), ("offer", offers), ("seek", seeks)):
        for label in items:
            reg.tags.append(RegistrationTag(interest=labels[label], kind=TagKind(kind)))
    db.session.commit()
    world.people[name] = reg
    return reg


_orgs: dict[str, object] = {}


def small_world(*, published: bool = False, slots: int = 0, tables: int = 0) -> World:
    """Students, employers and staff with complementary offers and seeks."""
    _orgs.clear()
    event = make_event(interests=TAGS, max_meetings_per_person=3)
    world = World(event)
    add_person(
        world,
        "Ana Student",
        "student",
        "Uni A",
        interests=("Data science", "Machine learning"),
        seeks=("Internships", "Thesis topics"),
        offers=("Research collaboration",),
        seek_text="I am looking for a data science internship.",
    )
    add_person(
        world,
        "Ben Student",
        "student",
        "Uni A",
        interests=("Circular economy",),
        seeks=("Internships",),
        seek_text="Looking for a thesis on circular economy.",
    )
    add_person(
        world,
        "Cleo Employer",
        "employer",
        "Firm C",
        interests=("Data science", "Machine learning"),
        offers=("Internships", "Thesis topics"),
        seeks=("Recruitment",),
        offer_text="We offer data science internships.",
    )
    add_person(
        world,
        "Dan Employer",
        "employer",
        "Firm D",
        interests=("Circular economy",),
        offers=("Internships",),
        seeks=("Research collaboration",),
        offer_text="Thesis topics in circular economy.",
    )
    add_person(
        world,
        "Eva Staff",
        "staff",
        "Uni B",
        interests=("Machine learning", "Circular economy"),
        offers=("Thesis topics",),
        seeks=("Research collaboration",),
    )
    add_person(
        world,
        "Finn Staff",
        "staff",
        "Uni A",
        interests=("Data science",),
        offers=("Research collaboration",),
        seeks=("Recruitment",),
    )
    # never take part: no consent to show the profile, or not confirmed
    add_person(
        world,
        "Gus Hidden",
        "employer",
        "Firm G",
        consent_profile_at=None,
        interests=("Data science",),
        offers=("Internships",),
    )
    add_person(
        world,
        "Hal Waiting",
        "student",
        "Uni H",
        status=RegistrationStatus.WAITLISTED,
        waitlist_position=1,
        interests=("Data science",),
        seeks=("Internships",),
    )
    for i in range(slots):
        start = event.starts_at + timedelta(minutes=20 * i)
        db.session.add(
            MeetingSlot(event_id=event.id, starts_at=start, ends_at=start + timedelta(minutes=15))
        )
    for i in range(tables):
        db.session.add(MeetingTable(event_id=event.id, label=f"T{i + 1}", position=i))
    db.session.commit()
    if published:
        svc.run_matching(event.id, event.starts_at - timedelta(days=10))
        svc.publish_recommendations(event.id, event.starts_at - timedelta(days=10))
    return world


def recs(event_id: int) -> list[Recommendation]:
    return list(
        db.session.scalars(
            sa.select(Recommendation)
            .where(Recommendation.event_id == event_id)
            .order_by(Recommendation.registration_id, Recommendation.rank)
        )
    )


def test_run_matching_stores_explained_lists_for_participants_only(app_ctx, now) -> None:
    world = small_world()
    outcome = svc.run_matching(world.event.id, now, k=3)
    rows = recs(world.event.id)
    assert outcome.stored == len(rows) > 0 and not outcome.preview
    hidden = {world.id("Gus Hidden"), world.id("Hal Waiting")}
    everyone = {r.registration_id for r in rows} | {r.partner_id for r in rows}
    assert not everyone & hidden
    orgs = {r.id: r.organization_id for r in world.people.values()}
    assert all(orgs[r.registration_id] != orgs[r.partner_id] for r in rows)
    assert all(r.rank <= 3 for r in rows)
    # Ana (seeks internships, data science) gets Cleo (offers them) first, with the reasons
    ana = [r for r in rows if r.registration_id == world.id("Ana Student")]
    assert ana[0].partner_id == world.id("Cleo Employer")
    text = explanation(ana[0].reasons)
    assert "They offer" in text and "Internships" in text and "Data science" in text
    event = db.session.get(Event, world.event.id)
    assert event.recommendations_k == 3 and event.matching_weights["role_pair"]
    assert outcome.summary.participants == 6
    assert outcome.summary.recommendations == len(rows)


def test_preview_changes_nothing_and_run_replaces_previous_rows(app_ctx, now) -> None:
    world = small_world()
    svc.run_matching(world.event.id, now, k=2)
    before = [(r.registration_id, r.partner_id) for r in recs(world.event.id)]
    preview = svc.run_matching(world.event.id, now, k=4, preview=True)
    assert preview.stored == 0 and preview.summary.k == 4
    assert [(r.registration_id, r.partner_id) for r in recs(world.event.id)] == before
    assert db.session.get(Event, world.event.id).recommendations_k == 2
    svc.run_matching(world.event.id, now, k=1)
    assert all(r.rank == 1 for r in recs(world.event.id))


def test_pins_come_first_for_both_and_blocks_never_appear(app_ctx, now) -> None:
    world = small_world()
    ben, eva = world.id("Ben Student"), world.id("Eva Staff")
    ana, cleo = world.id("Ana Student"), world.id("Cleo Employer")
    svc.set_override(world.event.id, eva, ben, "pin", now)
    svc.set_override(world.event.id, ana, cleo, "block", now)
    svc.run_matching(world.event.id, now, k=2)
    rows = recs(world.event.id)
    first = {r.registration_id: r.partner_id for r in rows if r.rank == 1}
    assert first[ben] == eva and first[eva] == ben
    pinned = next(r for r in rows if r.registration_id == ben and r.rank == 1)
    assert explanation(pinned.reasons).startswith("The organizers suggested this meeting.")
    assert not [r for r in rows if {r.registration_id, r.partner_id} == {ana, cleo}]
    # changing a pin into a block keeps one override per pair
    svc.set_override(world.event.id, ben, eva, "block", now)
    overrides = svc.overrides_of(world.event.id)
    assert len(overrides) == 2 and {o.kind.value for o, _a, _b in overrides} == {"block"}
    svc.remove_override(world.event.id, overrides[0][0].id, now)
    assert len(svc.overrides_of(world.event.id)) == 1


def test_overrides_refuse_same_organization_pins_and_foreign_attendees(app_ctx, now) -> None:
    world = small_world()
    with pytest.raises(DomainError) as exc:
        svc.set_override(
            world.event.id, world.id("Ana Student"), world.id("Finn Staff"), "pin", now
        )
    assert exc.value.field == "second"
    other = make_event()
    stranger = make_registration(other)
    with pytest.raises(NotFound):
        svc.set_override(world.event.id, world.id("Ana Student"), stranger.id, "block", now)
    with pytest.raises(DomainError):
        svc.find_registration(world.event.id, "nobody@example.org", "first")
    found = svc.find_registration(world.event.id, world.people["Eva Staff"].email.upper(), "first")
    assert found.id == world.id("Eva Staff")


@pytest.mark.parametrize(
    ("kwargs", "field_name"),
    [
        ({"k": 0}, "k"),
        ({"k": 31}, "k"),
        ({"k": 3, "exposure_cap": 2}, "exposure_cap"),
        ({"weights": {"interest": 0, "reciprocity": 0, "text": 0}}, "interest"),
        ({"weights": {"interest": 1.5}}, "interest"),
        ({"weights": {"role_pair": {"employer-student": -1}}}, "interest"),
    ],
)
def test_bad_settings_are_refused_with_the_field(app_ctx, now, kwargs, field_name) -> None:
    event = make_event()
    with pytest.raises(DomainError) as exc:
        svc.run_matching(event.id, now, preview=True, **kwargs)
    assert exc.value.field == field_name


def test_role_pair_weight_zero_removes_those_pairs(app_ctx, now) -> None:
    world = small_world()
    weights = {"role_pair": {"employer-student": 0.0}}
    svc.run_matching(world.event.id, now, k=3, weights=weights)
    roles = {r.id: r.role.value for r in world.people.values()}
    pairs = {
        tuple(sorted((roles[r.registration_id], roles[r.partner_id]))) for r in recs(world.event.id)
    }
    assert ("employer", "student") not in pairs
    assert (
        db.session.get(Event, world.event.id).matching_weights["role_pair"]["employer-student"]
        == 0.0
    )


def test_publishing_needs_recommendations(app_ctx, now) -> None:
    world = small_world()
    with pytest.raises(DomainError):
        svc.publish_recommendations(world.event.id, now)
    svc.run_matching(world.event.id, now)
    svc.publish_recommendations(world.event.id, now)
    assert db.session.get(Event, world.event.id).recommendations_published_at == now
    svc.unpublish_recommendations(world.event.id, now)
    assert db.session.get(Event, world.event.id).recommendations_published_at is None


def test_stored_summary_matches_the_run(app_ctx, now) -> None:
    world = small_world()
    outcome = svc.run_matching(world.event.id, now, k=2)
    stored = svc.recommendation_summary(world.event.id)
    assert stored is not None
    for name in (
        "participants",
        "recommendations",
        "coverage",
        "cross_role_share",
        "reciprocal_share",
        "max_exposure",
        "histogram",
    ):
        assert getattr(stored, name) == getattr(outcome.summary, name), name
    assert sum(stored.histogram) == stored.recommendations
    assert svc.recommendation_summary(make_event().id) is None


def test_profiles_load_in_a_fixed_number_of_queries(app, app_ctx, now) -> None:
    def count_queries(event_id: int) -> int:
        statements: list[str] = []

        def listener(*args: object) -> None:
            statements.append(str(args[2]))

        engine = db.session.get_bind()
        sa_event.listen(engine, "before_cursor_execute", listener)
        try:
            loaded = svc.load_profiles(event_id)
        finally:
            sa_event.remove(engine, "before_cursor_execute", listener)
        assert loaded.profiles
        return len([s for s in statements if s.lstrip().upper().startswith("SELECT")])

    small = small_world()
    big = small_world()
    for i in range(25):
        add_person(
            big,
            f"Extra {i}",
            ("student", "employer", "staff")[i % 3],
            f"Org {i}",
            interests=("Data science",),
            offers=("Internships",),
        )
    db.session.expire_all()
    assert count_queries(big.event.id) == count_queries(small.event.id) <= 4


def test_matching_job_records_progress_and_result(app_ctx, now) -> None:
    world = small_world()
    organizer = make_organizer()
    job = svc.start_job("matching", world.event.id, now, params={"k": 2}, actor=organizer)
    with pytest.raises(DomainError):
        svc.start_job("matching", world.event.id, now)
    svc.run_matching_job(job.id)
    status = svc.job_status(world.event.id, job.id)
    assert status["status"] == "finished" and status["done"] and status["progress"] == 100
    row = db.session.get(BackgroundJob, job.id)
    assert row.params["result"]["recommendations"] == len(recs(world.event.id)) > 0
    assert svc.latest_job(world.event.id, "matching").id == job.id
    with pytest.raises(NotFound):
        svc.job_status(make_event().id, job.id)


def test_a_failing_job_is_marked_failed_with_the_message(app_ctx, now) -> None:
    world = small_world()
    job = svc.start_job("matching", world.event.id, now, params={"k": 99})
    svc.run_matching_job(job.id)
    row = db.session.get(BackgroundJob, job.id)
    assert row.status == JobStatus.FAILED and "between 1 and" in row.error


def test_engine_messages_are_all_listed_for_extraction() -> None:
    engine = set(engine_explain.MESSAGES.values()) | set(engine_explain.ROLE_MESSAGES.values())
    engine |= {engine_explain.LIST_SEPARATOR, engine_explain.LIST_LAST}
    assert {m._args[0] for m in MSGIDS} == engine


def test_explanations_are_translated(app) -> None:
    from flask_babel import force_locale

    reasons = [
        {"kind": "shared_interests", "tags": ["Data science", "AI"], "weight": 0.3},
        {"kind": "unknown_kind", "tags": []},
    ]
    with app.test_request_context():
        english = explanation(reasons)
        with force_locale("fi"):
            finnish = explanation(reasons)
    assert english == "You both work on Data science and AI."
    assert finnish and "Data science" in finnish
