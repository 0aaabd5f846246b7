"""The organizer's live dashboard of one event: the PDF report's figures, in the page.

Everything shown comes from `eventnet.services.reports.event_figures` and is presented by
`eventnet.pdf.report.report_context` and its charts (`eventnet.pdf.charts`, inline SVG without
script), so the dashboard and the report can never disagree. ``dashboard.json`` sends the
same parts rendered again; ``static/js/dashboard.js`` swaps them in every 30 seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import get_template_attribute, jsonify, render_template
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from ..core.report import ReportFigures
from ..i18n import format_in_zone
from ..models import Event, utcnow
from ..pdf.report import ChartTable, number, percent, report_context, role_label
from ..services import reports
from . import bp
from .access import load_event

# Charts of the report the dashboard shows, in this order (ids of `pdf.report.build_charts`).
LIVE_CHARTS = ("by_role", "registrations_over_time", "funnel", "arrivals", "requests")
MEETING_CHARTS = ("meetings_by_slot",)
FEEDBACK_CHARTS = ("ratings", "nps", "outcomes_by_type")
REFRESH_SECONDS = 30


@dataclass(frozen=True)
class CheckinRow:
    label: str
    role: str  # a role, or "all"
    arrived: int
    expected: int

    @property
    def share(self) -> str:
        return percent(self.arrived / self.expected) if self.expected else "–"


def checkin_rows(f: ReportFigures) -> list[CheckinRow]:
    """Arrivals against confirmed places, per role and in total (the report's counting rule:
    once anybody is checked in, *attended* means checked in)."""
    s = f.summary
    rows = [
        CheckinRow(role_label(r.role), r.role, r.attended, r.confirmed)
        for r in s.roles
        if r.confirmed
    ]
    rows.append(CheckinRow(_("Everybody"), "all", s.total.attended, s.total.confirmed))
    return rows


def dashboard_context(event: Event, now: datetime) -> dict[str, Any]:
    figures, findings = reports.event_figures(event.id, now)
    context = report_context(figures, findings)
    charts: dict[str, ChartTable] = context["charts"]
    feedback = [charts[c] for c in FEEDBACK_CHARTS if figures.has_feedback or figures.has_outcomes]
    return {
        "event": event,
        "figures": figures,
        "kpis": context["kpis"],
        "roles": context["roles"],
        "findings": context["findings"],
        "matching": context["matching"],
        "checkin": checkin_rows(figures),
        "checked_in_anybody": bool(figures.registration.arrivals),
        "attendance_known": figures.summary.attendance_known,
        "live_charts": [charts[c] for c in LIVE_CHARTS],
        "meeting_charts": [charts[c] for c in MEETING_CHARTS],
        "feedback_charts": [c for c in feedback if not c.empty],
        "updated": format_in_zone(now, event.timezone, "HH:mm"),
        "updated_iso": now.isoformat(),
        "refresh_seconds": REFRESH_SECONDS,
        "participants": number(figures.summary.participants),
        "empty": figures.summary.total.registered == 0,
    }


@bp.route("/events/<slug>/dashboard", endpoint="dashboard")
def dashboard(slug: str) -> str:
    event = load_event(slug)
    return render_template("admin/dashboard.html", **dashboard_context(event, utcnow()))


def macro(name: str) -> Any:
    return get_template_attribute("admin/_dashboard_macros.html", name)


@bp.route("/events/<slug>/dashboard.json", endpoint="dashboard_json")
def dashboard_json(slug: str) -> Response:
    """The live parts of the page, rendered by the same macros as the page itself."""
    event = load_event(slug)
    context = dashboard_context(event, utcnow())
    parts = {
        "kpis": macro("kpi_list")(context["kpis"]),
        "checkin": macro("checkin_list")(
            context["checkin"], context["checked_in_anybody"], context["attendance_known"]
        ),
        "meetings": macro("meetings_part")(context["matching"], event),
    }
    chart_body, chart_table = macro("chart_body"), macro("chart_table")
    for chart in (*context["live_charts"], *context["meeting_charts"]):
        parts[f"chart-{chart.id}"] = chart_body(chart)
        parts[f"table-{chart.id}"] = chart_table(chart)
    response = jsonify(
        {
            "updated": context["updated"],
            "updated_iso": context["updated_iso"],
            "empty": context["empty"],
            "parts": {key: str(value).strip() for key, value in parts.items()},
        }
    )
    response.headers["Cache-Control"] = "no-store"
    return response
