"""Explanations: structured reasons and their (translatable) rendering."""

from __future__ import annotations

import re

from eventnet.core.matching import (
    MESSAGES,
    ROLE_MESSAGES,
    HashedNgramEmbedder,
    MatchingWeights,
    Profile,
    Reason,
    recommend,
    render_explanation,
    score_pair,
)
from eventnet.core.matching.explain import LIST_LAST, LIST_SEPARATOR

EMB = HashedNgramEmbedder()


def P(pid, role, org, interests=(), offers=(), seeks=(), **kw) -> Profile:
    return Profile(pid, role, org, frozenset(interests), frozenset(offers), frozenset(seeks), **kw)


def test_reasons_and_sentence_for_a_complementary_pair():
    student = P(1, "student", 1, ["circular economy"], [], ["thesis topics"])
    staff = P(2, "staff", 2, ["circular economy"], ["thesis topics"], [])
    res = score_pair(student, staff, embedder=EMB)
    kinds = [r.kind for r in res.reasons]
    assert kinds[-1] == "partner_role"
    assert set(kinds[:-1]) == {"shared_interests", "they_offer"}
    by_kind = {r.kind: r for r in res.reasons}
    assert by_kind["shared_interests"].tags == ("circular economy",)
    assert by_kind["they_offer"].tags == ("thesis topics",)
    text = res.explanation()
    assert "You both work on circular economy." in text
    assert "They offer thesis topics, which you are looking for." in text
    assert text.endswith("They attend as higher-education staff.")


def test_perspective_is_the_readers():
    student = P(1, "student", 1, [], ["python"], ["internships"])
    employer = P(2, "employer", 2, [], ["internships"], ["python"])
    for_student = score_pair(student, employer, embedder=EMB).explanation()
    for_employer = score_pair(employer, student, embedder=EMB).explanation()
    assert "They offer internships, which you are looking for." in for_student
    assert "They are looking for python, which you offer." in for_student
    assert "They offer python, which you are looking for." in for_employer
    assert for_student.endswith("They attend as an employer.")
    assert for_employer.endswith("They attend as an international degree student.")


def test_tags_listed_rarest_first_and_joined():
    a = P(1, "student", 1, ["ai", "bio", "chem"])
    b = P(2, "employer", 2, ["ai", "bio", "chem"])
    others = [P(10 + i, "staff", 10 + i, ["ai"]) for i in range(5)]
    others += [P(20 + i, "staff", 20 + i, ["bio"]) for i in range(2)]
    res = score_pair(a, b, others, weights=MatchingWeights(text=0.0), embedder=EMB)
    assert res.reasons[0].tags == ("chem", "bio", "ai")
    assert res.explanation().startswith("You both work on chem, bio and ai.")


def test_render_uses_gettext_for_every_string_and_tag_labels():
    catalog = {
        MESSAGES["shared_interests"]: "Vous travaillez tous deux sur %(tags)s.",
        MESSAGES["they_offer"]: "Ils proposent %(tags)s, que vous cherchez.",
        ROLE_MESSAGES["employer"]: "Ils viennent en tant qu'employeur.",
        LIST_LAST: "%(items)s et %(last)s",
        LIST_SEPARATOR: ", ",
    }
    seen: list[str] = []

    def gettext(msgid: str) -> str:
        seen.append(msgid)
        return catalog.get(msgid, msgid)

    labels = {"circular economy": "économie circulaire", "ai": "IA", "thesis topics": "sujets"}
    reasons = (
        Reason("shared_interests", ("circular economy", "ai")),
        Reason("they_offer", ("thesis topics",)),
        Reason("partner_role", ("employer",)),
        Reason("some_future_kind", ("x",)),
    )
    text = render_explanation(reasons, gettext, tag_label=lambda t: labels.get(t, t))
    assert text == (
        "Vous travaillez tous deux sur économie circulaire et IA. "
        "Ils proposent sujets, que vous cherchez. "
        "Ils viennent en tant qu'employeur."
    )
    assert MESSAGES["shared_interests"] in seen and LIST_LAST in seen


def test_quoted_text_reason_renders_the_quote():
    r = Reason("text_they_offer", ("We offer internships in AI.",))
    assert render_explanation([r]) == (
        "What they offer matches what you are looking for: “We offer internships in AI.”"
    )
    assert render_explanation([Reason("text_they_offer")]) == (
        "What they offer matches what you are looking for."
    )


def test_messages_are_gender_neutral():
    pronouns = re.compile(r"\b(he|she|him|her|his|hers|himself|herself)\b", re.IGNORECASE)
    for msg in [*MESSAGES.values(), *ROLE_MESSAGES.values()]:
        assert not pronouns.search(msg), msg


def test_every_recommendation_has_a_nonempty_explanation_and_dict_reasons():
    people = [
        P(1, "student", 1, ["ai"], [], ["internships"]),
        P(2, "employer", 2, [], ["internships"], []),
        P(3, "student", 3, ["music"]),
        P(4, "student", 4, ["law"]),
    ]
    res = recommend(people, k=3, embedder=EMB)
    for recs in res.by_attendee.values():
        for r in recs:
            assert r.explanation()
            for d in r.reasons_as_dicts():
                assert set(d) == {"kind", "tags", "weight"}
    # two students with nothing in common: a neutral reason, never an empty sentence
    three = {r.partner_id: r for r in res.by_attendee[3]}
    assert three[4].reasons[0].kind == "new_contact"


def test_pinned_reason_comes_first():
    people = [P(1, "student", 1, ["ai"]), P(2, "employer", 2, ["ai"]), P(3, "staff", 3, ["x"])]
    res = recommend(people, k=2, pinned=[(1, 3)], embedder=EMB)
    first = res.by_attendee[1][0]
    assert first.partner_id == 3 and first.pinned
    assert first.reasons[0].kind == "pinned"
    assert first.explanation().startswith("The organizers suggested this meeting.")
