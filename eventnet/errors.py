"""Branded error pages; a DomainError becomes its status and message, never a 500."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .services import DomainError


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def register_error_handlers(app: Flask) -> None:
    titles = {
        400: lambda: _("That request did not make sense"),
        401: lambda: _("Please sign in"),
        403: lambda: _("You may not see this page"),
        404: lambda: _("Page not found"),
        405: lambda: _("That action is not allowed here"),
        409: lambda: _("That did not work"),
        413: lambda: _("That upload is too large"),
        429: lambda: _("Too many requests"),
        500: lambda: _("Something went wrong on our side"),
        503: lambda: _("Please try again in a moment"),
    }

    def render(code: int, message: str | None = None):  # type: ignore[no-untyped-def]
        title = titles.get(code, titles[500])()
        if _wants_json():
            return jsonify({"error": title, "message": message or title}), code
        return render_template("errors/error.html", code=code, title=title, message=message), code

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):  # type: ignore[no-untyped-def]
        code = exc.code or 500
        message = exc.description if isinstance(exc, CSRFError) else None
        if isinstance(exc, CSRFError):
            message = _("Your session expired or the form was sent from elsewhere. Please retry.")
        response = render(code, message)
        if code == 429 and not _wants_json():
            return response[0], 429
        return response

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):  # type: ignore[no-untyped-def]
        return render(exc.status_code, exc.message)

    @app.errorhandler(500)
    def server_error(_exc: Exception):  # type: ignore[no-untyped-def]
        return render(500)
