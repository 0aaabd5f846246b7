"""An event's look on its attendees' pages: accent colour and logo (`services.branding`)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from markupsafe import Markup, escape
from werkzeug.wrappers import Response
from wtforms import BooleanField, StringField
from wtforms.fields import ColorField
from wtforms.validators import Length, Optional

from ..models import utcnow
from ..services import DomainError, branding
from . import bp
from .access import load_event
from .helpers import attach_errors, form_status

DEFAULT_ACCENT = "#1f5fbf"


class AppearanceForm(FlaskForm):
    use_accent = BooleanField(_l("Use our own accent colour on the event's pages"))
    accent_color = ColorField(_l("Accent colour"), validators=[Optional()], default=DEFAULT_ACCENT)
    logo = FileField(_l("Image file"))
    logo_alt = StringField(_l("Who the logo stands for"), validators=[Length(max=200)])
    remove_logo = BooleanField(_l("Remove the logo"))


def preview_svg(colour: str, title: str) -> Markup:
    """A small picture of an event page in ``colour``'s readable palette (SVG attributes only,
    which the CSP allows; every text is escaped)."""
    p = branding.palette(colour)
    t = escape(title if len(title) <= 36 else title[:35].rstrip() + "…")
    return Markup(  # noqa: S704 - colours come from `palette` (#rrggbb), the title is escaped
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 360 150" width="360" height="150" '
        f'role="img" aria-labelledby="preview-title" class="appearance-preview">'
        f'<title id="preview-title">{escape(_("Preview of the event page in this colour"))}</title>'
        f'<rect width="360" height="150" rx="10" fill="#ffffff" stroke="#d5dae3"/>'
        f'<rect x="1" y="1" width="358" height="54" rx="9" fill="{p.soft}"/>'
        f'<rect x="1" y="1" width="358" height="6" rx="3" fill="{p.primary}"/>'
        f'<text x="18" y="37" font-size="15" font-weight="700" fill="#1b1f29" '
        f'font-family="system-ui, sans-serif">{t}</text>'
        f'<rect x="18" y="74" width="120" height="40" rx="6" fill="{p.primary}"/>'
        f'<text x="78" y="99" font-size="15" font-weight="600" fill="#ffffff" text-anchor="middle" '
        f'font-family="system-ui, sans-serif">{escape(_("Register"))}</text>'
        f'<text x="156" y="99" font-size="14" fill="{p.primary}" text-decoration="underline" '
        f'font-family="system-ui, sans-serif">{escape(_("Already registered?"))}</text>'
        f'<text x="18" y="136" font-size="12" fill="{p.dark}" font-family="system-ui, sans-serif">'
        f"{escape(p.primary)}</text></svg>"
    )


@bp.route("/events/<slug>/appearance", methods=["GET", "POST"], endpoint="event_appearance")
def appearance(slug: str) -> str | Response | tuple[str, int]:
    event = load_event(slug)
    form = AppearanceForm()
    if request.method == "GET":
        form.use_accent.data = bool(event.accent_color)
        form.accent_color.data = event.accent_color or DEFAULT_ACCENT
        info = branding.logo_info(event.id)
        form.logo_alt.data = info.alt if info else ""
    elif form.validate_on_submit():
        upload = request.files.get("logo")
        try:
            branding.update_appearance(
                event.id,
                accent_color=form.accent_color.data if form.use_accent.data else None,
                logo=upload.read(branding.MAX_UPLOAD_BYTES + 1)
                if upload and upload.filename
                else None,
                logo_alt=form.logo_alt.data,
                remove_logo=bool(form.remove_logo.data),
                actor=current_user,
                now=utcnow(),
            )
        except DomainError as exc:
            attach_errors(form, exc, default_field="logo")
        else:
            flash(_("The event's appearance is saved."), "success")
            return redirect(url_for("admin.event_appearance", slug=slug))
    colour = event.accent_color or DEFAULT_ACCENT
    return render_template(
        "admin/appearance.html",
        event=event,
        form=form,
        palette=branding.palette(colour) if event.accent_color else None,
        preview=preview_svg(colour, event.title),
        logo=branding.logo_info(event.id),
        max_mb=branding.MAX_UPLOAD_BYTES // (1024 * 1024),
    ), form_status(form)


@bp.route("/events/<slug>/appearance/logo", endpoint="event_appearance_logo")
def appearance_logo(slug: str) -> Response:
    """The logo for its organizers, also while the event is a draft."""
    event = load_event(slug)
    found = branding.logo_file(event.id)
    if found is None:
        abort(404)
    data, content_type = found
    response = Response(data, mimetype=content_type)
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    return response
