"""What runs in the PDF child process: WeasyPrint layout with the safe fetcher, no attachments.

Imported by the fork server ahead of time (see `render._context`), so it imports WeasyPrint
at module level and nothing of Flask's app state.
"""

from __future__ import annotations

import time
import traceback
from multiprocessing.connection import Connection
from typing import Any

import weasyprint

from .fetcher import SafeURLFetcher


def build_pdf(
    html: str, title: str, lang: str, base_url: str, variant: str | None
) -> dict[str, Any]:
    """Lay out and write the PDF in this process; returns the PDF and what happened."""
    fetcher = SafeURLFetcher()
    started = time.perf_counter()
    options: dict[str, Any] = {"pdf_variant": variant} if variant else {"pdf_tags": True}
    document = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher).render(
        **options
    )
    laid_out = time.perf_counter()
    # The caller's title and language win over whatever the HTML says.
    document.metadata.title = title
    document.metadata.lang = lang
    # No embedded files, whatever the HTML asks: drop <link rel=attachment> from the metadata
    # and turn <a rel=attachment> into nothing (the fetcher would refuse most of them anyway,
    # but a packaged file must not be embedded either).
    document.metadata.attachments = []
    for page in document.pages:
        page.links = [link for link in page.links if link[0] != "attachment"]
    pdf = document.write_pdf(attachments=None, **options)
    return {
        "pdf": pdf,
        "pages": len(document.pages),
        "refused": fetcher.refused,
        "parse_seconds": laid_out - started,
        "write_seconds": time.perf_counter() - laid_out,
    }


def layout(
    conn: Connection, html: str, title: str, lang: str, base_url: str, variant: str | None
) -> None:
    """Child-process entry point: send back the result dict, or ``{"error": ...}``."""
    try:
        result = build_pdf(html, title, lang, base_url, variant)
    except Exception:
        result = {"error": traceback.format_exc(limit=8)}
    try:
        conn.send(result)
    finally:
        conn.close()


def layout_many(
    conn: Connection,
    documents: list[tuple[str, str]],
    lang: str,
    base_url: str,
    variant: str | None,
) -> None:
    """Child-process entry point for a batch: ``{"pdfs": [...]}`` or ``{"error": ...}``."""
    try:
        result: dict[str, Any] = {
            "pdfs": [
                build_pdf(html, title, lang, base_url, variant)["pdf"] for html, title in documents
            ]
        }
    except Exception:
        result = {"error": traceback.format_exc(limit=8)}
    try:
        conn.send(result)
    finally:
        conn.close()
