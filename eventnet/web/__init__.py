"""Cross-cutting web concerns: security headers, cross-site request refusal, template helpers,
language switching.

Defence in depth for state-changing requests: Flask-WTF's CSRF token is the primary check;
`_refuse_cross_site` additionally refuses any non-safe request that the browser marks as
cross-site (``Sec-Fetch-Site: cross-site``) or whose ``Origin`` is not ours, before a view
runs. Two exceptions, both without cookies involved: API calls that authenticate with a
bearer token, and the RFC 8058 one-click unsubscribe POST that mail clients send from their
own origin.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request
from flask_babel import gettext as _

from .filters import register_filters

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Endpoints that must accept cross-site POSTs: RFC 8058 one-click unsubscribe (no cookie,
# authenticated by the secret token in the URL, and harmless: it only stops mail).
CROSS_SITE_ENDPOINTS = frozenset({"followup.unsubscribe"})
HSTS = "max-age=31536000; includeSubDomains"


def register_web(app: Flask) -> None:
    register_filters(app)
    app.before_request(_refuse_cross_site)
    app.before_request(_request_budget)
    app.after_request(_security_headers)
    app.context_processor(_template_globals)
    from .lang import bp as lang_bp
    from .safety import RedactSecretsFilter

    werkzeug_log = logging.getLogger("werkzeug")
    if not any(isinstance(f, RedactSecretsFilter) for f in werkzeug_log.filters):
        werkzeug_log.addFilter(RedactSecretsFilter())

    app.register_blueprint(lang_bp)


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def trusted_origins() -> set[str]:
    """Our own origins: the configured ``BASE_URL``, and outside production also the host
    this request came to (development servers and tests run on whatever host and port)."""
    origins = {_origin(str(current_app.config.get("BASE_URL") or ""))}
    if current_app.config.get("ENV") != "production":
        origins.add(_origin(request.host_url))
    return {o for o in origins if o}


def is_bearer_api_call() -> bool:
    auth = request.headers.get("Authorization", "")
    return request.blueprint == "api" and auth[:7].lower() == "bearer " and bool(auth[7:].strip())


def cross_site_problem() -> str | None:
    """Why this request looks cross-site (None when it does not).

    ``Sec-Fetch-Site`` is set by the browser and cannot be forged by a page: ``cross-site``
    is refused and ``same-origin`` accepted as it is (the ``Origin`` is then ``null`` on
    pages with ``Referrer-Policy: no-referrer``, like the manage-link pages). Without it (old
    browsers, other clients) or with another value, an ``Origin`` that is not ours (``null``
    included: sandboxed frames, cross-origin redirects) is refused.
    """
    site = request.headers.get("Sec-Fetch-Site", "").strip().lower()
    if site == "cross-site":
        return "sec-fetch-site"
    if site == "same-origin":
        return None
    origin = request.headers.get("Origin")
    if origin is not None and _origin(origin.strip()) not in trusted_origins():
        return "origin"
    return None


def _refuse_cross_site() -> None:
    if request.method in SAFE_METHODS or request.endpoint in CROSS_SITE_ENDPOINTS:
        return
    if is_bearer_api_call():
        return
    if cross_site_problem():
        from ..services import Forbidden

        raise Forbidden(
            _(
                "This form was sent from another website, so we did not accept it. "
                "Please open the page on this site and try again."
            )
        )


def _request_budget() -> None:
    """Every public POST (all routes together) and every API call count against a per-IP
    budget, on top of the tighter per-route limits. The organizer area is behind a login
    and not counted. Uses Flask-Limiter's storage: Redis when configured, so the budget
    holds across app servers."""
    from flask_limiter.util import get_remote_address
    from limits import parse
    from werkzeug.exceptions import TooManyRequests

    from ..extensions import limiter

    config = current_app.config
    if not (config.get("RATELIMIT_ENABLED") and limiter.enabled):
        return
    if request.blueprint == "api":
        scope, setting = "budget-api", config.get("RATELIMIT_API")
    elif request.method in SAFE_METHODS or request.blueprint in ("admin", "health"):
        return
    else:
        scope, setting = "budget-public-post", config.get("RATELIMIT_PUBLIC_BUDGET")
    if not setting:
        return
    prefix = str(config.get("RATELIMIT_KEY_PREFIX") or "")
    if not limiter.limiter.hit(parse(str(setting)), prefix + scope, get_remote_address()):
        raise TooManyRequests()


SECURITY_HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    ("Permissions-Policy", "camera=(self), geolocation=()"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
)


def _security_headers(response: Response) -> Response:
    """Each header unless the view set its own. One pass over the response's headers: on
    the cached public pages of a rush, eight ``setdefault`` scans were a measurable part of
    what was left of a request."""
    wanted = list(SECURITY_HEADERS)
    if current_app.config.get("ENV") == "production":
        wanted.append(("Strict-Transport-Security", HSTS))
    if request.endpoint and request.endpoint.startswith(("admin.", "auth.", "portal.")):
        wanted.append(("Cache-Control", "no-store"))
    present = {name.lower() for name in response.headers.keys()}  # noqa: SIM118
    response.headers.extend([(k, v) for k, v in wanted if k.lower() not in present])
    return response


def _template_globals() -> dict[str, Any]:
    from ..i18n import LANGUAGE_NAMES, current_language

    return {
        "language_names": LANGUAGE_NAMES,
        "current_language": current_language(),
    }
