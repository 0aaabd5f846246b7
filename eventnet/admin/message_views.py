"""Messages: e-mail a filtered group with placeholders, preview it, and see what was sent."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from ..models import utcnow
from ..services import DomainError, attendees, messages
from . import bp
from .access import load_event
from .forms import MessageForm
from .helpers import attach_errors, form_status


@bp.route("/events/<slug>/messages", endpoint="messages")
def messages_page(slug: str) -> str:
    event = load_event(slug)
    return render_template(
        "admin/messages.html", event=event, sent=messages.sent_messages(event.id)
    )


@bp.route("/events/<slug>/messages/new", methods=["GET", "POST"])
def message_new(slug: str) -> str | Response:
    """Compose: the recipients are the attendee list's filters (in the query string)."""
    event = load_event(slug)
    query = attendees.AttendeeQuery.from_args(request.args)
    form = MessageForm()
    preview = None
    if form.validate_on_submit():
        subject, body = form.subject.data or "", form.body.data or ""
        try:
            if "send" in request.form:
                n = messages.send_message(
                    event.id, query, subject, body, actor=current_user, now=utcnow()
                )
            else:
                preview = messages.preview(event, query, subject, body)
        except DomainError as exc:
            attach_errors(form, exc, default_field="body")
        else:
            if preview is None:
                flash(_("Message queued for %(n)d people.", n=n), "success")
                return redirect(url_for("admin.messages", slug=slug))
    return render_template(
        "admin/message_new.html",
        event=event,
        form=form,
        query=query,
        count=messages.count_recipients(event.id, query),
        placeholders=messages.PLACEHOLDERS,
        preview=preview,
        interests=event.interests,
    ), form_status(form)


@bp.route("/events/<slug>/messages/<int(max=2147483647):message_id>")
def message_detail(slug: str, message_id: int) -> str:
    event = load_event(slug)
    message, rows = messages.deliveries(event.id, message_id)
    return render_template("admin/message_detail.html", event=event, message=message, rows=rows)
