"""Top-k recommendations per attendee with an exposure cap.

Public API
----------
``recommend(profiles, k=5, exposure_cap=None, weights=MatchingWeights(), pinned=(),
blocked=(), embedder=None, min_score=0.0, candidates_per_attendee=None)
-> RecommendationResult``

``Recommendation``        one entry of one attendee's list (frozen dataclass):
                          ``attendee_id, partner_id, rank, score, parts, reasons, pinned``
                          and ``explanation(gettext=...)``.
``RecommendationResult``  ``by_attendee: dict[int, list[Recommendation]]`` (every consenting
                          attendee has a key, possibly with an empty list), ``stats``,
                          ``model`` (the :class:`MatchingModel`, to explain further pairs).
``RecommendationStats``   coverage, cross-role share, reciprocal share, exposure Gini, score
                          quantiles, ignored overrides, timing.
``gini(values)``          Gini coefficient of non-negative values.

Rules (all enforced here, in core):

* only attendees with ``consent_profile=True`` take part, as subjects and as partners;
* never the attendee themself, never someone of the same organization, never a
  ``blocked`` pair (either order), never a pair whose role weight is 0;
* ``pinned`` pairs are shown to both attendees, at the top of their lists, whatever their
  score (pins between the same organization, of unknown or non-consenting attendees, or
  also blocked, are ignored and listed in ``stats.ignored_pins``); pins count toward ``k``
  and exposure, but are never dropped, so a list may exceed ``k`` only through pins;
* exposure cap: nobody appears in more than ``exposure_cap`` lists (default ``2 * k``),
  except through pins;
* coverage: after the greedy pass every attendee with fewer than ``k`` entries is filled
  from all allowed partners, best first; so if a list is still short, every allowed partner
  not on it has reached the exposure cap (or scores below ``min_score``);
* deterministic: the same input (in any order) gives the same output; ties are broken
  by ids.

Algorithm: rows are scored in blocks (:meth:`MatchingModel.candidate_rows`): exact tag parts
and a cheap text part (mean-pooled sentence vectors) against everyone, then the exact
sentence-level text part for the ``candidates_per_attendee`` best (default
``max(100, 10 * k)``). All candidate edges are sorted by (score desc, pair ids) and accepted
greedily while the attendee's list has room and the partner is under the cap; both
directions of a pair have the same score and sort next to each other, which favours mutual
recommendations. Cost: O(n^2 (d + t)) arithmetic in blocks of O(n) memory, plus
O(n c s^2 d) for exact text and O(n c log(n c)) for the greedy pass (c candidates per
attendee, s sentences and t tags per attendee, d embedding width).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .explain import Reason, render_explanation
from .profiles import MatchingWeights, Profile
from .score import NOT_ALLOWED, PART_KEYS, MatchingModel
from .text import Embedder


@dataclass(frozen=True)
class Recommendation:
    """Partner ``partner_id`` recommended to ``attendee_id`` at position ``rank`` (1-based)."""

    attendee_id: int
    partner_id: int
    rank: int
    score: float
    parts: dict[str, float] = field(hash=False, compare=False)
    reasons: tuple[Reason, ...] = ()
    pinned: bool = False

    def explanation(
        self,
        gettext: Callable[[str], str] = lambda s: s,
        tag_label: Callable[[str], str] = lambda t: t,
    ) -> str:
        return render_explanation(self.reasons, gettext, tag_label)

    def reasons_as_dicts(self) -> list[dict[str, object]]:
        return [r.as_dict() for r in self.reasons]


@dataclass(frozen=True)
class RecommendationStats:
    n_attendees: int
    n_excluded_no_consent: int
    k: int
    exposure_cap: int
    n_recommendations: int
    coverage: float  # share of attendees with at least k entries
    mean_list_length: float
    cross_role_share: float
    reciprocal_share: float  # share of entries a->b where b's list also has a
    exposure_gini: float
    max_exposure: int
    score_quantiles: dict[str, float] = field(hash=False, compare=False)
    ignored_pins: tuple[tuple[int, int, str], ...] = ()
    embedder: str = ""
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict, hash=False, compare=False)
    n_short_after_greedy: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "n_attendees": self.n_attendees,
            "n_excluded_no_consent": self.n_excluded_no_consent,
            "k": self.k,
            "exposure_cap": self.exposure_cap,
            "n_recommendations": self.n_recommendations,
            "coverage": self.coverage,
            "mean_list_length": self.mean_list_length,
            "cross_role_share": self.cross_role_share,
            "reciprocal_share": self.reciprocal_share,
            "exposure_gini": self.exposure_gini,
            "max_exposure": self.max_exposure,
            "score_quantiles": dict(self.score_quantiles),
            "ignored_pins": [list(p) for p in self.ignored_pins],
            "embedder": self.embedder,
            "seconds": self.seconds,
            "timings": dict(self.timings),
        }


@dataclass(frozen=True)
class RecommendationResult:
    by_attendee: dict[int, list[Recommendation]] = field(hash=False)
    stats: RecommendationStats
    model: MatchingModel = field(hash=False, compare=False, repr=False)

    def pairs(self) -> list[tuple[int, int]]:
        """All (attendee_id, partner_id) entries, in attendee then rank order."""
        return [(a, r.partner_id) for a in sorted(self.by_attendee) for r in self.by_attendee[a]]


def gini(values: Sequence[float] | np.ndarray) -> float:
    """Gini coefficient of non-negative values (0 = equal, -> 1 = concentrated)."""
    x = np.sort(np.asarray(values, dtype=np.float64))
    n = x.size
    if n == 0 or x.sum() <= 0:
        return 0.0
    ranks = np.arange(1, n + 1)
    return float((2.0 * np.sum(ranks * x)) / (n * x.sum()) - (n + 1.0) / n)


def _top_per_row(scores: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the ``m`` best columns sorted by (score desc, column asc), and their scores."""
    n = scores.shape[1]
    m = min(m, n)
    if m < n:
        part = np.argpartition(scores, n - m, axis=1)[:, n - m :]
    else:
        part = np.broadcast_to(np.arange(n), scores.shape).copy()
    vals = np.take_along_axis(scores, part, axis=1)
    rounded = np.round(vals.astype(np.float64), 6)
    order = np.lexsort((part, -rounded), axis=1)
    part = np.take_along_axis(part, order, axis=1)
    return part, np.take_along_axis(vals, order, axis=1)


def recommend(
    profiles: Sequence[Profile],
    k: int = 5,
    exposure_cap: int | None = None,
    weights: MatchingWeights = MatchingWeights(),
    pinned: Iterable[tuple[int, int]] = (),
    blocked: Iterable[tuple[int, int]] = (),
    embedder: Embedder | None = None,
    min_score: float = 0.0,
    candidates_per_attendee: int | None = None,
) -> RecommendationResult:
    """Top-``k`` partners per consenting attendee (see module docstring for the rules)."""
    if k < 0:
        raise ValueError("k must be >= 0")
    cap = 2 * k if exposure_cap is None else int(exposure_cap)
    if cap < 0:
        raise ValueError("exposure_cap must be >= 0")
    t0 = time.perf_counter()
    model = MatchingModel(profiles, weights=weights, embedder=embedder)
    timings = {"model": time.perf_counter() - t0}
    n = model.n
    index = model.index

    # ---- overrides
    blocked_idx: dict[int, set[int]] = {}
    for a, b in blocked:
        if a in index and b in index:
            i, j = index[a], index[b]
            blocked_idx.setdefault(i, set()).add(j)
            blocked_idx.setdefault(j, set()).add(i)
    pin_pairs: set[tuple[int, int]] = set()
    ignored: list[tuple[int, int, str]] = []
    for a, b in pinned:
        lo, hi = (a, b) if a <= b else (b, a)
        if lo == hi:
            ignored.append((lo, hi, "self"))
        elif lo not in index or hi not in index:
            ignored.append((lo, hi, "not_participating"))
        elif index[hi] in blocked_idx.get(index[lo], ()):
            ignored.append((lo, hi, "blocked"))
        elif model._org_code[index[lo]] == model._org_code[index[hi]]:
            ignored.append((lo, hi, "same_organization"))
        else:
            pin_pairs.add((index[lo], index[hi]))
    ignored = sorted(set(ignored))

    lists: list[list[int]] = [[] for _ in range(n)]
    members: list[set[int]] = [set() for _ in range(n)]
    exposure = [0] * n  # a list: scalar access in the loops is much faster than numpy
    score_of: dict[tuple[int, int], float] = {}
    pinned_set: set[tuple[int, int]] = set()

    def add(i: int, j: int, s: float, pin: bool = False) -> None:
        lists[i].append(j)
        members[i].add(j)
        exposure[j] += 1
        score_of[(i, j)] = s
        if pin:
            pinned_set.add((i, j))

    if pin_pairs:
        pi = np.array([p[0] for p in sorted(pin_pairs)], dtype=np.int64)
        pj = np.array([p[1] for p in sorted(pin_pairs)], dtype=np.int64)
        pin_scores = model.pair_parts(pi, pj)["score"]
        for i, j, s in zip(pi.tolist(), pj.tolist(), pin_scores.tolist(), strict=True):
            s = round(s, 6)
            add(i, j, s, True)
            add(j, i, s, True)

    def mask_row(i: int, row: np.ndarray) -> None:
        for j in blocked_idx.get(i, ()):
            row[j] = NOT_ALLOWED
        for j in members[i]:
            row[j] = NOT_ALLOWED

    # ---- candidate edges, blockwise
    n_short = 0
    if n > 1 and k > 0 and cap > 0:
        ws = model.workspace()
        c = min(candidates_per_attendee or max(10 * k, 100), n - 1)
        src: list[np.ndarray] = []
        dst: list[np.ndarray] = []
        val: list[np.ndarray] = []

        def extra_mask(rows: np.ndarray, scores: np.ndarray) -> None:
            for r, row in zip(rows.tolist(), scores, strict=True):
                mask_row(r, row)

        for rows in model.iter_blocks():
            part, vals = model.candidate_rows(rows, c, ws, extra_mask)
            if min_score > 0:
                vals[vals < min_score] = NOT_ALLOWED
            ok = vals > NOT_ALLOWED
            src.append(np.broadcast_to(rows[:, None], part.shape)[ok])
            dst.append(part[ok])
            val.append(vals[ok])
        timings["candidates"] = time.perf_counter() - t0 - sum(timings.values())
        a_idx = np.concatenate(src)
        b_idx = np.concatenate(dst)
        s_val = np.round(np.concatenate(val).astype(np.float64), 6)
        lo = np.minimum(a_idx, b_idx)
        hi = np.maximum(a_idx, b_idx)
        order = np.lexsort((a_idx, hi, lo, -s_val))
        full = sum(len(x) >= k for x in lists)
        a_list, b_list, s_list = a_idx.tolist(), b_idx.tolist(), s_val.tolist()
        for e in order.tolist():
            i = a_list[e]
            j = b_list[e]
            if len(lists[i]) >= k or exposure[j] >= cap or j in members[i]:
                continue
            add(i, j, s_list[e])
            if len(lists[i]) >= k:
                full += 1
                if full == n:
                    break
        timings["greedy"] = time.perf_counter() - t0 - sum(timings.values())

        # ---- fill pass: short lists take the best allowed partners still under the cap
        short = np.array([i for i in range(n) if len(lists[i]) < k], dtype=np.int64)
        n_short = int(short.size)
        m = min(n - 1, 3 * k)
        for rows in model.iter_blocks(short):
            saturated = np.array(exposure, dtype=np.int64) >= cap

            def fill_mask(rows_: np.ndarray, scores: np.ndarray, saturated=saturated) -> None:
                scores[:, saturated] = NOT_ALLOWED
                for r, row in zip(rows_.tolist(), scores, strict=True):
                    mask_row(r, row)

            part, vals = model.candidate_rows(rows, m, ws, fill_mask)
            for local, r in enumerate(rows.tolist()):
                for j, v in zip(part[local].tolist(), vals[local].tolist(), strict=True):
                    if len(lists[r]) >= k or v <= NOT_ALLOWED or v < min_score:
                        break
                    if exposure[j] < cap:
                        add(r, j, round(v, 6))
                if len(lists[r]) < k and vals[local, -1] >= max(min_score, 0.0):
                    # the m best were not enough: scan the whole row exactly
                    row = model.score_rows(np.array([r]))[0]
                    row[np.array(exposure, dtype=np.int64) >= cap] = NOT_ALLOWED
                    mask_row(r, row)
                    cand = np.flatnonzero((row > NOT_ALLOWED) & (row >= min_score))
                    cvals = np.round(row[cand].astype(np.float64), 6)
                    for t in np.lexsort((cand, -cvals)).tolist():
                        if len(lists[r]) >= k:
                            break
                        j = int(cand[t])
                        if exposure[j] < cap:
                            add(r, j, float(cvals[t]))

    timings["fill"] = time.perf_counter() - t0 - sum(timings.values())
    # ---- build recommendations with parts and reasons
    pairs_i = np.array([i for i in range(n) for _ in lists[i]], dtype=np.int64)
    pairs_j = np.array([j for i in range(n) for j in lists[i]], dtype=np.int64)
    parts_arr = model.pair_parts(pairs_i, pairs_j) if pairs_i.size else {}
    ii, jj = pairs_i.tolist(), pairs_j.tolist()
    pin_flags = [(i, j) in pinned_set for i, j in zip(ii, jj, strict=True)]
    all_reasons = model.reasons_batch(ii, jj, parts_arr, pin_flags) if ii else []
    part_cols = [np.round(parts_arr[key], 6).tolist() for key in PART_KEYS] if ii else []
    part_rows = list(zip(*part_cols, strict=True)) if part_cols else []
    by_attendee: dict[int, list[Recommendation]] = {}
    ids = model.ids.tolist()
    pos = 0
    for i in range(n):
        base = pos
        pos += len(lists[i])
        slot = {j: base + t for t, j in enumerate(lists[i])}
        ordered = sorted(
            lists[i], key=lambda j, i=i: ((i, j) not in pinned_set, -score_of[(i, j)], j)
        )
        recs = []
        for rank, j in enumerate(ordered, start=1):
            p = slot[j]
            recs.append(
                Recommendation(
                    attendee_id=ids[i],
                    partner_id=ids[j],
                    rank=rank,
                    score=score_of[(i, j)],
                    parts=dict(zip(PART_KEYS, part_rows[p], strict=True)),
                    reasons=all_reasons[p],
                    pinned=pin_flags[p],
                )
            )
        by_attendee[ids[i]] = recs

    timings["explain"] = time.perf_counter() - t0 - sum(timings.values())
    # ---- stats
    n_recs = int(pairs_i.size)
    roles = [p.role for p in model.profiles]
    cross = sum(roles[i] != roles[j] for i, j in score_of) if n_recs else 0
    mutual = sum((j, i) in score_of for i, j in score_of) if n_recs else 0
    all_scores = np.array(list(score_of.values()), dtype=np.float64)
    quant = (
        {
            "min": float(all_scores.min()),
            "p25": float(np.quantile(all_scores, 0.25)),
            "median": float(np.median(all_scores)),
            "p75": float(np.quantile(all_scores, 0.75)),
            "max": float(all_scores.max()),
            "mean": float(all_scores.mean()),
        }
        if n_recs
        else {}
    )
    stats = RecommendationStats(
        n_attendees=n,
        n_excluded_no_consent=len(model.excluded_ids),
        k=k,
        exposure_cap=cap,
        n_recommendations=n_recs,
        coverage=(sum(len(x) >= k for x in lists) / n) if n else 1.0,
        mean_list_length=(n_recs / n) if n else 0.0,
        cross_role_share=(cross / n_recs) if n_recs else 0.0,
        reciprocal_share=(mutual / n_recs) if n_recs else 0.0,
        exposure_gini=gini(exposure),
        max_exposure=max(exposure, default=0),
        score_quantiles={key: round(v, 6) for key, v in quant.items()},
        ignored_pins=tuple(ignored),
        embedder=model.embedder_name,
        seconds=round(time.perf_counter() - t0, 4),
        timings={key: round(v, 4) for key, v in timings.items()},
        n_short_after_greedy=n_short,
    )
    return RecommendationResult(by_attendee=by_attendee, stats=stats, model=model)
