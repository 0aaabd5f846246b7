"""HTML -> PDF: Jinja renders in the app, WeasyPrint lays out in a child process with a deadline.

Why a child process: layout is CPU-bound, can take long for large documents, and cannot be
interrupted from inside Python. A child can be killed when its time is up, so a slow or
hostile document never blocks a web worker (or an RQ worker) forever, and the memory WeasyPrint
builds up is returned to the system when the child exits. Children are forked from a
``forkserver`` that has already imported WeasyPrint, so starting one costs milliseconds and
no state of the (threaded) web process is inherited.
"""

from __future__ import annotations

import dataclasses
import logging
import multiprocessing
import time
from collections.abc import Mapping
from typing import Any

from flask import current_app, render_template
from flask_babel import gettext as _

from ..services import DomainError
from .fetcher import STATIC_BASE_URL, static_url

log = logging.getLogger(__name__)

PDF_VARIANT = "pdf/ua-1"  # tagged PDF (structure tree), title and language in the metadata
_CHILD_MODULE = "eventnet.pdf._child"


class PdfError(DomainError):
    """The document could not be made; the message is safe to show."""

    status_code = 500


class PdfTimeout(PdfError):
    """Layout did not finish within the time limit; the child process was stopped."""

    status_code = 503


@dataclasses.dataclass(frozen=True)
class RenderResult:
    pdf: bytes
    pages: int
    refused_urls: tuple[str, ...]
    parse_seconds: float  # HTML and CSS parsing, layout (WeasyPrint's "render")
    write_seconds: float  # PDF serialization (fonts subset and embedded, tags)
    total_seconds: float  # as seen by the caller, including the child's start
    cpu_seconds: float = 0.0  # CPU time of layout + writing in the child (load-independent)
    peak_rss_mib: float = 0.0  # the child's peak memory


def _context():  # type: ignore[no-untyped-def]
    ctx = multiprocessing.get_context(
        "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    )
    if ctx.get_start_method() == "forkserver":
        # Only takes effect before the fork server starts; harmless afterwards.
        ctx.set_forkserver_preload([_CHILD_MODULE])
    return ctx


try:  # A forkserver Process that does not re-import the parent's __main__ (see below).
    import io as _io
    import os as _os
    from multiprocessing import forkserver as _forkserver
    from multiprocessing import popen_forkserver as _popen_forkserver
    from multiprocessing import reduction as _reduction
    from multiprocessing import spawn as _spawn
    from multiprocessing import util as _mp_util
    from multiprocessing.context import ForkServerProcess as _ForkServerProcess
    from multiprocessing.context import set_spawning_popen as _set_spawning_popen

    class _CleanPopen(_popen_forkserver.Popen):  # type: ignore[misc,name-defined]
        """``popen_forkserver.Popen._launch`` minus the main-module preparation."""

        def _launch(self, process_obj: Any) -> None:
            prep_data = _spawn.get_preparation_data(process_obj._name)
            prep_data.pop("init_main_from_path", None)
            prep_data.pop("init_main_from_name", None)
            buf = _io.BytesIO()
            _set_spawning_popen(self)
            try:
                _reduction.dump(prep_data, buf)
                _reduction.dump(process_obj, buf)
            finally:
                _set_spawning_popen(None)
            self.sentinel, w = _forkserver.connect_to_new_process(self._fds)
            _parent_w = _os.dup(w)
            self.finalizer = _mp_util.Finalize(self, _mp_util.close_fds, (_parent_w, self.sentinel))
            with open(w, "wb", closefd=True) as f:
                f.write(buf.getbuffer())
            self.pid = _forkserver.read_signed(self.sentinel)

    class _CleanForkServerProcess(_ForkServerProcess):  # type: ignore[misc,valid-type]
        @staticmethod
        def _Popen(process_obj: Any) -> Any:
            return _CleanPopen(process_obj)

except (ImportError, AttributeError):  # pragma: no cover - other Pythons: the standard Process
    _CleanForkServerProcess = None  # type: ignore[assignment,misc]


def _process_class(ctx: Any) -> Any:
    """A Process that does not re-import the parent's ``__main__`` in the child.

    multiprocessing runs the main script again in every forkserver/spawn child (as
    ``__mp_main__``) so that functions defined there can be unpickled. Our child only runs
    `eventnet.pdf._child`, so that is wasted work at best and breaks at worst (scripts without
    an ``if __name__ == "__main__"`` guard, code piped to ``python -``).
    """
    if ctx.get_start_method() == "forkserver" and _CleanForkServerProcess is not None:
        return _CleanForkServerProcess
    return ctx.Process


def _check_plain(value: Any, path: str = "context", depth: int = 0) -> None:
    """Refuse ORM objects in a PDF context: templates get plain data, never lazy loaders."""
    from ..extensions import db

    if depth > 8:
        return
    if isinstance(value, db.Model):
        raise TypeError(f"{path} is an ORM object ({type(value).__name__}); pass plain data")
    if isinstance(value, str | bytes | int | float | bool) or value is None:
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            _check_plain(item, f"{path}[{key!r}]", depth + 1)
    elif isinstance(value, list | tuple | set | frozenset):
        for index, item in enumerate(value):
            _check_plain(item, f"{path}[{index}]", depth + 1)
            if index > 50:  # a sample is enough to catch a mistake; keeps 3,000 rows cheap
                break
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            _check_plain(getattr(value, field.name), f"{path}.{field.name}", depth + 1)


def render_html(template_name: str, context: dict[str, Any], *, title: str, lang: str) -> str:
    """Render a template of ``templates/pdf/`` (autoescaped) to an HTML string."""
    if not template_name.startswith("pdf/"):
        template_name = f"pdf/{template_name}"
    if not template_name.endswith(".html"):
        raise ValueError("PDF templates must be .html files (autoescaping is on for those)")
    _check_plain(context)
    return render_template(
        template_name, **context, pdf_title=title, pdf_lang=lang, static_url=static_url
    )


def render_pdf(
    template_name: str,
    context: dict[str, Any],
    *,
    title: str,
    lang: str = "en",
    base_url: str | None = None,
    timeout: float | None = None,
) -> bytes:
    """Render ``templates/pdf/<template_name>`` with plain ``context`` to PDF bytes.

    Needs an app context (for the Jinja environment and translations). Raises `PdfTimeout`
    after ``timeout`` seconds (default ``PDF_TIMEOUT_SECONDS``) and `PdfError` otherwise.
    """
    return render_pdf_result(
        template_name, context, title=title, lang=lang, base_url=base_url, timeout=timeout
    ).pdf


def render_pdf_result(
    template_name: str,
    context: dict[str, Any],
    *,
    title: str,
    lang: str = "en",
    base_url: str | None = None,
    timeout: float | None = None,
) -> RenderResult:
    """Like `render_pdf`, with page count and timings (for benchmarks and progress)."""
    html = render_html(template_name, context, title=title, lang=lang)
    if timeout is None:
        timeout = float(current_app.config.get("PDF_TIMEOUT_SECONDS", 60))
    return html_to_pdf(html, title=title, lang=lang, base_url=base_url, timeout=timeout)


def _run_child(target: Any, args: tuple[Any, ...], timeout: float) -> dict[str, Any]:
    """Run ``target(sender, *args)`` in a fresh child; its message, or PdfTimeout/PdfError."""
    ctx = _context()
    receiver, sender = ctx.Pipe(duplex=False)
    process = _process_class(ctx)(
        target=target, args=(sender, *args), name="eventnet-pdf", daemon=True
    )
    process.start()
    sender.close()
    try:
        if not receiver.poll(timeout):
            raise PdfTimeout(
                _(
                    "The document took too long to create and was stopped. Please try again "
                    "later; large reports are prepared in the background."
                )
            )
        try:
            message: dict[str, Any] = receiver.recv()
        except EOFError as exc:  # the child died (out of memory, killed)
            raise PdfError(_("The document could not be created. Please try again.")) from exc
    finally:
        receiver.close()
        if process.is_alive():
            process.kill()
        process.join(timeout=5)
    if message.get("error"):
        log.error("PDF layout failed: %s", message["error"])
        raise PdfError(_("The document could not be created. Please try again."))
    return message


def html_to_pdfs(
    documents: list[tuple[str, str]], *, lang: str = "en", timeout: float = 60.0
) -> list[bytes]:
    """Several small documents ``(html, title)`` laid out by one child (fonts load once).

    For batches such as certificates; ``timeout`` applies to the whole batch.
    """
    if not documents:
        return []
    from ._child import layout_many

    message = _run_child(layout_many, (documents, lang, STATIC_BASE_URL, PDF_VARIANT), timeout)
    return list(message["pdfs"])


def html_to_pdf(
    html: str,
    *,
    title: str,
    lang: str = "en",
    base_url: str | None = None,
    timeout: float = 60.0,
) -> RenderResult:
    """Lay out ``html`` in a child process with the safe URL fetcher; kill it after ``timeout``.

    Works without an app (benchmarks, tests). ``base_url`` is what relative URLs resolve
    against; it defaults to the fixed static base, and whatever it is, the fetcher still only
    serves packaged static files and ``data:`` URLs.
    """
    started = time.perf_counter()
    from ._child import layout

    message = _run_child(
        layout, (html, title, lang, base_url or STATIC_BASE_URL, PDF_VARIANT), timeout
    )
    return RenderResult(
        pdf=message["pdf"],
        pages=message["pages"],
        refused_urls=tuple(message["refused"]),
        parse_seconds=message["parse_seconds"],
        write_seconds=message["write_seconds"],
        total_seconds=time.perf_counter() - started,
        cpu_seconds=message.get("cpu_seconds", 0.0),
        peak_rss_mib=message.get("max_rss_kib", 0) / 1024,
    )
