"""Your data, from the manage link: a copy as JSON, and erasure (GDPR Art. 15, 17 and 20).

Erasure asks for confirmation first (a mail scanner following the link must not erase
anyone) and then anonymizes the person everywhere (`eventnet.services.privacy.erase_person`):
the manage link stops working, so the answer is a page that needs no link.
"""

from __future__ import annotations

import json
from typing import Any

from flask import make_response, render_template
from werkzeug.wrappers import Response

from ..extensions import limiter
from ..models import utcnow
from ..public.forms import ConfirmForm
from ..public.views import public_post_limit
from ..services.privacy import erase_person, export_person_data
from . import bp
from .manage import _registration


@bp.route("/<token>/my-data.json")
@limiter.limit("30 per hour")
def my_data(token: str) -> Response:
    reg = _registration(token)
    body = json.dumps(export_person_data(reg.id), ensure_ascii=False, indent=2, default=str)
    response = make_response(body)
    response.headers["Content-Type"] = "application/json; charset=utf-8"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="my-data-{reg.event.slug}.json"'
    )
    return response


@bp.route("/<token>/erase", methods=["GET", "POST"])
@limiter.limit(public_post_limit, methods=["POST"])
def erase(token: str) -> Any:
    reg = _registration(token)
    form = ConfirmForm()
    if form.validate_on_submit():
        event = reg.event
        erase_person(reg.person_id, utcnow(), actor_kind="attendee")
        return render_template("portal/privacy_erased.html", event_title=event.title)
    return render_template(
        "portal/privacy_erase.html", reg=reg, event=reg.event, form=form, token=token, now=utcnow()
    ), (400 if form.errors else 200)
