"""Plain-language observations computed from the figures, never invented.

Each rule looks for one pattern and speaks only when the evidence is big enough (a minimum
number of people or meetings behind every rate), so a three-person event gets few findings
and no noise. A `Finding` is a message key with its numbers; the words (translated) live in
the presentation layer (`eventnet.pdf.report`), so this stays pure and testable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from itertools import combinations
from zoneinfo import ZoneInfo

from .data import ROLES
from .figures import ReportFigures, outcome_results, share

MIN_PEOPLE = 10  # participants before any role ratio is reported
MIN_INTEREST = 6  # participants sharing an interest before its role mix is reported
MIN_MEETINGS_EACH_SIDE = 10  # meetings on both sides of a time split
MIN_RESPONSES = 10  # survey answers before NPS is called a finding
MAX_FINDINGS = 8


@dataclass(frozen=True)
class Finding:
    key: str
    params: dict[str, object] = field(default_factory=dict)
    strength: float = 1.0  # for ordering: the more striking, the earlier


def _ratio(a: int, b: int) -> float:
    return a / b if b else float("inf")


def _role_balance(f: ReportFigures) -> list[Finding]:
    counts = {r.label: r.count for r in f.registration.by_role if r.count}
    if sum(counts.values()) < MIN_PEOPLE or len(counts) < 2:
        return []
    more = max(counts, key=lambda r: counts[r])
    fewer = min(counts, key=lambda r: counts[r])
    ratio = _ratio(counts[more], counts[fewer])
    if ratio < 2:
        return []
    return [
        Finding(
            "roles_ratio",
            {
                "more": more,
                "fewer": fewer,
                "ratio": round(ratio, 1),
                "more_count": counts[more],
                "fewer_count": counts[fewer],
            },
            strength=min(ratio, 5),
        )
    ]


def _interest_balance(f: ReportFigures) -> list[Finding]:
    """Interests whose role mix is far from the event's overall mix.

    "Employers outnumbered students 3:1 in health tech" is only news when the event as a whole
    had more students, so a ratio is reported when it is at least 3:1 *and* at least twice
    what the overall numbers of the two roles would predict (its "lift").
    """
    overall = dict.fromkeys(ROLES, 0)
    for r in f.registration.by_role:
        overall[r.label] = r.count
    found = []
    for label, per_role in f.interests.interest_roles:
        if sum(per_role) < MIN_INTEREST:
            continue
        for i, j in combinations(range(len(ROLES)), 2):
            hi, lo = (i, j) if per_role[i] >= per_role[j] else (j, i)
            n_hi, n_lo = per_role[hi], per_role[lo]
            all_hi, all_lo = overall[ROLES[hi]], overall[ROLES[lo]]
            if n_hi < 4 or not all_hi or not all_lo:
                continue
            expected_ratio = all_hi / all_lo
            if n_lo == 0:
                expected_lo = n_hi / expected_ratio
                if expected_lo >= 2.5:
                    found.append(
                        Finding(
                            "interest_without_role",
                            {
                                "interest": label,
                                "more": ROLES[hi],
                                "more_count": n_hi,
                                "fewer": ROLES[lo],
                            },
                            strength=2 + min(expected_lo, 10) / 4,
                        )
                    )
                continue
            ratio = n_hi / n_lo
            lift = ratio / expected_ratio
            if ratio >= 3 and lift >= 2:
                found.append(
                    Finding(
                        "interest_ratio",
                        {
                            "interest": label,
                            "more": ROLES[hi],
                            "fewer": ROLES[lo],
                            "ratio": round(ratio),
                            "more_count": n_hi,
                            "fewer_count": n_lo,
                        },
                        strength=2 + min(lift, 6) / 2,
                    )
                )
    found.sort(key=lambda x: -x.strength)
    # At most two, and not two about the same interest.
    chosen, seen = [], set()
    for item in found:
        if item.params["interest"] not in seen:
            chosen.append(item)
            seen.add(item.params["interest"])
        if len(chosen) == 2:
            break
    return chosen


def _no_show_by_time(f: ReportFigures) -> list[Finding]:
    slots = [s for s in f.matching.slots if s.held + s.no_show]
    best: Finding | None = None
    for k in range(1, len(slots)):
        before, after = slots[:k], slots[k:]
        b_n = sum(s.held + s.no_show for s in before)
        a_n = sum(s.held + s.no_show for s in after)
        if b_n < MIN_MEETINGS_EACH_SIDE or a_n < MIN_MEETINGS_EACH_SIDE:
            continue
        b_rate = sum(s.no_show for s in before) / b_n
        a_rate = sum(s.no_show for s in after) / a_n
        for rising, lo, hi in ((True, b_rate, a_rate), (False, a_rate, b_rate)):
            if hi - lo < 0.05 or hi < 2 * lo:
                continue
            factor = hi / lo if lo else None
            strength = 3 + (min(factor, 5) if factor else 5) / 2
            if best is None or strength > best.strength:
                best = Finding(
                    "no_show_after" if rising else "no_show_before",
                    {
                        "time": slots[k].label,
                        "before": b_rate,
                        "after": a_rate,
                        "factor": round(factor, 1) if factor else None,
                        "before_count": b_n,
                        "after_count": a_n,
                    },
                    strength=strength,
                )
    return [best] if best else []


def _attendance_gap(f: ReportFigures) -> list[Finding]:
    rates = [
        (r.attendance_rate, r.role, r.confirmed)
        for r in f.summary.roles
        if r.attendance_rate is not None and r.confirmed >= 5
    ]
    if len(rates) < 2:
        return []
    low, high = min(rates), max(rates)
    if high[0] - low[0] < 0.15:
        return []
    return [
        Finding(
            "attendance_gap",
            {"low_role": low[1], "low_rate": low[0], "high_role": high[1], "high_rate": high[0]},
            strength=2 + (high[0] - low[0]) * 5,
        )
    ]


def _unmet_needs(f: ReportFigures) -> list[Finding]:
    if not f.interests.unmet:
        return []
    need = f.interests.unmet[0]
    key = "need_unmet_none" if need.offered == 0 else "need_unmet_ratio"
    return [
        Finding(
            key,
            {"need": need.label, "sought": need.sought, "offered": need.offered},
            strength=2.5 + min(need.unmet, 20) / 10,
        )
    ]


def _waiting_list(f: ReportFigures) -> list[Finding]:
    found = []
    for r in f.summary.roles:
        if r.waitlisted >= 3 and r.waitlisted >= 0.1 * r.registered:
            found.append(
                Finding(
                    "waitlist_full",
                    {"role": r.role, "waiting": r.waitlisted, "promoted": r.promoted},
                    strength=1.5 + r.waitlisted / max(r.registered, 1),
                )
            )
    return sorted(found, key=lambda x: -x.strength)[:1]


def _cross_role(f: ReportFigures) -> list[Finding]:
    m = f.matching
    shown = m.held if m.basis == "held" else m.booked
    if shown < MIN_MEETINGS_EACH_SIDE or m.cross_role_share is None:
        return []
    return [
        Finding(
            "cross_role_meetings",
            {"share": m.cross_role_share, "count": m.cross_role, "total": shown, "basis": m.basis},
            strength=1.2,
        )
    ]


def _no_show_share(f: ReportFigures) -> list[Finding]:
    m = f.matching
    if m.held + m.no_show < MIN_MEETINGS_EACH_SIDE or not m.no_show:
        return []
    rate = share(m.no_show, m.held + m.no_show) or 0
    if rate < 0.15:
        return []
    return [
        Finding(
            "no_show_share",
            {"rate": rate, "no_show": m.no_show, "total": m.held + m.no_show},
            strength=1.8 + rate,
        )
    ]


def _countries(f: ReportFigures) -> list[Finding]:
    reg = f.registration
    if reg.country_count < 3 or not reg.countries or f.summary.participants < MIN_PEOPLE:
        return []
    top = reg.countries[0]
    return [
        Finding(
            "countries",
            {"countries": reg.country_count, "top": top.label, "top_share": top.share or 0},
            strength=1.0,
        )
    ]


def _nps(f: ReportFigures) -> list[Finding]:
    fb = f.outcomes.feedback if f.outcomes else None
    if not fb or fb.nps is None:
        return []
    answered = fb.promoters + fb.passives + fb.detractors
    if answered < MIN_RESPONSES:
        return []
    return [
        Finding(
            "nps",
            {
                "nps": round(fb.nps),
                "answers": answered,
                "promoters": fb.promoters,
                "detractors": fb.detractors,
            },
            strength=1.6,
        )
    ]


def _top_outcome(f: ReportFigures) -> list[Finding]:
    if not f.outcomes or f.outcomes.outcomes.results < 3:
        return []
    results = [
        c for c in outcome_results(f.outcomes) if c.type not in ("nothing_yet", "still_in_touch")
    ]
    if not results:
        return []
    top = results[0]
    return [
        Finding(
            "top_outcome",
            {
                "type": top.type,
                "people": top.people,
                "results": f.outcomes.outcomes.results,
                "people_with_result": f.outcomes.outcomes.people_with_result,
            },
            strength=2.2,
        )
    ]


def _late_registrations(f: ReportFigures) -> list[Finding]:
    reg = f.registration
    if not reg.cumulative:
        return []
    totals = [sum(series[i] for _, series in reg.cumulative) for i in range(len(reg.days))]
    total = totals[-1] if totals else 0
    if total < 20:
        return []
    start_day = f.data.event.starts_at.astimezone(ZoneInfo(f.data.event.timezone)).date()
    cutoff = start_day - timedelta(days=7)
    before = max((t for day, t in zip(reg.days, totals, strict=True) if day < cutoff), default=0)
    late = total - before
    rate = late / total
    if rate < 0.35:
        return []
    return [
        Finding(
            "late_registrations",
            {"share": rate, "count": late, "total": total},
            strength=1.1 + rate,
        )
    ]


RULES = (
    _role_balance,
    _interest_balance,
    _no_show_by_time,
    _attendance_gap,
    _unmet_needs,
    _waiting_list,
    _no_show_share,
    _cross_role,
    _countries,
    _nps,
    _top_outcome,
    _late_registrations,
)


def compute_findings(figures: ReportFigures, limit: int = MAX_FINDINGS) -> tuple[Finding, ...]:
    found = [finding for rule in RULES for finding in rule(figures)]
    found.sort(key=lambda x: -x.strength)
    return tuple(found[:limit])
