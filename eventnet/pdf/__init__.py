"""PDF documents: Jinja templates in ``templates/pdf/`` laid out by WeasyPrint.

Use `render_pdf` with plain data (dicts/dataclasses, never ORM objects) and send the bytes with
`pdf_response`. Every document extends ``pdf/_base.html`` and gets the shared stylesheet
``eventnet/static/css/pdf.css``. Loading is restricted to packaged static files and ``data:``
URLs (`fetcher.SafeURLFetcher`), layout runs in a child process with a time limit
(`render.html_to_pdf`), output is tagged PDF/UA-1 with title and language, and no file is ever
embedded as an attachment. Charts: `eventnet.pdf.charts`.
"""

from .fetcher import STATIC_BASE_URL, STATIC_SCHEME, SafeURLFetcher, static_url
from .http import file_response, pdf_response, safe_filename
from .render import (
    PDF_VARIANT,
    PdfError,
    PdfTimeout,
    RenderResult,
    html_to_pdf,
    render_html,
    render_pdf,
    render_pdf_result,
)

__all__ = [
    "PDF_VARIANT",
    "STATIC_BASE_URL",
    "STATIC_SCHEME",
    "PdfError",
    "PdfTimeout",
    "RenderResult",
    "SafeURLFetcher",
    "file_response",
    "html_to_pdf",
    "pdf_response",
    "render_html",
    "render_pdf",
    "render_pdf_result",
    "safe_filename",
    "static_url",
]
