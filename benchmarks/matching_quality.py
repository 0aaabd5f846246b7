"""Recommendation quality against a planted ground truth: our engine vs two baselines.

Run from the repository root::

    python -m benchmarks.matching_quality              # n=2000, k=5, seeds 1 2 3
    python -m benchmarks.matching_quality --n 1000 --k 10 --seeds 0

Prints Markdown tables (mean over seeds; ± is the standard deviation across seeds).
Methods, all in the same run on the same synthetic events (benchmarks/synthetic.py):

* ``eventnet``            recommend() with the default embedder (wordllama), cap 2k
* ``eventnet-ngram``      same, hashed character n-gram TF-IDF embedder (fallback)
* ``eventnet-tags``       same, text weight 0 (tags only)
* ``eventnet-uncapped``   same as eventnet without exposure cap
* ``jaccard``             top-k by Jaccard overlap of all tags (interests+offers+seeks),
                          excluding self and the same organization
* ``jaccard-plain``       top-k by Jaccard, excluding only self
* ``random``              k random partners, excluding self and the same organization

Metrics (attendees "with truth" = those with at least one planted partner):

* ``P@k``      precision@k: planted partners in the list / k, mean over attendees with truth
* ``ceiling``  best possible P@k: min(k, #planted) / k
* ``R@k``      recall@k: planted partners in the list / #planted
* ``MP@k``     mutual precision@k: entries that are planted *and* reciprocated / k
* ``success``  share of attendees with truth with at least one planted partner listed
* ``recip``    share of all entries a->b where b's list also contains a
* ``cover``    share of attendees with a full list of k
* ``gini``     Gini coefficient of how many lists each attendee appears in
* ``cross``    share of entries between different roles
* ``same-org`` number of entries between people of the same organization (must be 0)
* ``ILD``      intra-list diversity: mean pairwise 1 - Jaccard(tags) among a list's partners
* ``exp s/st/e`` mean number of lists an attendee of role staff/student/employer is in
* ``fair``     min/max of those three means (1 = equal exposure across roles)
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from benchmarks.synthetic import SyntheticEvent, generate_event
from eventnet.core.matching import (
    HashedNgramEmbedder,
    MatchingWeights,
    Profile,
    WordLlamaEmbedder,
    gini,
    normalize_tag,
    recommend,
)

Lists = dict[int, list[int]]


def _tag_matrix(profiles: list[Profile]) -> tuple[np.ndarray, list[set[str]]]:
    sets = [{normalize_tag(t) for t in (p.interests | p.offers | p.seeks)} for p in profiles]
    vocab = {t: i for i, t in enumerate(sorted(set().union(*sets)))}
    m = np.zeros((len(profiles), len(vocab)), dtype=np.float32)
    for i, s in enumerate(sets):
        for t in s:
            m[i, vocab[t]] = 1.0
    return m, sets


def _org_mask(profiles: list[Profile]) -> np.ndarray:
    org = np.array(
        [
            p.organization_id if p.organization_id is not None else -1 - i
            for i, p in enumerate(profiles)
        ]
    )
    return org[:, None] == org[None, :]


def jaccard_lists(profiles: list[Profile], k: int, org_filter: bool = True) -> Lists:
    m, _ = _tag_matrix(profiles)
    inter = m @ m.T
    size = m.sum(axis=1)
    union = size[:, None] + size[None, :] - inter
    sim = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
    np.fill_diagonal(sim, -1.0)
    if org_filter:
        sim[_org_mask(profiles) & ~np.eye(len(profiles), dtype=bool)] = -1.0
    ids = [p.id for p in profiles]
    out: Lists = {}
    for i in range(len(profiles)):
        row = np.round(sim[i].astype(np.float64), 6)
        order = np.lexsort((np.arange(len(row)), -row))
        out[ids[i]] = [ids[j] for j in order[:k] if row[j] >= 0]
    return out


def random_lists(profiles: list[Profile], k: int, seed: int) -> Lists:
    rng = np.random.default_rng(seed + 999)
    bad = _org_mask(profiles)
    ids = [p.id for p in profiles]
    out: Lists = {}
    for i in range(len(profiles)):
        allowed = np.flatnonzero(~bad[i])
        pick = rng.choice(allowed, size=min(k, allowed.size), replace=False)
        out[ids[i]] = [ids[j] for j in pick]
    return out


def engine_lists(profiles: list[Profile], k: int, **kwargs) -> Lists:
    res = recommend(profiles, k=k, **kwargs)
    return {a: [r.partner_id for r in recs] for a, recs in res.by_attendee.items()}


def evaluate(event: SyntheticEvent, lists: Lists, k: int) -> dict[str, float]:
    profiles = {p.id: p for p in event.profiles}
    tagsets = {
        p.id: {normalize_tag(t) for t in (p.interests | p.offers | p.seeks)} for p in event.profiles
    }
    listed = {a: set(v) for a, v in lists.items()}
    p_at, r_at, mp_at, succ, ceil = [], [], [], [], []
    for a, truth in event.partners.items():
        if not truth or a not in lists:
            continue
        got = lists[a][:k]
        hits = [b for b in got if b in truth]
        mutual = [b for b in hits if a in listed.get(b, ())]
        p_at.append(len(hits) / k)
        r_at.append(len(hits) / len(truth))
        mp_at.append(len(mutual) / k)
        succ.append(1.0 if hits else 0.0)
        ceil.append(min(k, len(truth)) / k)
    entries = [(a, b) for a, v in lists.items() for b in v]
    recip = np.mean([a in listed.get(b, ()) for a, b in entries]) if entries else 0.0
    cross = np.mean([profiles[a].role != profiles[b].role for a, b in entries])
    same_org = sum(
        profiles[a].organization_id is not None
        and profiles[a].organization_id == profiles[b].organization_id
        for a, b in entries
    )
    exposure = {pid: 0 for pid in profiles}
    for _a, b in entries:
        exposure[b] += 1
    ild = []
    for v in lists.values():
        if len(v) < 2:
            continue
        d = []
        for x in range(len(v)):
            for y in range(x + 1, len(v)):
                s1, s2 = tagsets[v[x]], tagsets[v[y]]
                u = len(s1 | s2)
                d.append(1.0 - (len(s1 & s2) / u if u else 0.0))
        ild.append(np.mean(d))
    by_role = {}
    for role in ("staff", "student", "employer"):
        vals = [exposure[pid] for pid, p in profiles.items() if p.role == role]
        by_role[role] = float(np.mean(vals)) if vals else 0.0
    means = list(by_role.values())
    return {
        "P@k": float(np.mean(p_at)),
        "ceiling": float(np.mean(ceil)),
        "R@k": float(np.mean(r_at)),
        "MP@k": float(np.mean(mp_at)),
        "success": float(np.mean(succ)),
        "recip": float(recip),
        "cover": float(np.mean([len(lists.get(pid, [])) >= k for pid in profiles])),
        "gini": gini(list(exposure.values())),
        "cross": float(cross),
        "same-org": float(same_org),
        "ILD": float(np.mean(ild)) if ild else 0.0,
        "exp s": by_role["staff"],
        "exp st": by_role["student"],
        "exp e": by_role["employer"],
        "fair": (min(means) / max(means)) if max(means) > 0 else 0.0,
    }


def methods(k: int, seed: int) -> dict[str, Callable[[list[Profile]], Lists]]:
    wl = WordLlamaEmbedder()
    ng = HashedNgramEmbedder()
    return {
        "eventnet": lambda ps: engine_lists(ps, k, embedder=wl),
        "eventnet-ngram": lambda ps: engine_lists(ps, k, embedder=ng),
        "eventnet-tags": lambda ps: engine_lists(
            ps, k, embedder=ng, weights=MatchingWeights(interest=0.25, reciprocity=0.35, text=0)
        ),
        "eventnet-uncapped": lambda ps: engine_lists(ps, k, embedder=wl, exposure_cap=len(ps)),
        "jaccard": lambda ps: jaccard_lists(ps, k, org_filter=True),
        "jaccard-plain": lambda ps: jaccard_lists(ps, k, org_filter=False),
        "random": lambda ps: random_lists(ps, k, seed),
    }


QUALITY_COLS = ["P@k", "ceiling", "R@k", "MP@k", "success", "recip", "cover"]
FAIR_COLS = ["gini", "cross", "same-org", "ILD", "exp s", "exp st", "exp e", "fair", "sec"]


def run(n: int, k: int, seeds: list[int]) -> dict[str, dict[str, list[float]]]:
    results: dict[str, dict[str, list[float]]] = {}
    for seed in seeds:
        event = generate_event(n, seed=seed)
        for name, fn in methods(k, seed).items():
            t = time.perf_counter()
            lists = fn(event.profiles)
            sec = time.perf_counter() - t
            metrics = evaluate(event, lists, k)
            metrics["sec"] = sec
            for key, val in metrics.items():
                results.setdefault(name, {}).setdefault(key, []).append(val)
    return results


def table(results: dict[str, dict[str, list[float]]], cols: list[str]) -> str:
    head = "| method | " + " | ".join(cols) + " |"
    sep = "|---|" + "---:|" * len(cols)
    lines = [head, sep]
    for name, metrics in results.items():
        cells = []
        for c in cols:
            vals = np.array(metrics[c])
            if c == "same-org":
                cells.append(f"{vals.mean():.0f}")
            elif len(vals) > 1 and c in ("P@k", "R@k", "MP@k", "success"):
                cells.append(f"{vals.mean():.3f} ± {vals.std():.3f}")
            else:
                cells.append(f"{vals.mean():.3f}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--k", type=int, default=5)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    args = ap.parse_args(argv)
    results = run(args.n, args.k, args.seeds)
    print(f"### Matching quality: n={args.n}, k={args.k}, seeds={args.seeds}\n")
    print(table(results, QUALITY_COLS))
    print()
    print(table(results, FAIR_COLS))
    ours = np.mean(results["eventnet"]["P@k"])
    jac = np.mean(results["jaccard"]["P@k"])
    print(
        f"\nP@{args.k}: eventnet {ours:.3f} vs jaccard {jac:.3f}: "
        f"+{ours - jac:.3f} absolute, x{ours / jac if jac else float('inf'):.2f}"
    )


if __name__ == "__main__":
    main()
