"""Scheduler: rules that hold whatever the input (hypothesis) and worked examples."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eventnet.core.scheduling import (
    Candidate,
    LockedMeeting,
    Person,
    ScheduleInputError,
    Slot,
    Table,
    schedule,
)

FAST = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@st.composite
def instances(draw):
    n = draw(st.integers(2, 9))
    n_slots = draw(st.integers(1, 4))
    n_tables = draw(st.integers(1, 3))
    slots = [Slot(10 + s) for s in range(n_slots)]
    tables = [Table(50 + t) for t in range(n_tables)]
    slot_ids = [s.id for s in slots]
    people = [
        Person(
            id=1 + i,
            max_meetings=draw(st.integers(0, 4)),
            unavailable=frozenset(draw(st.lists(st.sampled_from(slot_ids), max_size=2))),
            organization_id=draw(st.one_of(st.none(), st.integers(1, 3))),
        )
        for i in range(n)
    ]
    ids = [p.id for p in people] + [99]  # 99: unknown person
    pair = st.tuples(st.sampled_from(ids), st.sampled_from(ids))
    candidates = [
        Candidate(a, b, draw(st.floats(-0.1, 1.0, allow_nan=False)), draw(st.booleans()))
        for a, b in draw(st.lists(pair, max_size=25))
    ]
    # locked meetings: random proposals, kept only when consistent with the rules
    locked: list[LockedMeeting] = []
    by_id = {p.id: p for p in people}
    busy: set[tuple[int, int]] = set()
    used: set[tuple[int, int]] = set()
    pairs: set[frozenset[int]] = set()
    count: Counter[int] = Counter()
    for a, b, s, t in draw(
        st.lists(
            st.tuples(
                st.sampled_from(ids[:-1]),
                st.sampled_from(ids[:-1]),
                st.sampled_from(slot_ids),
                st.sampled_from([t.id for t in tables]),
            ),
            max_size=4,
        )
    ):
        pa, pb = by_id[a], by_id[b]
        if (
            a == b
            or (pa.organization_id is not None and pa.organization_id == pb.organization_id)
            or s in pa.unavailable
            or s in pb.unavailable
            or (a, s) in busy
            or (b, s) in busy
            or (s, t) in used
            or frozenset((a, b)) in pairs
            or count[a] >= pa.max_meetings
            or count[b] >= pb.max_meetings
        ):
            continue
        locked.append(LockedMeeting(a, b, s, t))
        busy |= {(a, s), (b, s)}
        used.add((s, t))
        pairs.add(frozenset((a, b)))
        count[a] += 1
        count[b] += 1
    return people, candidates, slots, tables, locked


def check_rules(people, candidates, slots, tables, locked, res):
    by_id = {p.id: p for p in people}
    slot_ids = {s.id for s in slots}
    table_ids = {t.id for t in tables}
    booked: set[tuple[int, int]] = set()
    table_use: set[tuple[int, int]] = set()
    pairs: set[frozenset[int]] = set()
    count: Counter[int] = Counter()
    cand_pairs = {frozenset((c.a, c.b)) for c in candidates}
    for m in res.meetings:
        assert m.a < m.b
        assert m.slot_id in slot_ids and m.table_id in table_ids
        pa, pb = by_id[m.a], by_id[m.b]
        for p in (pa, pb):
            assert (p.id, m.slot_id) not in booked, "double booking"
            booked.add((p.id, m.slot_id))
            count[p.id] += 1
            if m.source != "locked":
                assert m.slot_id not in p.unavailable, "unavailable slot used"
        assert (m.slot_id, m.table_id) not in table_use, "table used twice in a slot"
        table_use.add((m.slot_id, m.table_id))
        assert frozenset((m.a, m.b)) not in pairs, "pair meets twice"
        pairs.add(frozenset((m.a, m.b)))
        assert not (pa.organization_id is not None and pa.organization_id == pb.organization_id)
        if m.source != "locked":
            assert frozenset((m.a, m.b)) in cand_pairs
    for pid, c in count.items():
        assert c <= by_id[pid].max_meetings
    # locked meetings preserved exactly
    got = {(m.a, m.b, m.slot_id, m.table_id) for m in res.meetings if m.source == "locked"}
    want = {(min(x.a, x.b), max(x.a, x.b), x.slot_id, x.table_id) for x in locked}
    assert got == want
    # every candidate pair is either met or reported as unplaced (with a reason)
    unplaced = {frozenset((u.a, u.b)): u for u in res.unplaced}
    for pair in cand_pairs:
        assert (pair in pairs) != (pair in unplaced), pair
        if pair in unplaced:
            assert unplaced[pair].reason
    # objective never beats the LP upper bound
    assert res.objective <= res.lp_upper_bound + 1e-6
    assert 0.0 <= res.ratio <= 1.0 + 1e-9


@FAST
@given(instances())
def test_schedule_rules_hold(case):
    people, candidates, slots, tables, locked = case
    res = schedule(people, candidates, slots, tables, locked)
    check_rules(people, candidates, slots, tables, locked, res)


@FAST
@given(instances(), st.randoms(use_true_random=False))
def test_schedule_is_deterministic(case, rnd):
    people, candidates, slots, tables, locked = case
    first = schedule(people, candidates, slots, tables, locked)
    shuffled = [list(x) for x in (people, candidates, slots, tables, locked)]
    for x in shuffled:
        rnd.shuffle(x)
    second = schedule(*shuffled)
    assert first.meetings == second.meetings
    assert first.unplaced == second.unplaced
    assert first.objective == pytest.approx(second.objective)


def test_max_weight_matching_beats_greedy():
    # greedy would take the best pair b-c (1.0); the optimum takes a-b + c-d (1.2)
    people = [Person(i, 1) for i in (1, 2, 3, 4)]
    cands = [Candidate(1, 2, 0.6), Candidate(2, 3, 1.0), Candidate(3, 4, 0.6)]
    res = schedule(people, cands, [Slot(1)], [Table(1), Table(2)])
    assert {(m.a, m.b) for m in res.meetings} == {(1, 2), (3, 4)}
    assert res.objective == pytest.approx(1.2)
    assert res.lp_upper_bound == pytest.approx(1.2)
    assert {(u.a, u.b, u.reason) for u in res.unplaced} == {(2, 3, "not_selected")}


def test_accepted_request_goes_before_a_better_suggestion():
    people = [Person(1, 1), Person(2, 3), Person(3, 3)]
    cands = [Candidate(1, 2, 0.9), Candidate(1, 3, 0.1, accepted_request=True)]
    res = schedule(people, cands, [Slot(1), Slot(2)], [Table(1)])
    assert [(m.a, m.b, m.source) for m in res.meetings] == [(1, 3, "accepted")]


def test_tables_limit_meetings_per_slot_and_slots_are_coloured():
    # a triangle where everyone may meet twice: needs three slots with one table each
    people = [Person(i, 2) for i in (1, 2, 3)]
    cands = [Candidate(1, 2, 1.0), Candidate(2, 3, 1.0), Candidate(1, 3, 1.0)]
    res = schedule(people, cands, [Slot(1), Slot(2), Slot(3)], [Table(7)])
    assert len(res.meetings) == 3
    assert sorted(m.slot_id for m in res.meetings) == [1, 2, 3]
    assert {m.table_id for m in res.meetings} == {7}
    assert res.ratio == pytest.approx(1.0)


def test_repair_moves_a_meeting_to_make_room():
    # 1-2 is placed first in slot 1 (most free tables); 1-3 and 2-3 can only meet in
    # slot 1 because of unavailability, so 1-2 must move to slot 2 to make room.
    people = [Person(1, 2), Person(2, 2), Person(3, 2, frozenset({2}))]
    cands = [
        Candidate(1, 2, 1.0, accepted_request=True),
        Candidate(1, 3, 0.5),
    ]
    res = schedule(people, cands, [Slot(1), Slot(2)], [Table(1), Table(2)])
    placed = {(m.a, m.b): m.slot_id for m in res.meetings}
    assert placed == {(1, 2): 2, (1, 3): 1}


def test_unavailable_and_locked_are_respected():
    people = [Person(1, 2, frozenset({1})), Person(2, 2), Person(3, 2)]
    locked = [LockedMeeting(2, 3, 2, 5)]
    cands = [Candidate(1, 2, 1.0), Candidate(1, 3, 0.8), Candidate(2, 3, 0.9)]
    res = schedule(people, cands, [Slot(1), Slot(2), Slot(3)], [Table(5)], locked)
    met = {(m.a, m.b): (m.slot_id, m.source) for m in res.meetings}
    assert met[(2, 3)] == (2, "locked")
    # person 1 can only use slot 3 (slot 1 unavailable, the only table of slot 2 is locked)
    assert met == {(2, 3): (2, "locked"), (1, 2): (3, "suggested")}
    assert {(u.a, u.b, u.reason) for u in res.unplaced} == {(1, 3, "no_free_slot")}


@pytest.mark.parametrize(
    ("locked", "people", "message"),
    [
        ([LockedMeeting(1, 2, 1, 1), LockedMeeting(1, 3, 1, 2)], None, "double-booked"),
        ([LockedMeeting(1, 2, 1, 1), LockedMeeting(3, 4, 1, 1)], None, "table already used"),
        ([LockedMeeting(1, 2, 1, 1)], [Person(1, 1, frozenset({1})), Person(2, 1)], "unavailable"),
        (
            [LockedMeeting(1, 2, 1, 1)],
            [Person(1, 1, organization_id=5), Person(2, 1, organization_id=5)],
            "same organization",
        ),
        (
            [LockedMeeting(1, 2, 1, 1), LockedMeeting(1, 3, 2, 1)],
            [Person(1, 1), Person(2, 2), Person(3, 2)],
            "max_meetings",
        ),
        ([LockedMeeting(1, 9, 1, 1)], None, "unknown person"),
        ([LockedMeeting(1, 2, 8, 1)], None, "unknown slot"),
        ([LockedMeeting(1, 2, 1, 1), LockedMeeting(2, 1, 2, 2)], None, "pair locked twice"),
    ],
)
def test_inconsistent_locked_meetings_are_rejected(locked, people, message):
    people = people or [Person(i, 3) for i in (1, 2, 3, 4)]
    with pytest.raises(ScheduleInputError) as err:
        schedule(people, [], [Slot(1), Slot(2)], [Table(1), Table(2)], locked)
    assert any(message in p for p in err.value.problems), err.value.problems


def test_unplaced_reasons():
    people = [
        Person(1, 1, organization_id=1),
        Person(2, 1, organization_id=1),
        Person(3, 0),
        Person(4, 1, frozenset({1})),
        Person(5, 1, frozenset({2})),
    ]
    cands = [
        Candidate(1, 2, 0.9),
        Candidate(1, 3, 0.9),
        Candidate(4, 5, 0.9),
        Candidate(1, 77, 0.9),
        Candidate(1, 1, 0.9),
        Candidate(1, 4, 0.0),
    ]
    res = schedule(people, cands, [Slot(1), Slot(2)], [Table(1)])
    reasons = {(u.a, u.b): u.reason for u in res.unplaced}
    assert reasons == {
        (1, 2): "same_organization",
        (1, 3): "no_capacity",
        (4, 5): "no_common_slot",
        (1, 77): "unknown_person",
        (1, 1): "self_pair",
        (1, 4): "non_positive_score",
    }
    assert res.meetings == ()


def test_duplicate_ids_rejected():
    with pytest.raises(ScheduleInputError):
        schedule([Person(1, 1), Person(1, 2)], [], [Slot(1)], [Table(1)])


def test_fractional_lp_is_resolved_exactly():
    # an odd cycle: the LP takes every edge at 1/2 (bound 1.5), any schedule only one edge
    people = [Person(i, 1) for i in (1, 2, 3)]
    cands = [Candidate(1, 2, 1.0), Candidate(2, 3, 1.0), Candidate(1, 3, 1.0)]
    res = schedule(people, cands, [Slot(1)], [Table(1), Table(2)])
    assert res.lp_upper_bound == pytest.approx(1.5)
    assert res.status == "lp-fixed+milp"
    assert len(res.meetings) == 1  # any one edge of the triangle is optimal
    assert res.objective == pytest.approx(1.0)
    assert res.ratio == pytest.approx(1.0 / 1.5)
