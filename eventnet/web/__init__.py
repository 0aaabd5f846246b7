"""Cross-cutting web concerns: security headers, template helpers, language switching."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, request

from .filters import register_filters

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def register_web(app: Flask) -> None:
    register_filters(app)
    app.after_request(_security_headers)
    app.context_processor(_template_globals)
    from .lang import bp as lang_bp

    app.register_blueprint(lang_bp)


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Permissions-Policy", "camera=(self), geolocation=()")
    if current_app.config.get("ENV") == "production":
        response.headers.setdefault(
            "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
        )
    if request.endpoint and request.endpoint.startswith(("admin.", "auth.", "portal.")):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _template_globals() -> dict[str, Any]:
    from ..i18n import LANGUAGE_NAMES, current_language

    return {
        "language_names": LANGUAGE_NAMES,
        "current_language": current_language(),
    }
