"""Helpers for PDF tests: a recording HTTP server on 127.0.0.1 and PDF inspection."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from typing import Any

import pytest
from pypdf import PdfReader


@dataclass
class RecordingServer:
    base: str
    requests: list[str] = field(default_factory=list)


@pytest.fixture(scope="session")
def http_canary(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RecordingServer]:
    """An HTTP server that records every request; ``/redirect`` redirects to a file:// canary."""
    canary_dir = tmp_path_factory.mktemp("http-canary")
    recorded: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            recorded.append(self.path)
            if self.path.startswith("/redirect"):
                self.send_response(302)
                self.send_header("Location", f"file://{canary_dir}/secret.svg")
                self.end_headers()
                return
            body = (
                b'<svg xmlns="http://www.w3.org/2000/svg" width="200" height="20">'
                b'<text x="0" y="15">HTTP-CANARY-7Q2</text></svg>'
            )
            self.send_response(200)
            self.send_header("Content-Type", "image/svg+xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield RecordingServer(f"http://127.0.0.1:{server.server_address[1]}", recorded)
    finally:
        server.shutdown()
        server.server_close()


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(BytesIO(pdf))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def embedded_files(pdf: bytes) -> list[str]:
    """Names of embedded files: document-level attachments and file-attachment annotations."""
    reader = PdfReader(BytesIO(pdf))
    names = list(reader.attachments)
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            if annot.get("/Subtype") == "/FileAttachment":
                names.append(str(annot.get("/FS")))
    return names
