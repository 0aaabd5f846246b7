"""Sending a finished PDF (or any generated file) to the browser."""

from __future__ import annotations

import re
from io import BytesIO

from flask import Response, send_file

_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\"]+')


def safe_filename(name: str, default: str = "document.pdf") -> str:
    """A download name without path separators, quotes or control characters."""
    cleaned = _UNSAFE.sub("-", name).strip(" .-")
    return cleaned[:150] or default


def file_response(data: bytes, filename: str, mimetype: str, *, inline: bool = False) -> Response:
    response = send_file(
        BytesIO(data),
        mimetype=mimetype,
        as_attachment=not inline,
        download_name=safe_filename(filename),
        etag=False,
        max_age=0,
    )
    # Reports hold personal data: never keep them in a shared or browser cache.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def pdf_response(pdf_bytes: bytes, filename: str, inline: bool = False) -> Response:
    """A response that downloads (or, with ``inline``, shows) ``pdf_bytes`` as ``filename``."""
    if not filename.lower().endswith(".pdf"):
        filename += ".pdf"
    return file_response(pdf_bytes, filename, "application/pdf", inline=inline)
