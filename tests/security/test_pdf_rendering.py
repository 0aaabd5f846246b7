"""Issue 8, point 6: PDF rendering. The pipeline itself is proven in
``tests/pdf/test_pipeline.py`` (PDF engineer): hostile HTML reads no canary file, reaches no
recording server, follows no redirect and embeds no attachment, while WeasyPrint's default
fetcher leaks the same HTML (the positive control); the time limit stops a slow layout.

Here the same attack comes through the front door: attendees whose names and organizations
are HTML that points at a canary file and a local server, printed on the organizer's badge
sheet. The canary stays unread, the server gets no request, the PDF has no attachment or
active content, and the hostile text appears as text.
"""

from __future__ import annotations

import http.server
import io
import threading
import uuid

from pypdf import PdfReader

from tests.conftest import login
from tests.factories import PASSWORD, make_event, make_organizer, make_registration


def test_badges_with_hostile_names_read_no_file_and_call_no_server(client, tmp_path) -> None:
    canary_text = f"CANARY-{uuid.uuid4().hex}"
    canary = tmp_path / "canary.txt"
    canary.write_text(canary_text)
    hits: list[str] = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(302)
            self.send_header("Location", f"file://{canary}")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return

    server = http.server.HTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    try:
        owner = make_organizer("badges@uni.example")
        event = make_event(organizers=(owner,))
        slug = event.slug
        hostile = [
            f'<img src="file://{canary}">',
            f'<link rel="attachment" href="file://{canary}">',
            f'<object data="http://127.0.0.1:{port}/obj"></object>',
            f"<style>@import url(http://127.0.0.1:{port}/css);</style>",
        ]
        for i, text in enumerate(hostile):
            make_registration(event, name=f"Eve {text}"[:200], email=f"eve{i}@example.org")
        login(client, "badges@uni.example", PASSWORD)
        response = client.get(f"/admin/events/{slug}/badges.pdf")
        assert response.status_code == 200 and response.mimetype == "application/pdf"
    finally:
        server.shutdown()
        server.server_close()
    raw = response.data
    assert hits == []
    assert canary_text.encode() not in raw
    for marker in (b"/EmbeddedFile", b"/JavaScript", b"/Launch", b"/OpenAction"):
        assert marker not in raw, marker
    reader = PdfReader(io.BytesIO(raw))
    text = "".join("".join(page.extract_text().split()) for page in reader.pages)
    assert canary_text not in text
    assert "<imgsrc=" in text or "Eve" in text  # the names are printed as text
