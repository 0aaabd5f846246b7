"""Badges: choose who and which layout, then download the PDF."""

from __future__ import annotations

from flask import render_template, request
from werkzeug.wrappers import Response

from ..i18n import current_language
from ..pdf import pdf_response
from ..services import attendees, badges
from . import bp
from .access import load_event
from .forms import BadgeForm


@bp.route("/events/<slug>/badges", endpoint="badges")
def badges_page(slug: str) -> str:
    event = load_event(slug)
    query = attendees.AttendeeQuery.from_args(request.args)
    form = BadgeForm(request.args)
    selection = badges.BadgeSelection(query=query)
    count = badges.count_badges(event, selection)
    return render_template(
        "admin/badges.html",
        event=event,
        form=form,
        query=query,
        count=count,
        interests=event.interests,
    )


@bp.route("/events/<slug>/badges.pdf")
def badges_pdf(slug: str) -> Response:
    event = load_event(slug)
    layout = request.args.get("layout", "a4-8")
    registration = request.args.get("registration", type=int)
    selection = badges.BadgeSelection(
        query=attendees.AttendeeQuery.from_args(request.args), registration_id=registration
    )
    rows = badges.badge_rows(event, selection)
    pdf = badges.render_badges(event, rows, layout, current_language())
    suffix = "badge" if registration else "badges"
    return pdf_response(pdf, f"{event.slug}-{suffix}.pdf")
