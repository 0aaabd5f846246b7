"""What runs in the PDF child process: WeasyPrint layout with the safe fetcher, no attachments.

Imported by the fork server ahead of time (see `render._context`), so it imports WeasyPrint
at module level and nothing of Flask's app state.
"""

from __future__ import annotations

import re
import resource
import time
import traceback
from multiprocessing.connection import Connection
from typing import Any

import weasyprint
from weasyprint.text.fonts import FontConfiguration

from .fetcher import SafeURLFetcher

# The exact tag pdf/_base.html writes for a packaged stylesheet (see `layout_many`).
_STATIC_LINK = re.compile(r'<link rel="stylesheet" href="(eventnet-static:[^"<>]+\.css)">')


def build_pdf(
    html: str,
    title: str,
    lang: str,
    base_url: str,
    variant: str | None,
    *,
    fetcher: SafeURLFetcher | None = None,
    stylesheets: list[Any] | None = None,
    font_config: Any = None,
) -> dict[str, Any]:
    """Lay out and write the PDF in this process; returns the PDF and what happened."""
    fetcher = fetcher or SafeURLFetcher()
    started = time.perf_counter()
    cpu_started = time.process_time()
    options: dict[str, Any] = {"pdf_variant": variant} if variant else {"pdf_tags": True}
    document = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher).render(
        stylesheets=stylesheets, font_config=font_config, **options
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
        "cpu_seconds": time.process_time() - cpu_started,
        "max_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
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
    """Child-process entry point for a batch: ``{"pdfs": [...]}`` or ``{"error": ...}``.

    Packaged stylesheets are parsed once for the whole batch (with one font configuration)
    instead of once per document: about 2.5 times faster for one-page documents.
    """
    try:
        fetcher = SafeURLFetcher()
        font_config = FontConfiguration()
        parsed: dict[str, Any] = {}
        pdfs = []
        for html, title in documents:
            urls = _STATIC_LINK.findall(html)
            for url in urls:
                if url not in parsed:
                    parsed[url] = weasyprint.CSS(
                        url=url, url_fetcher=fetcher, font_config=font_config
                    )
            sheets = [parsed[url] for url in urls]
            result_one = build_pdf(
                _STATIC_LINK.sub("", html),
                title,
                lang,
                base_url,
                variant,
                fetcher=fetcher,
                stylesheets=sheets,
                font_config=font_config,
            )
            pdfs.append(result_one["pdf"])
        result: dict[str, Any] = {"pdfs": pdfs}
    except Exception:
        result = {"error": traceback.format_exc(limit=8)}
    try:
        conn.send(result)
    finally:
        conn.close()
