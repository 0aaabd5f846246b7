"""Presentation of the event report: figures -> translated labels, sentences and SVG charts.

`report_context` feeds ``templates/pdf/report.html``; `chart_tables` is the data behind every
chart (the same `ChartTable` objects draw the charts, so the CSV/XLSX download and the PDF can
never disagree). Everything here is plain data; the numbers come from `eventnet.core.report`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_time
from babel.numbers import format_decimal, format_percent
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from ..core.report import ORG_KINDS, ROLES, Finding, ReportFigures, outcome_results
from . import charts
from .charts import ROLE_COLOURS, Series

# --------------------------------------------------------------------------- labels


def _locale() -> str:
    locale = get_locale()
    return str(locale) if locale else "en"


def role_label(role: str) -> str:
    return {
        "student": _("Students"),
        "employer": _("Employers"),
        "staff": _("Higher-education staff"),
        "all": _("All"),
    }.get(role, role)


def role_short(role: str) -> str:
    """A short role name for narrow places (matrix headers, pair labels)."""
    return {"student": _("Students"), "employer": _("Employers"), "staff": _("HE staff")}.get(
        role, role
    )


def role_noun(role: str) -> str:
    """The role as a plural noun inside a sentence ("employers outnumbered students")."""
    return {
        "student": _("students"),
        "employer": _("employers"),
        "staff": _("higher-education staff"),
    }.get(role, role)


def role_attribution(role: str) -> str:
    """Who said it, for a quote without a name."""
    return {
        "student": _("A student"),
        "employer": _("An employer"),
        "staff": _("A member of higher-education staff"),
    }.get(role, _("An attendee"))


def kind_label(kind: str) -> str:
    return {
        "higher_education": _("Higher education"),
        "employer": _("Employers"),
        "other": _("Other organizations"),
    }.get(kind, kind)


def outcome_label(kind: str) -> str:
    return {
        "still_in_touch": _("Still in touch"),
        "internship": _("Internship"),
        "job": _("Job"),
        "thesis": _("Thesis"),
        "project": _("Project"),
        "research_collaboration": _("Research collaboration"),
        "guest_lecture": _("Guest lecture"),
        "joint_application": _("Joint application"),
        "nothing_yet": _("Nothing yet"),
    }.get(kind, kind)


def request_status_label(status: str) -> str:
    return {
        "pending": _("Waiting for an answer"),
        "accepted": _("Accepted"),
        "declined": _("Declined"),
        "expired": _("Expired"),
        "cancelled": _("Withdrawn"),
    }.get(status, status)


def source_label(source: str) -> str:
    return {
        "request": _("Requested by an attendee"),
        "recommendation": _("From a recommendation"),
        "organizer": _("Set by the organizers"),
    }.get(source, source)


def country_name(code: str) -> str:
    if not code:
        return _("Not given")
    try:
        return Locale.parse(_locale()).territories.get(code.upper(), code.upper())
    except (ValueError, TypeError):
        return code.upper()


def number(value: float | int | None) -> str:
    if value is None:
        return "–"
    return format_decimal(value, format="#,##0.#", locale=_locale())


def percent(value: float | None) -> str:
    if value is None:
        return "–"
    return format_percent(value, locale=_locale())  # the locale's own layout: "83 %" in Finnish


def signed(value: float | None) -> str:
    if value is None:
        return "–"
    rounded = round(value)
    return f"+{rounded}" if rounded > 0 else str(rounded)


def rating(value: float | None) -> str:
    return "–" if value is None else format_decimal(round(value, 1), "0.0", locale=_locale())


# --------------------------------------------------------------------------- charts + data


@dataclass(frozen=True)
class ChartTable:
    """One chart: its data as a table (for CSV/XLSX) and as SVG (for the PDF)."""

    id: str
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    svg: Markup = field(default=Markup(""), compare=False)
    caption: str = ""

    @property
    def empty(self) -> bool:
        return not self.rows


def _role_series(values: dict[str, Sequence[float]]) -> list[Series]:
    return [
        Series(role_label(r), list(values[r]), ROLE_COLOURS[r], ("solid", "hatch", "dots")[i])
        for i, r in enumerate(ROLES)
        if r in values
    ]


def _funnel(f: ReportFigures) -> ChartTable:
    known = f.summary.attendance_known
    steps: list[tuple[str, str]] = []
    if known:
        steps += [("attended", _("Attended")), ("no_show", _("Confirmed, did not come"))]
    else:
        steps += [("confirmed", _("Confirmed"))]
    steps += [
        ("pending", _("Not yet confirmed")),
        ("waitlisted", _("Still on the waiting list")),
        ("cancelled", _("Cancelled")),
    ]

    def value(r: Any, key: str) -> int:
        return {
            "attended": r.attended,
            "no_show": r.no_shows,
            "confirmed": r.confirmed,
            "pending": r.pending,
            "waitlisted": r.waitlisted,
            "cancelled": r.cancelled,
        }[key]

    roles = [r for r in f.summary.roles if r.registered]
    series = [
        Series(label, [value(r, key) for r in roles], colour, pattern)
        for (key, label), colour, pattern in zip(
            steps,
            ("#146c2e", "#e0a526", "#b8c2d6", "#1f5fbf", "#c4553a"),
            ("solid", "hatch", "dots", "cross", "hlines"),
            strict=False,
        )
    ]
    title = _("Where the registrations ended up, by role")
    headers = (_("Role"), _("Registered"), *(label for _k, label in steps))
    rows = tuple(
        (role_label(r.role), r.registered, *(value(r, key) for key, _l in steps)) for r in roles
    )
    svg = charts.stacked_bar_chart(
        [role_label(r.role) for r in roles],
        series,
        title=title,
        desc=_("Each bar is all registrations of one role; the number after it is the total."),
        empty=_("No registrations yet"),
    )
    return ChartTable("funnel", title, headers, rows, svg)


def _over_time(f: ReportFigures) -> ChartTable:
    reg = f.registration
    title = _("Registrations over time (running total)")
    loc = _locale()
    labels = [format_date(d, "d MMM", locale=loc) for d in reg.days]
    values = dict(reg.cumulative)
    headers = (_("Date"), *(role_label(r) for r in ROLES if r in values))
    rows = tuple(
        (d.isoformat(), *(values[r][i] for r in ROLES if r in values))
        for i, d in enumerate(reg.days)
    )
    svg = charts.line_chart(
        labels,
        _role_series(values),
        title=title,
        desc=_("Running total of registrations per role, by day."),
        label_points=len(labels) <= 10,
        empty=_("No registrations yet"),
    )
    return ChartTable("registrations_over_time", title, headers, rows, svg)


def _by_role(f: ReportFigures) -> ChartTable:
    items = [(role_label(r.label), r.count) for r in f.registration.by_role if r.count]
    title = _("Participants by role")
    svg = charts.donut_chart(
        items,
        title=title,
        colours=[ROLE_COLOURS[r.label] for r in f.registration.by_role if r.count],
        centre_label=_("participants"),
        width=290,
        height=110,
        empty=_("No participants yet"),
    )
    rows = tuple((label, n) for label, n in items)
    return ChartTable("by_role", title, (_("Role"), _("Participants")), rows, svg)


def _org_kinds(f: ReportFigures) -> ChartTable:
    kinds = f.registration.org_kinds
    title = _("Participants by kind of organization")
    values = {r: [per_role[i] for _k, per_role in kinds] for i, r in enumerate(ROLES)}
    svg = charts.stacked_bar_chart(
        [kind_label(k) for k, _v in kinds],
        [s for s in _role_series(values) if any(s.values)],
        title=title,
        empty=_("No organizations yet"),
    )
    rows = tuple((kind_label(k), *v, sum(v)) for k, v in kinds)
    headers = (_("Kind"), *(role_label(r) for r in ROLES), _("Total"))
    return ChartTable("organization_kinds", title, headers, rows, svg)


def _countries(f: ReportFigures) -> ChartTable:
    reg = f.registration
    items = [(country_name(c.label), c.count) for c in reg.countries]
    if reg.other_countries:
        items.append((_("Other countries"), reg.other_countries))
    if reg.unknown_country:
        items.append((_("Not given"), reg.unknown_country))
    title = _("Top countries of participants")
    svg = charts.bar_chart(items, title=title, colour="#1f5fbf", empty=_("No data yet"))
    return ChartTable("countries", title, (_("Country"), _("Participants")), tuple(items), svg)


def _study_fields(f: ReportFigures) -> ChartTable:
    reg = f.registration
    items = [(s.label, s.count) for s in reg.study_fields]
    if reg.other_study_fields:
        items.append((_("Other programmes"), reg.other_study_fields))
    title = _("Students' degree programmes")
    svg = charts.bar_chart(
        items, title=title, colour=ROLE_COLOURS["student"], pattern="hatch", empty=_("No data yet")
    )
    return ChartTable(
        "study_fields", title, (_("Degree programme"), _("Students")), tuple(items), svg
    )


def _arrivals(f: ReportFigures) -> ChartTable:
    items = list(f.registration.arrivals)
    title = _("Check-ins by hour of arrival")
    svg = charts.bar_chart(
        items, title=title, colour="#0f7b6c", width=290, empty=_("Nobody checked in")
    )
    return ChartTable("arrivals", title, (_("Hour"), _("Check-ins")), tuple(items), svg)


def _interests(f: ReportFigures) -> list[ChartTable]:
    tables = []
    for role, ranked in f.interests.top_by_role:
        title = _("Most common interests: %(role)s", role=role_label(role))
        items = [(r.label, r.count) for r in ranked]
        svg = charts.bar_chart(
            items, title=title, colour=ROLE_COLOURS.get(role, "#1f5fbf"), bar_height=13
        )
        tables.append(
            ChartTable(
                f"interests_{role}",
                title,
                (_("Interest"), _("Participants")),
                tuple(items),
                svg,
            )
        )
    return tables


def _balance(f: ReportFigures) -> ChartTable:
    rows = f.interests.balance[:14]
    title = _("What participants offered and sought")
    svg = charts.diverging_bar_chart(
        [b.label for b in rows],
        Series(_("Offered"), [b.offered for b in rows], "#0f7b6c", "solid"),
        Series(_("Sought"), [b.sought for b in rows], "#e0a526", "hatch"),
        title=title,
        desc=_("For each opportunity: how many participants offered it (left) and sought it."),
        empty=_("No data yet"),
    )
    data = tuple((b.label, b.offered, b.sought, b.unmet) for b in f.interests.balance)
    headers = (_("Opportunity"), _("Offered"), _("Sought"), _("Sought beyond offers"))
    return ChartTable("offer_seek", title, headers, data, svg)


def _requests(f: ReportFigures) -> ChartTable:
    items = [(request_status_label(s), n) for s, n in f.matching.requests_by_status]
    title = _("Meeting requests by answer")
    svg = charts.bar_chart(items, title=title, colour="#6a3fb5", empty=_("No requests yet"))
    return ChartTable("requests", title, (_("Answer"), _("Requests")), tuple(items), svg)


def _slots(f: ReportFigures) -> ChartTable:
    slots = f.matching.slots
    title = _("Meetings per time slot")
    any_marked = any(s.held or s.no_show for s in slots)
    series = [
        Series(_("Held"), [s.held for s in slots], "#146c2e", "solid"),
        Series(_("No-show"), [s.no_show for s in slots], "#c4553a", "hatch"),
    ]
    if not any_marked or any(s.booked - s.held - s.no_show for s in slots):
        series.append(
            Series(
                _("Not marked"), [s.booked - s.held - s.no_show for s in slots], "#b8c2d6", "dots"
            )
        )
    svg = charts.stacked_bar_chart(
        [s.label for s in slots], series, title=title, bar_height=16, empty=_("No meetings yet")
    )
    rows = tuple(
        (s.label, s.booked, s.held, s.no_show, s.no_show_rate if s.no_show_rate is not None else "")
        for s in slots
    )
    headers = (_("Slot"), _("Booked"), _("Held"), _("No-show"), _("No-show rate"))
    return ChartTable("meetings_by_slot", title, headers, rows, svg)


def _role_matrix(f: ReportFigures) -> ChartTable:
    m = f.matching
    title = (
        _("Who met whom: held meetings between roles")
        if m.basis == "held"
        else _("Who met whom: booked meetings between roles")
    )
    keep = [i for i, row in enumerate(m.role_matrix) if any(row)]
    labels = [role_short(ROLES[i]) for i in keep]
    grid = [[m.role_matrix[i][j] for j in keep] for i in keep]
    svg = charts.heatmap(labels, labels, grid, title=title, width=480, empty=_("No meetings yet"))
    rows = tuple((labels[n], *row) for n, row in enumerate(grid))
    return ChartTable("role_matrix", title, ("", *labels), rows, svg)


def _kind_matrix(f: ReportFigures) -> ChartTable:
    m = f.matching
    title = _("Who met whom: kinds of organization")
    keep = [i for i, row in enumerate(m.kind_matrix) if any(row)]
    labels = [kind_label(ORG_KINDS[i]) for i in keep]
    grid = [[m.kind_matrix[i][j] for j in keep] for i in keep]
    svg = charts.heatmap(labels, labels, grid, title=title, width=480, empty=_("No meetings yet"))
    rows = tuple((labels[n], *row) for n, row in enumerate(grid))
    return ChartTable("organization_kind_matrix", title, ("", *labels), rows, svg)


def _ratings(f: ReportFigures) -> ChartTable:
    fb = f.outcomes.feedback if f.outcomes else None
    title = _("Overall rating (1 = poor, 5 = excellent)")
    items = (
        [(f"{i} ★", n) for i, n in zip(range(5, 0, -1), reversed(fb.rating_counts), strict=True)]
        if fb and any(fb.rating_counts)
        else []
    )
    svg = charts.bar_chart(
        items, title=title, colour="#e0a526", width=290, empty=_("No feedback yet")
    )
    return ChartTable("ratings", title, (_("Rating"), _("Answers")), tuple(items), svg)


def _nps(f: ReportFigures) -> ChartTable:
    fb = f.outcomes.feedback if f.outcomes else None
    title = _("Would recommend the event (0-10)")
    items = (
        [
            (_("Promoters (9-10)"), fb.promoters),
            (_("Passives (7-8)"), fb.passives),
            (_("Detractors (0-6)"), fb.detractors),
        ]
        if fb and (fb.promoters + fb.passives + fb.detractors)
        else []
    )
    svg = charts.donut_chart(
        items,
        title=title,
        colours=["#146c2e", "#b8c2d6", "#c4553a"],
        centre_label=_("answers"),
        width=290,
        height=110,
        empty=_("No feedback yet"),
    )
    return ChartTable("nps", title, (_("Group"), _("Answers")), tuple(items), svg)


def _outcome_types(f: ReportFigures) -> ChartTable:
    counts = outcome_results(f.outcomes)
    items = [(outcome_label(c.type), c.people) for c in counts]
    title = _("Outcomes reported, by type (people)")
    svg = charts.bar_chart(items, title=title, colour="#0f7b6c", empty=_("No outcomes yet"))
    rows = tuple((outcome_label(c.type), c.people, c.connections) for c in counts)
    return ChartTable(
        "outcomes_by_type", title, (_("Outcome"), _("People"), _("Connections")), rows, svg
    )


def _outcomes_over_time(f: ReportFigures) -> ChartTable:
    o = f.outcomes
    rounds = [r for r in (o.outcomes.rounds if o else ()) if r.by_type]
    title = _("Outcomes over time")
    types: list[str] = []
    if rounds:
        categories = [_("After %(days)s days", days=r.days_after) for r in rounds]
        per = [dict(r.by_type) for r in rounds]
    else:
        months = f.outcome_months
        categories = [m for m, _t in months]
        per = [dict(t) for _m, t in months]
    for d in per:
        types += [t for t in d if t not in types]
    types = [
        t
        for t in (
            "internship",
            "job",
            "thesis",
            "project",
            "research_collaboration",
            "guest_lecture",
            "joint_application",
            "still_in_touch",
            "nothing_yet",
        )
        if t in types
    ]
    series = [Series(outcome_label(t), [d.get(t, 0) for d in per]) for t in types]
    svg = charts.stacked_bar_chart(
        categories, series, title=title, show_total=True, empty=_("No outcomes yet")
    )
    rows = tuple(
        (category, *(d.get(t, 0) for t in types))
        for category, d in zip(categories, per, strict=True)
    )
    headers = (_("When"), *(outcome_label(t) for t in types))
    return ChartTable("outcomes_over_time", title, headers, rows, svg)


def _connections(f: ReportFigures) -> ChartTable:
    o = f.outcomes
    title = _("Confirmed connections between roles")
    items: list[tuple[str, int]] = []
    if o:
        for pair, n in o.connections.by_roles:
            a, _sep, b = pair.partition("-")
            items.append((f"{role_short(a)} – {role_short(b)}", n))
    svg = charts.bar_chart(items, title=title, colour="#6a3fb5", empty=_("No connections yet"))
    return ChartTable("connections", title, (_("Roles"), _("Connections")), tuple(items), svg)


def build_charts(f: ReportFigures) -> dict[str, ChartTable]:
    tables = [
        _funnel(f),
        _over_time(f),
        _by_role(f),
        _org_kinds(f),
        _countries(f),
        _study_fields(f),
        _arrivals(f),
        *_interests(f),
        _balance(f),
        _requests(f),
        _slots(f),
        _role_matrix(f),
        _kind_matrix(f),
        _ratings(f),
        _nps(f),
        _connections(f),
        _outcome_types(f),
        _outcomes_over_time(f),
    ]
    return {t.id: t for t in tables}


def chart_tables(f: ReportFigures) -> list[ChartTable]:
    """The data behind every chart, in report order (empty charts included, as empty tables)."""
    tables = list(build_charts(f).values())
    pairs = f.matching.organization_pairs
    tables.append(
        ChartTable(
            "organization_pairs",
            _("Organizations that met most often"),
            (_("Organization"), _("Organization"), _("Meetings")),
            tuple(pairs),
        )
    )
    tables.append(
        ChartTable(
            "organizations",
            _("Participating organizations"),
            (
                _("Organization"),
                _("Kind"),
                _("Country"),
                *(role_label(r) for r in ROLES),
                _("Total"),
            ),
            tuple(
                (o.name, kind_label(o.kind), o.country, *o.participants, o.total)
                for o in f.organizations
            ),
        )
    )
    return tables


# --------------------------------------------------------------------------- findings


def finding_text(finding: Finding) -> str:
    p = finding.params
    key = finding.key
    if key == "roles_ratio":
        return _(
            "%(more)s outnumbered %(fewer)s %(ratio)s:1 (%(more_count)s to %(fewer_count)s).",
            more=role_label(str(p["more"])),
            fewer=role_noun(str(p["fewer"])),
            ratio=number(p["ratio"]),  # type: ignore[arg-type]
            more_count=number(p["more_count"]),  # type: ignore[arg-type]
            fewer_count=number(p["fewer_count"]),  # type: ignore[arg-type]
        )
    if key == "interest_ratio":
        params = {
            "more": role_label(str(p["more"])),
            "fewer": role_noun(str(p["fewer"])),
            "ratio": p["ratio"],
            "interest": p["interest"],
            "more_count": p["more_count"],
            "fewer_count": p["fewer_count"],
        }
        if p["fewer_count"] == 1:
            return _(
                "%(more)s outnumbered %(fewer)s %(more_count)s to 1 in %(interest)s.", **params
            )
        return _(
            "%(more)s outnumbered %(fewer)s %(ratio)s:1 in %(interest)s "
            "(%(more_count)s to %(fewer_count)s).",
            **params,
        )
    if key == "interest_without_role":
        return _(
            "%(more_count)s %(more)s were interested in %(interest)s, but no %(fewer)s.",
            more_count=p["more_count"],
            more=role_noun(str(p["more"])),
            interest=p["interest"],
            fewer=role_noun(str(p["fewer"])),
        )
    if key in ("no_show_after", "no_show_before"):
        factor = p.get("factor")
        params = {
            "time": p["time"],
            "before": percent(p["before"]),  # type: ignore[arg-type]
            "after": percent(p["after"]),  # type: ignore[arg-type]
        }
        if key == "no_show_after":
            if factor and 1.8 <= float(factor) < 2.5:  # type: ignore[arg-type]
                return _(
                    "The no-show rate of meetings doubled from %(time)s on "
                    "(%(before)s before, %(after)s after).",
                    **params,
                )
            return _(
                "The no-show rate of meetings rose from %(before)s to %(after)s from %(time)s on.",
                **params,
            )
        return _(
            "Meetings before %(time)s were missed more often: %(before)s no-shows, "
            "against %(after)s later.",
            **params,
        )
    if key == "attendance_gap":
        return _(
            "%(low_rate)s of confirmed %(low_role)s came, against %(high_rate)s of %(high_role)s.",
            low_rate=percent(p["low_rate"]),  # type: ignore[arg-type]
            low_role=role_noun(str(p["low_role"])),
            high_rate=percent(p["high_rate"]),  # type: ignore[arg-type]
            high_role=role_noun(str(p["high_role"])),
        )
    if key == "need_unmet_none":
        return _(
            "%(sought)s participants sought %(need)s, but nobody offered it.",
            sought=p["sought"],
            need=p["need"],
        )
    if key == "need_unmet_ratio":
        return _(
            "%(need)s was sought by %(sought)s participants but offered by only %(offered)s.",
            need=p["need"],
            sought=p["sought"],
            offered=p["offered"],
        )
    if key == "waitlist_full":
        params = {
            "role": role_noun(str(p["role"])),
            "waiting": p["waiting"],
            "promoted": p["promoted"],
        }
        if p["promoted"]:
            return _(
                "The places for %(role)s ran out: %(waiting)s people were still on the waiting "
                "list (%(promoted)s got a place from it).",
                **params,
            )
        return _(
            "The places for %(role)s ran out: %(waiting)s people were still on the waiting list.",
            **params,
        )
    if key == "cross_role_meetings":
        if p["basis"] == "held":
            return _(
                "%(share)s of the meetings held brought together people in different roles "
                "(%(count)s of %(total)s).",
                share=percent(p["share"]),  # type: ignore[arg-type]
                count=p["count"],
                total=p["total"],
            )
        return _(
            "%(share)s of the meetings booked bring together people in different roles "
            "(%(count)s of %(total)s).",
            share=percent(p["share"]),  # type: ignore[arg-type]
            count=p["count"],
            total=p["total"],
        )
    if key == "no_show_share":
        return _(
            "%(rate)s of the meetings marked were no-shows (%(no_show)s of %(total)s).",
            rate=percent(p["rate"]),  # type: ignore[arg-type]
            no_show=p["no_show"],
            total=p["total"],
        )
    if key == "countries":
        return _(
            "Participants came from %(countries)s countries; the largest group, from "
            "%(top)s, made up %(top_share)s.",
            countries=p["countries"],
            top=country_name(str(p["top"])),
            top_share=percent(p["top_share"]),  # type: ignore[arg-type]
        )
    if key == "nps":
        return _(
            "The Net Promoter Score was %(nps)s from %(answers)s answers "
            "(%(promoters)s promoters, %(detractors)s detractors).",
            nps=signed(p["nps"]),  # type: ignore[arg-type]
            answers=p["answers"],
            promoters=p["promoters"],
            detractors=p["detractors"],
        )
    if key == "top_outcome":
        return _(
            "%(type)s was the most common result so far (%(people)s people); "
            "%(people_with_result)s participants have reported at least one result.",
            type=outcome_label(str(p["type"])),
            people=p["people"],
            people_with_result=p["people_with_result"],
        )
    if key == "late_registrations":
        return _(
            "%(share)s of all registrations (%(count)s of %(total)s) arrived in the last week "
            "before the event.",
            share=percent(p["share"]),  # type: ignore[arg-type]
            count=p["count"],
            total=p["total"],
        )
    return key


# --------------------------------------------------------------------------- context


def _dates(starts: datetime, ends: datetime, tz: str) -> str:
    loc, zone = _locale(), ZoneInfo(tz)
    day = format_date(starts.astimezone(zone), "full", locale=loc)
    return (
        f"{day}, {format_time(starts.astimezone(zone), 'short', locale=loc)}"
        f"–{format_time(ends.astimezone(zone), 'short', locale=loc)}"
    )


def report_context(f: ReportFigures, findings: Sequence[Finding]) -> dict[str, Any]:
    """Everything ``pdf/report.html`` shows, as plain data and pre-drawn SVG."""
    event = f.data.event
    s = f.summary
    m = f.matching
    fb = f.outcomes.feedback if f.outcomes else None
    loc = _locale()
    people_word = _("attended") if s.attendance_known else _("confirmed")
    kpis = [
        (number(s.total.registered), _("registered"), ""),
        (number(s.total.confirmed), _("confirmed"), ""),
    ]
    if s.attendance_known:
        kpis += [
            (number(s.total.attended), _("attended"), ""),
            (percent(s.total.attendance_rate), _("attendance rate"), _("of those confirmed")),
        ]
    kpis += [
        (number(s.organizations), _("organizations"), people_word),
        (number(s.countries), _("countries"), people_word),
        (
            number(s.meetings_held if s.meetings_held else s.meetings_booked),
            _("meetings held") if s.meetings_held else _("meetings booked"),
            "",
        ),
        (number(s.connections_confirmed), _("connections confirmed"), ""),
        (number(s.results), _("results so far"), _("internships, jobs, theses...")),
        (
            signed(s.nps) if s.nps is not None else "–",
            _("Net Promoter Score"),
            _("%(n)s answers", n=number(s.feedback_responses))
            if s.feedback_responses
            else _("no feedback yet"),
        ),
    ]
    chart_map = build_charts(f)
    generated = format_datetime(
        f.data.generated_at.astimezone(ZoneInfo(event.timezone)), "medium", locale=loc
    )
    quotes = [
        {
            "text": q.text,
            "by": ", ".join(x for x in (q.name, q.organization) if x)
            if q.name
            else role_attribution(q.role),
            "named": bool(q.name),
        }
        for q in (f.outcomes.quotes if f.outcomes else ())[:8]
    ]
    return {
        "event": {
            "title": event.title,
            "dates": _dates(event.starts_at, event.ends_at, event.timezone),
            "venue": event.venue,
            "address": event.address,
            "organizers": list(event.organizers),
            "generated": generated,
        },
        "summary": s,
        "kpis": kpis,
        "roles": [
            {
                "label": role_label(r.role),
                "registered": number(r.registered),
                "quota": number(r.quota) if r.quota is not None else "–",
                "confirmed": number(r.confirmed),
                "attended": number(r.attended) if s.attendance_known else "–",
                "rate": percent(r.attendance_rate),
                "waitlisted": number(r.waitlisted),
                "promoted": number(r.promoted),
                "cancelled": number(r.cancelled),
            }
            for r in (*s.roles, s.total)
            if r.registered or r.role == "all"
        ],
        "findings": [finding_text(x) for x in findings],
        "charts": chart_map,
        "interest_charts": [c for k, c in chart_map.items() if k.startswith("interests_")],
        "unmet": [
            {"label": b.label, "sought": number(b.sought), "offered": number(b.offered)}
            for b in f.interests.unmet[:8]
        ],
        "matching": {
            "has_data": m.has_data,
            "kpis": [
                (
                    number(m.recommendations),
                    _("recommendations made"),
                    _("to %(n)s people", n=number(m.recommended_people))
                    if m.recommendations
                    else "",
                ),
                (number(m.requests), _("meeting requests"), ""),
                (percent(m.acceptance_rate), _("requests accepted"), _("of those answered")),
                (number(m.booked), _("meetings booked"), ""),
                (
                    number(m.held),
                    _("meetings held"),
                    _("%(rate)s of booked", rate=percent(m.held_rate)) if m.booked else "",
                ),
                (number(m.no_show), _("no-shows"), ""),
                (
                    percent(m.cross_role_share),
                    _("cross-role meetings"),
                    _("of held meetings") if m.basis == "held" else _("of booked meetings"),
                ),
            ],
            "basis": m.basis,
            "org_pairs": [
                {"first": a, "second": b, "count": number(n)} for a, b, n in m.organization_pairs
            ],
            "sources": [(source_label(k), number(n)) for k, n in m.sources],
            "slot_count": len(m.slots),
        },
        "feedback": {
            "has_data": f.has_feedback,
            "kpis": [
                (
                    number(fb.responses),
                    _("answers"),
                    _("%(rate)s of those invited", rate=percent(fb.response_rate))
                    if fb.response_rate is not None
                    else "",
                ),
                (rating(fb.average_rating), _("average rating"), _("out of 5")),
                (signed(fb.nps), _("Net Promoter Score"), _("from -100 to +100")),
                (
                    percent(fb.valuable_share),
                    _("meetings rated valuable"),
                    _("%(n)s ratings", n=number(fb.meetings_rated)) if fb.meetings_rated else "",
                ),
            ]
            if fb and fb.responses
            else [],
            "quotes": quotes,
        },
        "connections": {
            "has_data": f.has_connections,
            "confirmed": number(f.outcomes.connections.confirmed) if f.outcomes else "0",
            "one_sided": number(f.outcomes.connections.one_sided) if f.outcomes else "0",
            "people": number(f.outcomes.connections.people_connected) if f.outcomes else "0",
            "cross_role": number(f.outcomes.connections.cross_role) if f.outcomes else "0",
        },
        "outcomes": {
            "has_data": f.has_outcomes,
            "people_reporting": number(f.outcomes.outcomes.people_reporting) if f.outcomes else "0",
            "people_with_result": number(f.outcomes.outcomes.people_with_result)
            if f.outcomes
            else "0",
            "results": number(f.outcomes.outcomes.results) if f.outcomes else "0",
        },
        "organizations": [
            {
                "name": o.name,
                "kind": kind_label(o.kind),
                "country": o.country,
                "per_role": [number(n) if n else "" for n in o.participants],
                "total": number(o.total),
            }
            for o in f.organizations
        ],
        "role_labels": [role_label(r) for r in ROLES],
        "attendees": [
            {
                "name": a.name,
                "organization": a.organization,
                "role": role_label(a.role),
                "country": country_name(a.country) if a.country else "",
            }
            for a in f.data.attendees
        ],
        "include_attendees": f.data.include_attendees,
        "people_word": people_word,
        "participants": number(s.participants),
    }
