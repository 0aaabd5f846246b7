"""Speed and memory of recommend() (500 -> 20,000 attendees) and of the scheduler.

Run from the repository root::

    python -m benchmarks.matching_speed                       # everything
    python -m benchmarks.matching_speed --sizes 500 1000 5000 # recommendation sizes only
    python -m benchmarks.matching_speed --skip-recommend      # scheduler only

Each recommendation size runs in a fresh subprocess so that peak RSS
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``) belongs to that size alone; the subprocess
also reports the tracemalloc peak of a second, traced run (numpy buffers included).
Times are wall-clock, best of ``--repeat`` runs (one run above 5,000 attendees), with the
embedding model already loaded (its one-off load time is reported separately); "CPU s" is
the process CPU time of that run (all threads: the BLAS helper thread included),
"main-thread CPU s" the CPU time of the calling thread — the critical path, hence about the
wall time on an otherwise idle 2-core machine — and "load avg" the 1-minute load average
just before the run: other work on the machine inflates wall time, not CPU time.
Phase columns are wall seconds. Prints Markdown tables.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

DEFAULT_SIZES = [500, 1000, 2000, 5000, 10000, 20000]


def _one_size(n: int, k: int, repeat: int, embedder: str) -> dict:
    import resource
    import tracemalloc

    from benchmarks.synthetic import generate_event
    from eventnet.core.matching import (
        HashedNgramEmbedder,
        WordLlamaEmbedder,
        recommend,
    )

    event = generate_event(n, seed=7)
    t = time.perf_counter()
    emb = WordLlamaEmbedder().load() if embedder == "wordllama" else HashedNgramEmbedder()
    model_load = time.perf_counter() - t
    best = None
    for _ in range(repeat if n <= 5000 else 1):
        load_before = os.getloadavg()[0]
        t = time.perf_counter()
        c = time.process_time()
        m = time.thread_time()
        res = recommend(event.profiles, k=k, embedder=emb)
        sec = time.perf_counter() - t
        cpu = time.process_time() - c
        main = time.thread_time() - m
        if best is None or sec < best[0]:
            best = (sec, res.stats, cpu, load_before, main)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    tracemalloc.start()
    recommend(event.profiles, k=k, embedder=emb)
    _cur, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    sec, stats, cpu, load, main = best
    return {
        "n": n,
        "k": k,
        "seconds": sec,
        "cpu_seconds": cpu,
        "main_cpu_seconds": main,
        "load": load,
        "timings": stats.timings,
        "coverage": stats.coverage,
        "short_after_greedy": stats.n_short_after_greedy,
        "load_seconds": model_load,
        "peak_rss_mb": rss,
        "traced_peak_mb": peak / 2**20,
        "embedder": stats.embedder,
    }


def recommend_table(sizes: list[int], k: int, repeat: int, embedder: str) -> str:
    rows = []
    for n in sizes:
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "benchmarks.matching_speed",
                "--child",
                str(n),
                "--k",
                str(k),
                "--repeat",
                str(repeat),
                "--embedder",
                embedder,
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(f"  n={n}: {rows[-1]['seconds']:.2f} s", file=sys.stderr)
    lines = [
        f"### recommend(): k={k}, embedder {rows[0]['embedder'] if rows else embedder}, "
        f"best of {repeat}\n",
        "| attendees | wall s | CPU s | main-thread CPU s | model+embed | candidates | greedy "
        "| fill | explain | peak RSS MB | traced peak MB | coverage | load avg |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        t = r["timings"]
        lines.append(
            f"| {r['n']:,} | {r['seconds']:.2f} | {r['cpu_seconds']:.2f} | "
            f"{r['main_cpu_seconds']:.2f} | "
            f"{t.get('model', 0):.2f} | "
            f"{t.get('candidates', 0):.2f} | {t.get('greedy', 0):.2f} | {t.get('fill', 0):.2f} | "
            f"{t.get('explain', 0):.2f} | {r['peak_rss_mb']:.0f} | {r['traced_peak_mb']:.0f} | "
            f"{r['coverage']:.3f} | {r['load']:.1f} |"
        )
    if rows:
        lines.append(f"\nModel load (once per process): {rows[0]['load_seconds']:.2f} s")
    return "\n".join(lines)


def scheduler_case(
    n: int,
    n_slots: int,
    n_tables: int,
    seed: int,
    max_meetings: tuple[int, int] = (3, 8),
    unavailable_share: float = 0.2,
) -> dict:
    from benchmarks.synthetic import generate_event
    from eventnet.core.matching import HashedNgramEmbedder, MatchingModel
    from eventnet.core.scheduling import (
        Candidate,
        LockedMeeting,
        Person,
        Slot,
        Table,
        schedule,
    )

    rng = np.random.default_rng(seed)
    event = generate_event(n, seed=seed)
    model = MatchingModel(event.profiles, embedder=HashedNgramEmbedder())
    pairs = model.top_candidates(per_attendee=30)
    slots = [Slot(100 + s) for s in range(n_slots)]
    tables = [Table(500 + t) for t in range(n_tables)]
    people = []
    for p in event.profiles:
        unavailable = frozenset()
        if rng.random() < unavailable_share:
            unavailable = frozenset(
                int(x)
                for x in rng.choice([s.id for s in slots], size=rng.integers(1, 4), replace=False)
            )
        t_max = int(rng.integers(max_meetings[0], max_meetings[1] + 1))
        people.append(Person(p.id, t_max, unavailable, p.organization_id))
    cands = [Candidate(a, b, s, bool(rng.random() < 0.05)) for a, b, s in pairs]
    # a few locked meetings on distinct people, distinct tables
    locked = []
    used: set[int] = set()
    by_id = {p.id: p for p in people}
    for a, b, _s in pairs[: 4 * n_slots]:
        if a in used or b in used or len(locked) >= 2 * n_slots:
            continue
        s = slots[len(locked) % n_slots].id
        if s in by_id[a].unavailable or s in by_id[b].unavailable:
            continue
        locked.append(LockedMeeting(a, b, s, tables[len(locked) // n_slots].id))
        used |= {a, b}
    load = os.getloadavg()[0]
    t = time.perf_counter()
    c = time.process_time()
    res = schedule(people, cands, slots, tables, locked)
    sec = time.perf_counter() - t
    cpu = time.process_time() - c
    return {
        "n": n,
        "slots": n_slots,
        "tables": n_tables,
        "candidates": len(cands),
        "seconds": sec,
        "cpu_seconds": cpu,
        "load": load,
        "ratio": res.ratio,
        "objective": res.objective,
        "lp_bound": res.lp_upper_bound,
        "meetings": len(res.meetings),
        "status": res.status,
        "accepted": f"{int(res.stats['accepted_placed'])}/{int(res.stats['accepted_total'])}",
        "stats": res.stats,
    }


SCHEDULER_CASES = [
    # (attendees, slots, tables, max meetings range, share with 1-3 unavailable slots)
    (500, 10, 100, (3, 8), 0.2),
    (2000, 10, 400, (3, 8), 0.2),
    (2000, 10, 1000, (3, 8), 0.2),
    (2000, 10, 1000, (8, 10), 0.4),
]


def scheduler_table(cases=SCHEDULER_CASES) -> str:
    lines = [
        "### schedule(): candidates = top-30 matching partners per person, 5% of them "
        "accepted requests, 2 locked meetings per slot\n",
        "| attendees | slots | tables | max meetings | unavailable | candidate pairs | wall s "
        "| CPU s | meetings | accepted placed | objective / LP bound | choice | load avg |",
        "|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for n, s, t, tm, un in cases:
        r = scheduler_case(n, s, t, seed=3, max_meetings=tm, unavailable_share=un)
        lines.append(
            f"| {n:,} | {s} | {t} | {tm[0]}-{tm[1]} | {un:.0%} | {r['candidates']:,} | "
            f"{r['seconds']:.2f} | {r['cpu_seconds']:.2f} | {r['meetings']:,} | "
            f"{r['accepted']} | {r['ratio']:.4f} | {r['status']} | {r['load']:.1f} |"
        )
        print(f"  schedule n={n}: {r['seconds']:.2f} s {r['stats']}", file=sys.stderr)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=DEFAULT_SIZES)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--embedder", choices=["wordllama", "ngram"], default="wordllama")
    ap.add_argument("--skip-recommend", action="store_true")
    ap.add_argument("--skip-schedule", action="store_true")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(_one_size(args.child, args.k, args.repeat, args.embedder)))
        return
    if not args.skip_recommend:
        print(recommend_table(args.sizes, args.k, args.repeat, args.embedder))
        print()
    if not args.skip_schedule:
        print(scheduler_table())


if __name__ == "__main__":
    main()
