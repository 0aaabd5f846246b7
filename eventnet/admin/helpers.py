"""Small helpers shared by the organizer views."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_wtf import FlaskForm

from ..services import DomainError


def attach_errors(
    form: FlaskForm,
    exc: DomainError,
    default_field: str | None = None,
    aliases: dict[str, str] | None = None,
) -> None:
    """Put a service's field errors next to the form's fields (or on ``default_field``)."""
    errors = getattr(exc, "errors", None) or {exc.field or "": exc.message}
    aliases = aliases or {}
    for name, messages in errors.items():
        name = aliases.get(name, name)
        message = " ".join(messages) if isinstance(messages, list | tuple) else str(messages)
        target = getattr(form, name, None) if name else None
        if target is None and default_field:
            target = getattr(form, default_field, None)
        if target is None:
            raise exc  # nowhere to show it: let the error handler render the message
        if not isinstance(target.errors, list):
            target.errors = list(target.errors)
        target.errors.append(message)


def form_status(form: FlaskForm) -> int:
    """400 for a posted form with errors, 200 otherwise (a page is never a 500)."""
    has_errors = bool(form.errors) or bool(getattr(form, "form_errors", None))
    return 400 if request.method == "POST" and has_errors else 200


def wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" or request.headers.get("X-Requested-With") == "fetch"


def clean_args(args: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in args.items() if v not in (None, "")}


def has_endpoint(name: str) -> bool:
    """For templates: a link to an area that is not installed (yet) is left out."""
    from flask import current_app

    return name in current_app.view_functions
