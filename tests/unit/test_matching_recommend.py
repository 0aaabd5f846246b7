"""Properties of recommend() that must hold whatever the input (hypothesis)."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eventnet.core.matching import HashedNgramEmbedder, MatchingWeights, Profile, recommend

EMB = HashedNgramEmbedder()
TAGS = ["ai", "bio", "law", "energy", "water", "design"]
RESOURCES = ["internships", "thesis topics", "jobs", "mentoring", "funding"]
SENTENCES = [
    "",
    "We offer internships in AI.",
    "I am looking for a thesis topic about water.",
    "Funding for energy research.",
    "Mentoring for design students. Jobs in law.",
]
FAST = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@st.composite
def events(draw):
    n = draw(st.integers(0, 14))
    ids = draw(st.lists(st.integers(1, 500), min_size=n, max_size=n, unique=True))
    people = []
    for pid in ids:
        people.append(
            Profile(
                id=pid,
                role=draw(st.sampled_from(["staff", "student", "employer"])),
                organization_id=draw(st.one_of(st.none(), st.integers(1, 4))),
                interests=frozenset(draw(st.lists(st.sampled_from(TAGS), max_size=3))),
                offers=frozenset(draw(st.lists(st.sampled_from(RESOURCES), max_size=2))),
                seeks=frozenset(draw(st.lists(st.sampled_from(RESOURCES), max_size=2))),
                offer_text=draw(st.sampled_from(SENTENCES)),
                seek_text=draw(st.sampled_from(SENTENCES)),
                goals=draw(st.sampled_from(SENTENCES)),
                consent_profile=draw(st.sampled_from([True, True, True, False])),
            )
        )
    pair = st.tuples(st.sampled_from(ids), st.sampled_from(ids)) if ids else st.nothing()
    pinned = draw(st.lists(pair, max_size=3)) if ids else []
    blocked = draw(st.lists(pair, max_size=4)) if ids else []
    k = draw(st.integers(0, 4))
    cap = draw(st.one_of(st.none(), st.integers(0, 6)))
    zero_same_role = draw(st.booleans())
    per_attendee = draw(st.one_of(st.none(), st.integers(1, 3)))
    return people, pinned, blocked, k, cap, zero_same_role, per_attendee


def run(people, pinned, blocked, k, cap, zero_same_role, per_attendee=None):
    weights = MatchingWeights()
    if zero_same_role:
        weights = MatchingWeights(
            role_pair={**weights.role_pair, ("student", "student"): 0.0, ("staff", "staff"): 0.0}
        )
    return recommend(
        people,
        k=k,
        exposure_cap=cap,
        weights=weights,
        pinned=pinned,
        blocked=blocked,
        embedder=EMB,
        candidates_per_attendee=per_attendee,
    )


def allowed_pair(a: Profile, b: Profile, blocked_set, weights: MatchingWeights) -> bool:
    return (
        a.id != b.id
        and a.consent_profile
        and b.consent_profile
        and not (a.organization_id is not None and a.organization_id == b.organization_id)
        and frozenset((a.id, b.id)) not in blocked_set
        and weights.role_weight(a.role, b.role) > 0
    )


@FAST
@given(events())
def test_recommendation_invariants(case):
    people, pinned, blocked, k, cap, _zero_same_role, _per = case
    res = run(*case)
    by_id = {p.id: p for p in people}
    consenting = {p.id for p in people if p.consent_profile}
    blocked_set = {frozenset(b) for b in blocked}
    cap_eff = 2 * k if cap is None else cap
    weights = res.model.weights

    # only consenting attendees take part, each consenting one has a (maybe empty) list
    assert set(res.by_attendee) == consenting
    valid_pins = {
        frozenset(p)
        for p in pinned
        if p[0] != p[1]
        and allowed_pair(
            by_id[p[0]],
            by_id[p[1]],
            blocked_set,
            MatchingWeights(role_pair={}, unknown_role_weight=1),
        )
    }
    exposure = dict.fromkeys(consenting, 0)
    pins_of = dict.fromkeys(consenting, 0)
    for pin in valid_pins:
        for x in pin:
            pins_of[x] += 1
    for a_id, recs in res.by_attendee.items():
        partners = [r.partner_id for r in recs]
        assert len(partners) == len(set(partners))  # no duplicates
        assert [r.rank for r in recs] == list(range(1, len(recs) + 1))
        assert len(recs) <= max(k, pins_of[a_id])
        seen_unpinned = False
        for r in recs:
            b = by_id[r.partner_id]
            assert r.attendee_id == a_id
            assert b.consent_profile
            assert b.id != a_id
            # never the same organization, never blocked
            a = by_id[a_id]
            assert not (a.organization_id is not None and a.organization_id == b.organization_id)
            assert frozenset((a_id, b.id)) not in blocked_set
            if r.pinned:
                assert not seen_unpinned  # pins first
                assert frozenset((a_id, b.id)) in valid_pins
            else:
                seen_unpinned = True
                assert weights.role_weight(a.role, b.role) > 0
            assert 0.0 <= r.score <= 1.0
            exposure[b.id] += 1
        unpinned = [r.score for r in recs if not r.pinned]
        assert unpinned == sorted(unpinned, reverse=True)
    # pinned pairs appear in both lists
    for pin in valid_pins:
        x, y = tuple(pin)
        assert y in [r.partner_id for r in res.by_attendee[x]]
        assert x in [r.partner_id for r in res.by_attendee[y]]
    # exposure cap (pins may exceed it, nothing else)
    for pid, count in exposure.items():
        assert count <= max(cap_eff, pins_of[pid])
    # coverage: a short list means every allowed partner missing from it is at the cap
    for a_id, recs in res.by_attendee.items():
        if len(recs) >= k:
            continue
        listed = {r.partner_id for r in recs}
        for b_id in consenting - listed - {a_id}:
            if allowed_pair(by_id[a_id], by_id[b_id], blocked_set, weights):
                assert exposure[b_id] >= cap_eff, (a_id, b_id)


@FAST
@given(events(), st.randoms(use_true_random=False))
def test_deterministic_whatever_the_input_order(case, rnd):
    people, pinned, blocked, k, cap, zero_same_role, per = case
    first = run(*case)
    shuffled = list(people)
    rnd.shuffle(shuffled)
    second = run(
        shuffled, list(reversed(pinned)), list(reversed(blocked)), k, cap, zero_same_role, per
    )

    def snapshot(res):
        return {
            a: [(r.partner_id, r.rank, r.score, r.pinned, r.reasons) for r in recs]
            for a, recs in res.by_attendee.items()
        }

    assert snapshot(first) == snapshot(second)


def test_exposure_cap_spreads_a_popular_partner():
    star = Profile(1, "employer", 1, frozenset({"ai"}), frozenset({"internships"}))
    students = [
        Profile(10 + i, "student", 100 + i, frozenset({"ai"}), seeks=frozenset({"internships"}))
        for i in range(6)
    ]
    others = [Profile(30 + i, "employer", 200 + i, frozenset({"ai"})) for i in range(3)]
    res = recommend([star, *students, *others], k=1, exposure_cap=2, embedder=EMB)
    appear = sum(1 for recs in res.by_attendee.values() for r in recs if r.partner_id == 1)
    assert appear == 2
    assert res.stats.max_exposure <= 2
    uncapped = recommend([star, *students, *others], k=1, exposure_cap=100, embedder=EMB)
    assert sum(r.partner_id == 1 for recs in uncapped.by_attendee.values() for r in recs) == 6


def test_everyone_gets_k_when_the_pool_allows():
    rng = random.Random(5)
    people = [
        Profile(
            i,
            rng.choice(["staff", "student", "employer"]),
            i % 7,
            frozenset(rng.sample(["ai", "bio", "law", "art"], 2)),
        )
        for i in range(60)
    ]
    res = recommend(people, k=5, embedder=EMB)
    assert res.stats.coverage == 1.0
    assert all(len(v) == 5 for v in res.by_attendee.values())


def test_consent_and_blocking():
    a = Profile(1, "student", 1, frozenset({"ai"}))
    b = Profile(2, "employer", 2, frozenset({"ai"}))
    c = Profile(3, "employer", 3, frozenset({"ai"}), consent_profile=False)
    d = Profile(4, "employer", 4, frozenset({"ai"}))
    res = recommend([a, b, c, d], k=3, blocked=[(4, 1)], embedder=EMB)
    assert 3 not in res.by_attendee
    assert [r.partner_id for r in res.by_attendee[1]] == [2]
    assert res.stats.n_excluded_no_consent == 1


def test_ignored_pins_are_reported():
    a = Profile(1, "student", 1)
    b = Profile(2, "employer", 1)
    c = Profile(3, "employer", 3, consent_profile=False)
    d = Profile(4, "staff", 4)
    res = recommend(
        [a, b, c, d], k=2, pinned=[(1, 2), (1, 3), (4, 4), (1, 4)], blocked=[(1, 4)], embedder=EMB
    )
    assert dict(((x, y), why) for x, y, why in res.stats.ignored_pins) == {
        (1, 2): "same_organization",
        (1, 3): "not_participating",
        (4, 4): "self",
        (1, 4): "blocked",
    }
    assert all(not r.pinned for recs in res.by_attendee.values() for r in recs)


def test_edge_cases():
    assert recommend([], embedder=EMB).by_attendee == {}
    one = recommend([Profile(1, "staff", None)], embedder=EMB)
    assert one.by_attendee == {1: []}
    assert one.stats.coverage == 0.0
    zero_k = recommend([Profile(1, "staff", 1), Profile(2, "student", 2)], k=0, embedder=EMB)
    assert zero_k.by_attendee == {1: [], 2: []}
    with pytest.raises(ValueError):
        recommend([], k=-1)
    with pytest.raises(ValueError):
        recommend([], exposure_cap=-1)


def test_prefers_complementary_partner_over_similar_one():
    student = Profile(
        1, "student", 1, frozenset({"ai"}), frozenset({"python"}), frozenset({"internships"})
    )
    complementary = Profile(
        2, "employer", 2, frozenset({"ai"}), frozenset({"internships"}), frozenset({"python"})
    )
    lookalike = Profile(
        3, "employer", 3, frozenset({"ai"}), frozenset({"python"}), frozenset({"internships"})
    )
    res = recommend([student, complementary, lookalike], k=2, embedder=EMB)
    assert [r.partner_id for r in res.by_attendee[1]] == [2, 3]
    assert res.by_attendee[1][0].score > res.by_attendee[1][1].score
