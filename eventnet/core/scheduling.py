"""Meeting scheduler: which pairs meet, in which time slot, at which table.

Pure Python over dataclasses (numpy + scipy's HiGHS); no Flask, no SQLAlchemy.

Public API
----------
``schedule(people, candidates, slots, tables, locked=(), *, accepted_bonus=None,
max_candidates_per_person=30, time_limit=5.0, node_limit=500, mip_gap=1e-3)
-> ScheduleResult``

Input dataclasses (all frozen):

* ``Slot(id, label="")``, ``Table(id, label="")``
* ``Person(id, max_meetings, unavailable=frozenset(), organization_id=None)`` —
  ``unavailable`` holds slot ids the person cannot attend.
* ``Candidate(a, b, score, accepted_request=False)`` — a pair that may meet; accepted
  meeting requests get a priority bonus and are placed first.
* ``LockedMeeting(a, b, slot_id, table_id)`` — already fixed; always kept as given.

Output:

* ``PlacedMeeting(a, b, slot_id, table_id, score, source)`` with ``a < b`` and
  ``source`` in ``{"locked", "accepted", "suggested"}``.
* ``UnplacedPair(a, b, score, accepted_request, reason)`` — every candidate pair that did not
  get a meeting, with a reason code: ``unknown_person``, ``self_pair``,
  ``same_organization``, ``non_positive_score``, ``no_capacity`` (someone has no meeting
  left or no free slot), ``no_common_slot``, ``not_selected`` (the optimizer used the
  people's time for better pairs), ``no_free_slot`` (selected, but no slot/table could be
  found for it even after repair).
* ``ScheduleResult(meetings, unplaced, objective, score_sum, lp_upper_bound, ratio, status,
  stats)``: ``objective`` is the sum of weights (score + accepted bonus) of the meetings
  this run placed (locked ones excluded); ``lp_upper_bound`` bounds that objective from
  above (LP relaxation of the b-matching over *all* valid candidates, with the people's
  remaining meeting budgets and the remaining table capacity); ``ratio`` is
  ``objective / lp_upper_bound`` (1.0 when the bound is 0).

Raises ``ScheduleInputError`` (a ``ValueError`` with ``.problems``) when the input itself is
inconsistent: duplicate ids, unknown slot/table/person in a locked meeting, or locked
meetings that break a rule (double booking, table used twice, unavailable slot, same
organization, same pair twice, more than ``max_meetings``).

Guarantees (whatever the input): nobody is in two meetings in the same slot, nobody meets
in a slot they marked unavailable, no pair meets twice, a table holds one meeting per slot,
locked meetings are kept exactly, nobody has more than ``max_meetings`` meetings, no two
people of the same organization meet (unless locked that way, which is rejected), and the
same input gives the same output (ties broken by ids; the MILP is bounded by a node limit;
the time limit is only a safety net).

Algorithm (see docs/matching.md):

1. Clean the candidates; weight ``w = score + accepted_bonus * accepted`` where the default
   bonus ``2 * max(score) + 1`` makes one accepted request worth more than any two
   suggestions.
2. Upper bound: LP relaxation of the maximum-weight b-matching
   ``max w.x  s.t.  x(delta(p)) <= b_p,  sum x <= free table-slots,  0 <= x <= 1`` with
   ``b_p = min(max_meetings - locked, free slots of p)`` (HiGHS).
3. Choice: edges at 1 in the LP optimum are kept, edges at 0 dropped; only the fractional
   rest (typically a few odd cycles) is decided by a MILP (``scipy.optimize.milp``) with the
   remaining capacities, bounded by ``node_limit`` (deterministic) and ``time_limit``
   (safety net); if it finds nothing, the fractional edges are rounded greedily. If the
   LP itself fails, a MILP on the top ``max_candidates_per_person`` pairs of each person
   plus all accepted ones is solved instead.
4. Slots: greedy edge colouring, accepted first then by weight, each meeting into the common
   free slot with the most free tables; when none is left, a repair step tries to move the
   blocking meetings (of either person, or one occupying the last table) to another slot.
5. Fill: pairs not chosen are tried in weight order to use time freed by step 4.
6. Tables: per slot, locked meetings keep theirs, others take the free tables in id order.

Complexity: n people, m candidate pairs, S slots. Steps 1, 4-6 are O(m log m + m S^2); the
LP is polynomial (HiGHS interior point on m variables and n + 1 rows); the MILP is
exponential in the worst case but only sees the LP's fractional edges and is cut off by
``node_limit``/``time_limit``.

``status`` tells how the pairs were chosen: ``optimal-lp`` (LP optimum integral, hence
optimal), ``lp-fixed+milp`` (fractional rest solved to optimality), ``lp-fixed+milp-limit``
(a limit was hit), ``lp-rounded``, ``milp``/``milp-limit`` (LP failed), ``greedy``, ``empty``.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, linprog, milp


@dataclass(frozen=True)
class Slot:
    id: int
    label: str = ""


@dataclass(frozen=True)
class Table:
    id: int
    label: str = ""


@dataclass(frozen=True)
class Person:
    id: int
    max_meetings: int
    unavailable: frozenset[int] = frozenset()
    organization_id: int | None = None


@dataclass(frozen=True)
class Candidate:
    a: int
    b: int
    score: float
    accepted_request: bool = False


@dataclass(frozen=True)
class LockedMeeting:
    a: int
    b: int
    slot_id: int
    table_id: int


@dataclass(frozen=True)
class PlacedMeeting:
    a: int
    b: int
    slot_id: int
    table_id: int
    score: float
    source: str  # "locked" | "accepted" | "suggested"


@dataclass(frozen=True)
class UnplacedPair:
    a: int
    b: int
    score: float
    accepted_request: bool
    reason: str


@dataclass(frozen=True)
class ScheduleResult:
    meetings: tuple[PlacedMeeting, ...]
    unplaced: tuple[UnplacedPair, ...]
    objective: float
    score_sum: float
    lp_upper_bound: float
    ratio: float
    status: str
    stats: dict[str, float] = field(default_factory=dict, hash=False, compare=False)

    def by_person(self) -> dict[int, list[PlacedMeeting]]:
        out: dict[int, list[PlacedMeeting]] = {}
        for m in self.meetings:
            out.setdefault(m.a, []).append(m)
            out.setdefault(m.b, []).append(m)
        return out


class ScheduleInputError(ValueError):
    """The input is inconsistent; ``problems`` lists every problem found."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a <= b else (b, a)


class _State:
    """Mutable booking state used by the slot assignment."""

    def __init__(self, n_slots: int, table_free: list[int], free: list[set[int]]) -> None:
        self.n_slots = n_slots
        self.table_free = table_free  # per slot index
        self.free = free  # per person index: slot indices still free
        self.at: list[dict[int, tuple[int, int]]] = [{} for _ in free]  # person -> slot -> pair
        self.slot_of: dict[tuple[int, int], int] = {}
        self.in_slot: list[set[tuple[int, int]]] = [set() for _ in range(n_slots)]
        self.movable: set[tuple[int, int]] = set()

    def place(self, i: int, j: int, s: int, movable: bool = True) -> None:
        pair = (i, j)
        self.free[i].discard(s)
        self.free[j].discard(s)
        self.at[i][s] = pair
        self.at[j][s] = pair
        self.table_free[s] -= 1
        self.slot_of[pair] = s
        self.in_slot[s].add(pair)
        if movable:
            self.movable.add(pair)

    def remove(self, pair: tuple[int, int]) -> int:
        s = self.slot_of.pop(pair)
        self.in_slot[s].discard(pair)
        i, j = pair
        self.free[i].add(s)
        self.free[j].add(s)
        del self.at[i][s]
        del self.at[j][s]
        self.table_free[s] += 1
        self.movable.discard(pair)
        return s

    def best_slot(self, i: int, j: int, exclude: int = -1) -> int:
        best, best_free = -1, 0
        for s in self.free[i] & self.free[j]:
            tf = self.table_free[s]
            if s != exclude and (tf > best_free or (tf == best_free and tf > 0 and s < best)):
                best, best_free = s, tf
        return best

    def try_place(self, i: int, j: int, allowed: list[set[int]]) -> bool:
        """Place pair (i, j) in a slot, moving at most the blocking meetings once."""
        s = self.best_slot(i, j)
        if s >= 0:
            self.place(i, j, s)
            return True
        if sum(self.table_free) <= 0:
            return False  # every table of every slot is taken: moving meetings cannot help
        # repair: a slot both may use (not unavailable) where the blockers can move away
        options = sorted(allowed[i] & allowed[j])
        for s in options:
            blockers = {self.at[x][s] for x in (i, j) if s in self.at[x]}
            if any(b not in self.movable for b in blockers):
                continue
            if self.table_free[s] <= 0 and not blockers:
                # all tables of s are taken: move one movable meeting out of s
                blockers = set()
                for p in sorted(self.in_slot[s] & self.movable):
                    if self.best_slot(*p, exclude=s) >= 0:
                        blockers = {p}
                        break
                if not blockers:
                    continue
            moved: list[tuple[tuple[int, int], int]] = []
            ok = True
            for b in sorted(blockers):
                old = self.remove(b)
                moved.append((b, old))
            # blockers are removed; slot s must now be free for both and have a table
            for b, _old in moved:
                s2 = self.best_slot(*b, exclude=s)
                if s2 < 0:
                    ok = False
                    break
                self.place(b[0], b[1], s2)
            if ok and s in self.free[i] and s in self.free[j] and self.table_free[s] > 0:
                self.place(i, j, s)
                return True
            # roll back
            for b, _old in moved:
                if b in self.slot_of:
                    self.remove(b)
            for b, old in moved:
                self.place(b[0], b[1], old)
        return False


def _constraints(n: int, ei: np.ndarray, ej: np.ndarray, cap: np.ndarray, total_cap: int):
    """Rows: one degree row per person (<= cap) and one global row (<= free table-slots)."""
    m = len(ei)
    rows = np.concatenate([ei, ej, np.full(m, n)])
    cols = np.concatenate([np.arange(m), np.arange(m), np.arange(m)])
    a = sp.csr_matrix((np.ones(3 * m), (rows, cols)), shape=(n + 1, m))
    ub = np.concatenate([cap.astype(np.float64), [float(total_cap)]])
    return a, ub


def _solve_lp(n, ei, ej, w, cap, total_cap, time_limit):
    """LP relaxation (HiGHS interior point + crossover: a vertex solution)."""
    a, ub = _constraints(n, ei, ej, cap, total_cap)
    return linprog(
        -w,
        A_ub=a,
        b_ub=ub,
        bounds=(0.0, 1.0),
        method="highs-ipm",
        options={"time_limit": time_limit},
    )


def _solve_milp(n, ei, ej, w, cap, total_cap, time_limit, node_limit, mip_gap):
    a, ub = _constraints(n, ei, ej, cap, total_cap)
    return milp(
        c=-w,
        integrality=np.ones(len(w)),
        bounds=Bounds(0.0, 1.0),
        constraints=LinearConstraint(a, -np.inf, ub),
        options={
            "disp": False,
            "time_limit": time_limit,
            "node_limit": node_limit,
            "mip_rel_gap": mip_gap,
        },
    )


def _round_lp(x, ei, ej, w, cap, total_cap) -> np.ndarray:
    """Greedy rounding: edges by (LP value desc, weight desc), respecting all capacities."""
    left = cap.copy()
    chosen = np.zeros(len(w), dtype=bool)
    budget = total_cap
    for e in np.lexsort((ej, ei, -w, -np.round(x, 6))).tolist():
        i, j = ei[e], ej[e]
        if budget > 0 and left[i] > 0 and left[j] > 0:
            chosen[e] = True
            left[i] -= 1
            left[j] -= 1
            budget -= 1
    return chosen


def schedule(
    people: Sequence[Person],
    candidates: Iterable[Candidate],
    slots: Sequence[Slot],
    tables: Sequence[Table],
    locked: Iterable[LockedMeeting] = (),
    *,
    accepted_bonus: float | None = None,
    max_candidates_per_person: int = 30,
    time_limit: float = 5.0,
    node_limit: int = 500,
    mip_gap: float = 1e-3,
) -> ScheduleResult:
    """Choose and place meetings (see module docstring for rules and algorithm)."""
    t0 = time.perf_counter()
    problems: list[str] = []
    for name, items in (("person", people), ("slot", slots), ("table", tables)):
        ids = [x.id for x in items]
        if len(ids) != len(set(ids)):
            problems.append(f"duplicate {name} ids")
    for p in people:
        if p.max_meetings < 0:
            problems.append(f"person {p.id}: max_meetings < 0")
    if problems:
        raise ScheduleInputError(problems)

    persons = sorted(people, key=lambda p: p.id)
    pidx = {p.id: i for i, p in enumerate(persons)}
    slot_list = sorted(slots, key=lambda s: s.id)
    sidx = {s.id: i for i, s in enumerate(slot_list)}
    table_ids = sorted(t.id for t in tables)
    tset = set(table_ids)
    n, n_slots = len(persons), len(slot_list)
    unavailable = [{sidx[s] for s in p.unavailable if s in sidx} for p in persons]
    org = [p.organization_id for p in persons]

    # ---- locked meetings: validate, then book
    locked_list = sorted(locked, key=lambda m: (m.slot_id, m.table_id, *_pair(m.a, m.b)))
    busy: list[set[int]] = [set() for _ in persons]
    used_tables: dict[int, set[int]] = {}
    locked_pairs: set[tuple[int, int]] = set()
    locked_count = [0] * n
    for lm in locked_list:
        where = f"locked meeting {lm.a}-{lm.b} at slot {lm.slot_id} table {lm.table_id}"
        bad = False
        for x in (lm.a, lm.b):
            if x not in pidx:
                problems.append(f"{where}: unknown person {x}")
                bad = True
        if lm.slot_id not in sidx:
            problems.append(f"{where}: unknown slot")
            bad = True
        if lm.table_id not in tset:
            problems.append(f"{where}: unknown table")
            bad = True
        if lm.a == lm.b:
            problems.append(f"{where}: a person cannot meet themself")
            bad = True
        if bad:
            continue
        i, j, s = pidx[lm.a], pidx[lm.b], sidx[lm.slot_id]
        pair = _pair(i, j)
        if org[i] is not None and org[i] == org[j]:
            problems.append(f"{where}: same organization")
        if pair in locked_pairs:
            problems.append(f"{where}: pair locked twice")
        locked_pairs.add(pair)
        for x in (i, j):
            if s in unavailable[x]:
                problems.append(f"{where}: person {persons[x].id} is unavailable")
            if s in busy[x]:
                problems.append(f"{where}: person {persons[x].id} double-booked")
            busy[x].add(s)
            locked_count[x] += 1
        if lm.table_id in used_tables.setdefault(s, set()):
            problems.append(f"{where}: table already used in this slot")
        used_tables[s].add(lm.table_id)
    for x in range(n):
        if locked_count[x] > persons[x].max_meetings:
            problems.append(f"person {persons[x].id}: more locked meetings than max_meetings")
    if problems:
        raise ScheduleInputError(problems)

    free = [set(range(n_slots)) - unavailable[x] - busy[x] for x in range(n)]
    allowed = [set(range(n_slots)) - unavailable[x] for x in range(n)]
    cap = np.array(
        [min(persons[x].max_meetings - locked_count[x], len(free[x])) for x in range(n)],
        dtype=np.int64,
    )
    table_free = [len(table_ids) - len(used_tables.get(s, ())) for s in range(n_slots)]
    total_cap = int(sum(table_free))

    # ---- candidates: clean and merge
    unplaced: list[UnplacedPair] = []
    merged: dict[tuple[int, int], list] = {}
    for c in candidates:
        lo, hi = _pair(c.a, c.b)
        key = (lo, hi)
        if key in merged:
            entry = merged[key]
            entry[0] = max(entry[0], float(c.score))
            entry[1] = entry[1] or bool(c.accepted_request)
        else:
            merged[key] = [float(c.score), bool(c.accepted_request)]
    max_score = max((v[0] for v in merged.values()), default=0.0)
    bonus = (2.0 * max(max_score, 0.0) + 1.0) if accepted_bonus is None else float(accepted_bonus)

    ei_l, ej_l, w_l, sc_l, acc_l = [], [], [], [], []
    for (lo, hi), (score, acc) in sorted(merged.items()):
        reason = ""
        if lo == hi:
            reason = "self_pair"
        elif lo not in pidx or hi not in pidx:
            reason = "unknown_person"
        else:
            i, j = pidx[lo], pidx[hi]
            if _pair(i, j) in locked_pairs:
                continue  # already meeting
            if org[i] is not None and org[i] == org[j]:
                reason = "same_organization"
            elif score + (bonus if acc else 0.0) <= 0:
                reason = "non_positive_score"
            elif cap[i] <= 0 or cap[j] <= 0:
                reason = "no_capacity"
            elif not (free[i] & free[j]):
                reason = "no_common_slot"
        if reason:
            unplaced.append(UnplacedPair(lo, hi, score, acc, reason))
            continue
        ei_l.append(pidx[lo])
        ej_l.append(pidx[hi])
        w_l.append(score + (bonus if acc else 0.0))
        sc_l.append(score)
        acc_l.append(acc)
    ei = np.array(ei_l, dtype=np.int64)
    ej = np.array(ej_l, dtype=np.int64)
    w = np.array(w_l, dtype=np.float64)
    acc_arr = np.array(acc_l, dtype=bool)
    m = len(w)
    stats: dict[str, float] = {"candidates_valid": float(m), "accepted_bonus": bonus}

    # ---- LP upper bound over all valid candidates
    lp_bound = 0.0
    chosen = np.zeros(m, dtype=bool)
    status = "empty"
    lp_x = None
    if m:
        res = _solve_lp(n, ei, ej, w, cap, total_cap, time_limit)
        if res.x is not None and res.status == 0:
            lp_bound = float(-res.fun)
            lp_x = res.x
        else:
            lp_bound = float("nan")
    stats["seconds_lp"] = time.perf_counter() - t0

    tol = 1e-6
    if lp_x is not None:
        # keep the integral part of the LP optimum; decide the fractional rest exactly
        chosen = lp_x > 1.0 - tol
        frac = np.flatnonzero(~chosen & (lp_x > tol))
        stats["candidates_fractional"] = float(frac.size)
        if frac.size == 0:
            status = "optimal-lp"  # the LP optimum is integral: an optimal b-matching
        else:
            deg = np.bincount(ei[chosen], minlength=n) + np.bincount(ej[chosen], minlength=n)
            rcap = cap - deg
            rtotal = total_cap - int(chosen.sum())
            t1 = time.perf_counter()
            res = _solve_milp(
                n, ei[frac], ej[frac], w[frac], rcap, rtotal, time_limit, node_limit, mip_gap
            )
            stats["seconds_milp"] = time.perf_counter() - t1
            if res.x is not None:
                chosen[frac[res.x > 0.5]] = True
                status = "lp-fixed+milp" if res.status == 0 else "lp-fixed+milp-limit"
            else:
                pick = _round_lp(lp_x[frac], ei[frac], ej[frac], w[frac], rcap, rtotal)
                chosen[frac[pick]] = True
                status = "lp-rounded"
    elif m:
        # no LP solution (time limit): MILP on the top candidates per person + accepted
        keep = acc_arr.copy()
        order = np.lexsort((ej, ei, -w))
        seen = np.zeros(n, dtype=np.int64)
        for e in order.tolist():
            i, j = int(ei[e]), int(ej[e])
            if seen[i] < max_candidates_per_person or seen[j] < max_candidates_per_person:
                keep[e] = True
            seen[i] += 1
            seen[j] += 1
        sub = np.flatnonzero(keep)
        t1 = time.perf_counter()
        res = _solve_milp(
            n, ei[sub], ej[sub], w[sub], cap, total_cap, time_limit, node_limit, mip_gap
        )
        stats["seconds_milp"] = time.perf_counter() - t1
        stats["candidates_milp"] = float(sub.size)
        if res.x is not None:
            chosen[sub[res.x > 0.5]] = True
            status = "milp" if res.status == 0 else "milp-limit"
        else:
            chosen = _round_lp(np.zeros(m), ei, ej, w, cap, total_cap)
            status = "greedy"
    stats["chosen"] = float(chosen.sum())

    # ---- slot assignment (greedy edge colouring with repair), then fill
    state = _State(n_slots, table_free, free)
    for lm in locked_list:
        i, j = pidx[lm.a], pidx[lm.b]
        state.at[i][sidx[lm.slot_id]] = _pair(i, j)
        state.at[j][sidx[lm.slot_id]] = _pair(i, j)
    count = [locked_count[x] for x in range(n)]
    budget = [persons[x].max_meetings for x in range(n)]
    placed = np.zeros(m, dtype=bool)

    def attempt(e: int) -> bool:
        i, j = int(ei[e]), int(ej[e])
        if count[i] >= budget[i] or count[j] >= budget[j]:
            return False
        if state.try_place(i, j, allowed):
            count[i] += 1
            count[j] += 1
            placed[e] = True
            return True
        return False

    prio = np.lexsort((ej, ei, -w, ~acc_arr)) if m else np.zeros(0, dtype=np.int64)
    failed_chosen = []
    for e in prio.tolist():
        if chosen[e] and not attempt(e):
            failed_chosen.append(e)
    for e in prio.tolist():  # fill with everything else, best first
        if not placed[e] and not chosen[e]:
            attempt(e)
    stats["failed_after_repair"] = float(sum(not placed[e] for e in failed_chosen))

    # ---- tables
    meetings: list[PlacedMeeting] = []
    per_slot_used = {s: set(used_tables.get(s, ())) for s in range(n_slots)}
    for lm in locked_list:
        key = _pair(lm.a, lm.b)
        info = merged.get(key)
        meetings.append(
            PlacedMeeting(
                key[0], key[1], lm.slot_id, lm.table_id, info[0] if info else 0.0, "locked"
            )
        )
    by_slot: dict[int, list[int]] = {}
    for e in np.flatnonzero(placed).tolist():
        by_slot.setdefault(state.slot_of[(int(ei[e]), int(ej[e]))], []).append(e)
    for s in sorted(by_slot):
        free_tables = iter([t for t in table_ids if t not in per_slot_used[s]])
        for e in sorted(by_slot[s], key=lambda e: (persons[ei[e]].id, persons[ej[e]].id)):
            a_id, b_id = persons[int(ei[e])].id, persons[int(ej[e])].id
            meetings.append(
                PlacedMeeting(
                    a_id,
                    b_id,
                    slot_list[s].id,
                    next(free_tables),
                    float(sc_l[e]),
                    "accepted" if acc_arr[e] else "suggested",
                )
            )
    meetings.sort(key=lambda x: (x.slot_id, x.table_id))

    for e in range(m):
        if not placed[e]:
            reason = "no_free_slot" if chosen[e] else "not_selected"
            unplaced.append(
                UnplacedPair(
                    persons[int(ei[e])].id,
                    persons[int(ej[e])].id,
                    float(sc_l[e]),
                    bool(acc_arr[e]),
                    reason,
                )
            )
    unplaced.sort(key=lambda u: (u.a, u.b))
    objective = float(w[placed].sum()) if m else 0.0
    score_sum = float(sum(x.score for x in meetings))
    ratio = objective / lp_bound if lp_bound > 0 else 1.0
    stats["seconds"] = time.perf_counter() - t0
    stats["placed"] = float(placed.sum())
    stats["accepted_total"] = float(acc_arr.sum())
    stats["accepted_placed"] = float((placed & acc_arr).sum())
    return ScheduleResult(
        meetings=tuple(meetings),
        unplaced=tuple(unplaced),
        objective=objective,
        score_sum=score_sum,
        lp_upper_bound=lp_bound,
        ratio=ratio,
        status=status,
        stats=stats,
    )
