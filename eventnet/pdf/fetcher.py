"""The only way a PDF may load anything: packaged static files and ``data:`` URLs.

WeasyPrint fetches every stylesheet, image, font, SVG reference and attachment through the
URL fetcher it is given. Its default fetcher reads ``file://`` paths and follows ``http(s)``
URLs and redirects, so a name like ``<img src="file:///etc/passwd">`` that slipped into a
document would be read from disk (or a cloud metadata address would be requested). This
fetcher refuses all of that: it serves

* ``eventnet-static:css/pdf.css`` -- a file under ``eventnet/static/`` (the templates' way);
* ``https://static.eventnet.invalid/css/pdf.css`` -- the same file through the fixed base URL
  that relative URLs resolve against (``.invalid`` can never be a real host, RFC 6761);
* ``data:`` URLs (charts, small images), up to ``MAX_DATA_URL_BYTES``.

Anything else raises `RefusedURL`, which WeasyPrint logs and skips (the image is simply
missing). Nothing here opens a socket, and no redirect is ever followed.
"""

from __future__ import annotations

import base64
import binascii
import logging
import mimetypes
import posixpath
from pathlib import Path
from urllib.parse import unquote, unquote_to_bytes, urlsplit

from weasyprint.urls import URLFetcher, URLFetcherResponse

from ..paths import STATIC_DIR

log = logging.getLogger(__name__)

STATIC_SCHEME = "eventnet-static"
STATIC_BASE_URL = "https://static.eventnet.invalid/"
MAX_DATA_URL_BYTES = 8 * 1024 * 1024
MAX_STATIC_BYTES = 16 * 1024 * 1024
# Only what a document needs; never templates, Python or anything a path trick could reach.
ALLOWED_SUFFIXES = {
    ".css": "text/css",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
}


class RefusedURL(ValueError):
    """The document asked for something outside the packaged static files."""


def static_url(path: str) -> str:
    """The URL a template uses for a packaged static file, e.g. ``static_url("css/pdf.css")``."""
    return f"{STATIC_SCHEME}:{path.lstrip('/')}"


def _static_path(relative: str, static_dir: Path) -> Path:
    relative = unquote(relative)
    if "\\" in relative or "\x00" in relative:
        raise RefusedURL("unsupported characters in a static path")
    normalized = posixpath.normpath("/" + relative).lstrip("/")
    if not normalized or normalized.startswith(".."):
        raise RefusedURL("outside the static directory")
    root = static_dir.resolve()
    path = (root / normalized).resolve()
    if root not in path.parents or not path.is_file():
        raise RefusedURL("not a packaged static file")
    if path.suffix.lower() not in ALLOWED_SUFFIXES:
        raise RefusedURL("file type not allowed in documents")
    if path.stat().st_size > MAX_STATIC_BYTES:
        raise RefusedURL("static file too large")
    return path


def _decode_data_url(url: str) -> tuple[bytes, str]:
    header, sep, payload = url[len("data:") :].partition(",")
    if not sep:
        raise RefusedURL("malformed data: URL")
    params = header.split(";")
    mime_type = params[0].strip().lower() or "text/plain"
    if len(payload) > MAX_DATA_URL_BYTES * 4 // 3 + 4:
        raise RefusedURL("data: URL too large")
    if "base64" in (p.strip().lower() for p in params[1:]):
        try:
            body = base64.b64decode("".join(unquote(payload).split()), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise RefusedURL("malformed base64 in data: URL") from exc
    else:
        body = unquote_to_bytes(payload)
    if len(body) > MAX_DATA_URL_BYTES:
        raise RefusedURL("data: URL too large")
    return body, mime_type


class SafeURLFetcher(URLFetcher):
    """A WeasyPrint URL fetcher for packaged static files and ``data:`` URLs only.

    It subclasses WeasyPrint's fetcher because WeasyPrint reads private attributes of it
    (``_fail_on_errors``), but it never calls the parent's ``fetch``: no urllib opener,
    no file handler, no HTTP handler, no redirects.
    """

    def __init__(self, static_dir: Path | None = None) -> None:
        super().__init__(allowed_protocols=(), allow_redirects=False, fail_on_errors=False)
        self.static_dir = Path(static_dir or STATIC_DIR)
        self.refused: list[str] = []

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        try:
            return self._fetch(url)
        except RefusedURL as exc:
            self.refused.append(url[:200])
            log.warning("PDF refused to load %.200s: %s", url, exc)
            raise

    def _fetch(self, url: str) -> URLFetcherResponse:
        if url[:5].lower() == "data:":
            body, mime_type = _decode_data_url(url)
            return URLFetcherResponse(url, body, {"Content-Type": mime_type})
        if url.lower().startswith(STATIC_SCHEME + ":"):
            relative = url[len(STATIC_SCHEME) + 1 :]
        elif url.startswith(STATIC_BASE_URL):
            relative = url[len(STATIC_BASE_URL) :]
        else:
            raise RefusedURL("only packaged static files and data: URLs may be loaded")
        relative = urlsplit(relative).path  # drop ?query and #fragment
        path = _static_path(relative, self.static_dir)
        mime_type = ALLOWED_SUFFIXES.get(path.suffix.lower()) or (
            mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        )
        return URLFetcherResponse(
            # Reported under the fixed base URL so relative references inside CSS/SVG resolve.
            STATIC_BASE_URL + path.relative_to(self.static_dir.resolve()).as_posix(),
            path.read_bytes(),
            {"Content-Type": mime_type},
        )

    def open(self, url: object, data: object = None, timeout: object = None) -> URLFetcherResponse:
        full_url = getattr(url, "full_url", url)
        return self.fetch(str(full_url))

    def __call__(self, url: str) -> URLFetcherResponse:
        return self.fetch(url)
