"""Example-based tests of the pair score and its parts (eventnet.core.matching)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from eventnet.core.matching import (
    HashedNgramEmbedder,
    MatchingModel,
    MatchingWeights,
    Profile,
    embed_texts,
    normalize_tag,
    recommend,
    score_pair,
)
from eventnet.core.matching.score import split_sentences

EMB = HashedNgramEmbedder()
TAGS_ONLY = MatchingWeights(interest=0.25, reciprocity=0.35, text=0.0)


def P(pid, role="student", org=None, interests=(), offers=(), seeks=(), **kw) -> Profile:
    return Profile(
        id=pid,
        role=role,
        organization_id=org,
        interests=frozenset(interests),
        offers=frozenset(offers),
        seeks=frozenset(seeks),
        **kw,
    )


def crowd(n: int, tag: str, start: int = 100) -> list[Profile]:
    """People who all share ``tag`` (makes it common) and nothing else."""
    return [P(start + i, "staff", 900 + i, interests=[tag]) for i in range(n)]


def test_rare_shared_interest_counts_more_than_common_one():
    a = P(1, "student", 1, interests=["circular economy", "ai"])
    rare = P(2, "employer", 2, interests=["circular economy"])
    common = P(3, "employer", 3, interests=["ai"])
    people = [a, rare, common, *crowd(20, "ai")]
    model = MatchingModel(people, weights=TAGS_ONLY, embedder=EMB)
    s_rare = model.score_pair(1, 2)
    s_common = model.score_pair(1, 3)
    assert s_rare.parts["interest"] > s_common.parts["interest"] > 0
    assert s_rare.score > s_common.score


def test_interest_part_is_idf_weighted_cosine():
    a = P(1, interests=["x", "y"])
    b = P(2, "employer", interests=["x"])
    model = MatchingModel([a, b, *crowd(3, "y")], weights=TAGS_ONLY, embedder=EMB)
    n = 5
    idf_x = math.log((1 + n) / (1 + 2)) + 1
    idf_y = math.log((1 + n) / (1 + 4)) + 1
    expected = idf_x**2 / (math.hypot(idf_x, idf_y) * idf_x)
    assert model.score_pair(1, 2).parts["interest"] == pytest.approx(expected, abs=1e-5)


def test_reciprocity_is_harmonic_mean_with_one_way_floor():
    w = MatchingWeights(interest=0.0, reciprocity=1.0, text=0.0, one_way_floor=0.2)
    student = P(1, "student", 1, seeks=["internships"], offers=["data analysis"])
    both_ways = P(2, "employer", 2, offers=["internships"], seeks=["data analysis"])
    one_way = P(3, "employer", 3, offers=["internships"])
    nothing = P(4, "employer", 4, offers=["coffee"])
    model = MatchingModel([student, both_ways, one_way, nothing], weights=w, embedder=EMB)
    mutual = model.score_pair(1, 2)
    single = model.score_pair(1, 3)
    zero = model.score_pair(1, 4)
    assert mutual.parts["need_met"] == pytest.approx(1.0)
    assert mutual.parts["need_given"] == pytest.approx(1.0)
    assert mutual.parts["reciprocity"] == pytest.approx(1.0)
    # one-way: harmonic mean is 0, the floor keeps phi * (1 + 0) / 2
    assert single.parts["need_met"] == pytest.approx(1.0)
    assert single.parts["need_given"] == pytest.approx(0.0)
    assert single.parts["reciprocity"] == pytest.approx(0.2 * 0.5)
    assert zero.parts["reciprocity"] == 0.0
    assert mutual.score > single.score > zero.score == 0.0


def test_reciprocity_partial_coverage():
    w = MatchingWeights(interest=0.0, reciprocity=1.0, text=0.0, one_way_floor=0.0)
    a = P(1, "student", 1, seeks=["a", "b"], offers=["c"])
    b = P(2, "employer", 2, offers=["a"], seeks=["c"])
    model = MatchingModel([a, b], weights=w, embedder=EMB)
    parts = model.score_pair(1, 2).parts
    # seeks are weighted by the IDF of the offers: "a" is offered by 1 of 2, "b" by nobody
    idf_a = math.log(3 / 2) + 1
    idf_b = math.log(3 / 1) + 1
    u = idf_a / (idf_a + idf_b)
    assert parts["need_met"] == pytest.approx(u, abs=1e-5)
    assert parts["need_given"] == pytest.approx(1.0)
    assert parts["reciprocity"] == pytest.approx(2 * u * 1.0 / (u + 1.0), abs=1e-5)


def test_same_organization_scores_zero_and_is_not_eligible():
    a = P(1, "student", 7, interests=["ai"], seeks=["internships"])
    b = P(2, "employer", 7, interests=["ai"], offers=["internships"])
    res = score_pair(a, b, embedder=EMB)
    assert res.score == 0.0
    assert not res.eligible
    assert res.reasons == ()


def test_no_organization_never_counts_as_same_organization():
    a = P(1, "student", None, interests=["ai"])
    b = P(2, "employer", None, interests=["ai"])
    assert score_pair(a, b, embedder=EMB).score > 0


def test_role_pair_weights_order_the_same_content():
    def pair_score(role_a, role_b):
        a = P(1, role_a, 1, interests=["ai"])
        b = P(2, role_b, 2, interests=["ai"])
        return score_pair(a, b, weights=TAGS_ONLY, embedder=EMB).score

    assert pair_score("student", "employer") == pytest.approx(pair_score("staff", "employer"))
    assert pair_score("student", "employer") > pair_score("staff", "student")
    assert pair_score("staff", "student") > pair_score("student", "student") > 0
    assert pair_score("staff", "student") == pytest.approx(0.6 * pair_score("student", "employer"))


def test_zero_role_weight_forbids_the_pair():
    w = MatchingWeights(role_pair={("student", "student"): 0.0, ("employer", "student"): 1.0})
    a = P(1, "student", 1, interests=["ai"])
    b = P(2, "student", 2, interests=["ai"])
    c = P(3, "employer", 3, interests=["ai"])
    res = recommend([a, b, c], k=2, weights=w, embedder=EMB)
    assert [r.partner_id for r in res.by_attendee[1]] == [3]


def test_score_is_symmetric_and_in_unit_interval():
    a = P(1, "student", 1, interests=["ai", "x"], seeks=["jobs"], seek_text="I need a job in AI.")
    b = P(2, "employer", 2, interests=["ai"], offers=["jobs"], offer_text="We hire AI people.")
    model = MatchingModel([a, b], embedder=EMB)
    ab, ba = model.score_pair(1, 2), model.score_pair(2, 1)
    assert ab.score == pytest.approx(ba.score)
    assert 0.0 < ab.score <= 1.0
    assert ab.parts["need_met"] == pytest.approx(ba.parts["need_given"])


def test_block_scores_match_pair_scores():
    people = [
        P(1, "student", 1, ["ai", "bio"], ["python"], ["internships"], seek_text="Internship."),
        P(
            2,
            "employer",
            2,
            ["ai"],
            ["internships"],
            ["python"],
            offer_text="We offer internships.",
        ),
        P(
            3,
            "staff",
            3,
            ["bio"],
            ["thesis topics"],
            ["industry projects"],
            goals="Meet companies.",
        ),
        P(4, "employer", 2, ["bio", "ai"], ["industry projects"], ["python"]),
        P(5, "student", None, ["ai"], [], ["thesis topics"], seek_text="A thesis topic in AI."),
    ]
    model = MatchingModel(people, embedder=EMB)
    block = model.score_rows(np.arange(model.n))
    for i in range(model.n):
        for j in range(model.n):
            ps = model.score_pair(int(model.ids[i]), int(model.ids[j]))
            if i == j or not ps.eligible:
                assert block[i, j] == -1.0
            else:
                assert block[i, j] == pytest.approx(ps.score, abs=1e-5)


def test_tiny_blocks_give_the_same_results(monkeypatch):
    from eventnet.core.matching import score as score_module

    people = [
        P(
            i,
            ["student", "staff", "employer"][i % 3],
            i % 4,
            [["ai", "bio", "law"][i % 3]],
            [["internships", "python"][i % 2]],
            [["python", "internships"][i % 2]],
            offer_text=f"We offer internships in topic {i % 5}. Python jobs.",
            seek_text=f"I seek internships in topic {i % 4}.",
            goals="Meet people.",
        )
        for i in range(1, 13)
    ]
    model = MatchingModel(people, embedder=EMB)
    full = model.score_rows(np.arange(model.n))
    big = recommend(people, k=3, embedder=EMB)
    monkeypatch.setattr(score_module, "BLOCK_FLOATS", 20)
    assert model.block_size() == 1
    assert np.allclose(model.score_rows(np.arange(model.n)), full, atol=1e-6)
    small = recommend(people, k=3, embedder=EMB)
    assert [
        (r.attendee_id, r.partner_id, r.score) for v in small.by_attendee.values() for r in v
    ] == [(r.attendee_id, r.partner_id, r.score) for v in big.by_attendee.values() for r in v]


@pytest.mark.parametrize("with_text", [True, False])
def test_recommend_scores_equal_score_pair_across_roles(with_text):
    texts = {"offer_text": "We offer internships.", "seek_text": "An internship."}
    people = [
        P(1, "student", 1, ["ai"], ["python"], ["internships"], **(texts if with_text else {})),
        P(2, "employer", 2, ["ai"], ["internships"], ["python"], **(texts if with_text else {})),
        P(3, "staff", 3, ["ai"], ["thesis topics"], ["python"]),
        P(4, "student", 4, ["ai"], ["python"], []),
    ]
    res = recommend(people, k=3, embedder=EMB)
    model = MatchingModel(people, embedder=EMB)
    for recs in res.by_attendee.values():
        for r in recs:
            assert r.score == pytest.approx(
                model.score_pair(r.attendee_id, r.partner_id).score, abs=1e-6
            )


def test_recommend_scores_equal_score_pair_with_population():
    people = [
        P(1, "student", 1, ["ai"], ["python"], ["internships"], seek_text="An AI internship."),
        P(2, "employer", 2, ["ai"], ["internships"], ["python"], offer_text="AI internships."),
        P(3, "staff", 3, ["ai"], ["thesis topics"], []),
    ]
    res = recommend(people, k=2, embedder=EMB)
    for recs in res.by_attendee.values():
        for r in recs:
            a = next(p for p in people if p.id == r.attendee_id)
            b = next(p for p in people if p.id == r.partner_id)
            assert r.score == pytest.approx(score_pair(a, b, people, embedder=EMB).score, abs=1e-6)


def test_text_part_rewards_matching_need_and_offer_sentences():
    w = MatchingWeights(interest=0.0, reciprocity=0.0, text=1.0, text_baseline=0.0)
    seeker = P(1, "student", 1, seek_text="I am looking for an internship in battery chemistry.")
    match = P(2, "employer", 2, offer_text="We offer internships in battery chemistry.")
    other = P(3, "employer", 3, offer_text="Our bakery sells sourdough bread on weekends.")
    model = MatchingModel([seeker, match, other], weights=w, embedder=EMB)
    good, bad = model.score_pair(1, 2), model.score_pair(1, 3)
    assert good.parts["text_they_offer"] > bad.parts["text_they_offer"]
    assert good.parts["text"] > 0.3
    assert good.score > bad.score
    kinds = [r.kind for r in good.reasons]
    assert "text_they_offer" in kinds
    quote = next(r for r in good.reasons if r.kind == "text_they_offer").tags
    assert quote == ("We offer internships in battery chemistry.",)


def test_goals_count_as_needs():
    w = MatchingWeights(interest=0.0, reciprocity=0.0, text=1.0, text_baseline=0.0)
    a = P(1, "student", 1, goals="Find a thesis topic about water treatment.")
    b = P(2, "staff", 2, offer_text="Thesis topics about water treatment and clean water.")
    assert MatchingModel([a, b], weights=w, embedder=EMB).score_pair(1, 2).score > 0.2


def test_missing_text_gives_zero_text_part():
    a = P(1, "student", 1, interests=["ai"])
    b = P(2, "employer", 2, interests=["ai"], offer_text="We hire.")
    parts = score_pair(a, b, embedder=EMB).parts
    assert parts["text"] == 0.0


def test_weights_validation():
    with pytest.raises(ValueError):
        MatchingWeights(interest=-1)
    with pytest.raises(ValueError):
        MatchingWeights(interest=0, reciprocity=0, text=0)
    with pytest.raises(ValueError):
        MatchingWeights(one_way_floor=1.5)
    with pytest.raises(ValueError):
        MatchingWeights(text_baseline=1.0)
    assert MatchingWeights().role_weight("student", "employer") == 1.0
    assert MatchingWeights().role_weight("employer", "student") == 1.0
    assert MatchingWeights().role_weight("staff", "student") == 0.6
    assert MatchingWeights().role_weight("alien", "student") == 0.2


def test_tags_are_normalized_and_keep_first_label():
    assert normalize_tag("  Circular   Economy ") == "circular economy"
    a = P(1, "student", 1, interests=["Circular  Economy"])
    b = P(2, "employer", 2, interests=["circular economy"])
    res = score_pair(a, b, weights=TAGS_ONLY, embedder=EMB)
    assert res.parts["interest"] == pytest.approx(1.0)
    assert res.reasons[0].kind == "shared_interests"
    assert res.reasons[0].tags == ("Circular Economy",)


def test_duplicate_ids_rejected():
    with pytest.raises(ValueError):
        MatchingModel([P(1), P(1, "staff")], embedder=EMB)


def test_split_sentences():
    text = "We offer internships. And thesis topics!\n- mentoring\n• datasets; funding"
    assert split_sentences(text) == [
        "We offer internships.",
        "And thesis topics!",
        "mentoring",
        "datasets;",
        "funding",
    ]
    assert split_sentences("") == []
    assert len(split_sentences(". ".join(["x"] * 20), max_sentences=8)) == 8


def test_hashed_embedder_is_deterministic_and_meaningful():
    texts = [
        "internship in battery chemistry",
        "internships in battery chemistry",
        "sourdough bread",
        "",
    ]
    e1 = embed_texts(HashedNgramEmbedder(), texts)
    e2 = embed_texts(HashedNgramEmbedder(), texts)
    assert np.array_equal(e1, e2)
    assert e1[0] @ e1[1] > 0.5 > e1[0] @ e1[2]
    assert not e1[3].any()
    assert np.linalg.norm(e1[0]) == pytest.approx(1.0, abs=1e-5)
