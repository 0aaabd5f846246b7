"""A micro-cache for the anonymous public pages (home, event page) that a registration rush hits.

Why this shape: every page carries a CSRF token (the language switcher, the registration form),
so the HTML cannot be cached whole in nginx or shared between visitors. Instead the page is
rendered with a placeholder where the token goes, kept for a few seconds per process, and each
visitor's own token is put in on the way out (one HMAC, no database). Places left may lag by at
most ``PAGE_CACHE_SECONDS`` (default 5 s); the registration itself always counts under the
event lock, so a stale page can never oversell. Only plain GETs without a query string from
visitors who are not signed in and have no flashed messages are cached; anything that touches
the session otherwise, or is not a 200 HTML page, is not.

The cache is per process (no network round trip, nothing to invalidate across machines): with
W workers a page is rendered at most W times per TTL.
"""

from __future__ import annotations

import functools
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, g, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from ..i18n import current_language

DEFAULT_TTL = 5.0
DEFAULT_ENDPOINTS = ("public.home", "public.event_page")
# A per-process placeholder for the CSRF token while a cached page is rendered.
CSRF_PLACEHOLDER = f"eventnet-csrf-{secrets.token_hex(12)}"


@dataclass(frozen=True)
class CachedPage:
    expires: float
    body: bytes
    mimetype: str


class PageCache:
    """A bounded, thread-safe, time-limited mapping of page key -> rendered body."""

    def __init__(self, ttl: float, max_entries: int) -> None:
        self.ttl = ttl
        self.max_entries = max(1, max_entries)
        self._pages: OrderedDict[tuple[str, ...], CachedPage] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple[str, ...]) -> CachedPage | None:
        with self._lock:
            page = self._pages.get(key)
            if page is None or page.expires <= time.monotonic():
                self.misses += 1
                return None
            self._pages.move_to_end(key)
            self.hits += 1
            return page

    def put(self, key: tuple[str, ...], body: bytes, mimetype: str) -> None:
        with self._lock:
            self._pages[key] = CachedPage(time.monotonic() + self.ttl, body, mimetype)
            self._pages.move_to_end(key)
            while len(self._pages) > self.max_entries:
                self._pages.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()


def page_cache_ttl(app: Flask) -> float:
    configured = app.config.get("PAGE_CACHE_SECONDS")
    if configured is None:
        return 0.0 if app.testing else DEFAULT_TTL
    return float(configured)


def install_page_cache(app: Flask) -> None:
    ttl = page_cache_ttl(app)
    if ttl <= 0:
        return
    cache = PageCache(ttl, int(app.config.get("PAGE_CACHE_MAX_ENTRIES") or 512))
    app.extensions["eventnet_page_cache"] = cache
    endpoints = app.config.get("PAGE_CACHE_ENDPOINTS") or DEFAULT_ENDPOINTS
    for endpoint in endpoints:
        view = app.view_functions.get(endpoint)
        if view is not None:
            app.view_functions[endpoint] = cached_page(view, cache)


def _cacheable() -> bool:
    if request.method not in ("GET", "HEAD") or request.query_string:
        return False
    # Signed-in organizers see their own navigation; flashed messages belong to one visitor.
    # (Loading the user first also lets Flask-Login's session protection touch the session
    # before the view runs, so that `session.modified` below only reflects the view.)
    return not current_user.is_authenticated and "_flashes" not in session


def cached_page(view: Callable[..., Any], cache: PageCache) -> Callable[..., Any]:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not _cacheable():
            return view(*args, **kwargs)
        key = (str(request.endpoint), request.path, current_language())
        page = cache.get(key)
        if page is not None:
            response = current_app.response_class(_with_token(page.body), mimetype=page.mimetype)
            response.headers["X-Cache"] = "hit"
            return response
        field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
        was_modified = session.modified
        setattr(g, field, CSRF_PLACEHOLDER)  # generate_csrf() returns g.<field> when set
        try:
            response = current_app.make_response(view(*args, **kwargs))
        finally:
            g.pop(field, None)
        if response.direct_passthrough or response.status_code != 200:
            return response
        body = response.get_data()
        if response.mimetype == "text/html" and session.modified == was_modified:
            cache.put(key, body, response.mimetype)
            response.headers["X-Cache"] = "miss"
        response.set_data(_with_token(body))
        return response

    return wrapper


def _with_token(body: bytes) -> bytes:
    placeholder = CSRF_PLACEHOLDER.encode()
    if placeholder not in body:
        return body
    return body.replace(placeholder, generate_csrf().encode())
