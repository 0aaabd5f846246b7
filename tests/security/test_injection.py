"""Issue 8, point 3: injection and XSS, with hypothesis-generated payloads in every user field.

Checked where user text ends up: HTML pages (the manage page, the organizer's attendee
page), e-mails (both parts, and the subject for header injection), CSV/XLSX exports
(formula prefix) and PDFs (text extracted with pypdf, no active content). The security
headers (strict CSP without inline script, nosniff, Referrer-Policy, frame-ancestors) are
checked on every kind of response. Example counts are kept small for the CI budget.
"""

from __future__ import annotations

import csv
import io
import itertools
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape

from eventnet.extensions import db
from eventnet.models import Event, Registration
from tests.conftest import login
from tests.factories import PASSWORD, make_event, make_organizer

from .conftest import outbox_for, register_via_form

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg/onload=alert(1)>",
    "javascript:alert(1)",
    '<a href="javascript:alert(1)">x</a>',
    "{{ 7*7 }}{% print 1 %}",
    '=HYPERLINK("https://evil.example","x")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd",
    "Bcc: victim@example.org",
    "\u202egnp.exe",  # right-to-left override
    "Ad\u200ba L\u200dovelace",  # zero-width characters
    "Аdа",  # Cyrillic homoglyphs
    "</title><script>x</script>",
    "%0d%0aSet-Cookie: a=b",
]
TEXT_FIELDS = (
    "name",
    "organization",
    "job_title",
    "degree_programme",
    "other_interests",
    "offer_text",
    "seek_text",
    "goals",
    "dietary_needs",
    "accessibility_needs",
)
printable = st.characters(blacklist_categories=("Cc", "Cs"))
payloads = st.builds(
    lambda head, tail: (head + tail)[:150],
    st.sampled_from(PAYLOADS),
    st.text(alphabet=printable, max_size=12),
)
_emails = itertools.count(1)


class ActiveContent(HTMLParser):
    """Finds what would run in a browser: inline scripts, event handlers, javascript: URLs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and not (values.get("src") or "").startswith("/static/"):
            self.problems.append(f"inline script {attrs}")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"handler {tag} {name}={value}")
            if name in ("href", "src", "action", "formaction") and (
                value or ""
            ).strip().lower().startswith(("javascript:", "data:text")):
                self.problems.append(f"{tag} {name}={value}")
        if tag in ("iframe", "object", "embed", "base"):
            self.problems.append(tag)


def assert_inert(html: str, payload: str) -> None:
    parser = ActiveContent()
    parser.feed(html)
    assert parser.problems == [], parser.problems
    if any(ch in payload for ch in '<>"'):
        assert payload not in html  # only its escaped form may appear


def _register(client, slug: str, field: str, payload: str) -> str:
    email = f"payload{next(_emails)}@example.org"
    data = {field: payload, "email": email}
    if field == "organization":
        data["role"] = "staff"
        data["job_title"] = "Lecturer"
    response = register_via_form(client, slug, **data)
    assert response.status_code in (302, 400), response.status_code
    if response.status_code == 400:  # refused with a message next to the field, never a 500
        assert_inert(response.get_data(as_text=True), payload)
        return ""
    return email


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(field=st.sampled_from(TEXT_FIELDS), payload=payloads)
def test_payloads_are_inert_in_pages_and_mail(client, open_event, field, payload) -> None:
    email = _register(client, open_event, field, payload)
    if not email:
        return
    messages = outbox_for(email)
    assert messages
    for message in messages:
        assert "\n" not in message.subject and "\r" not in message.subject
        if message.body_html:
            assert_inert(message.body_html, payload)
    token = messages[0].body_text.split("/r/", 1)[1].split()[0].split("/")[0]
    page = client.get(f"/r/{token}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert_inert(html, payload)
    stored = db.session.scalar(sa.select(Registration).where(Registration.email == email))
    shown = stored.organization.name if field == "organization" else getattr(stored, field)
    if shown and field != "degree_programme":
        assert str(escape(shown)) in html or field in (
            "dietary_needs",
            "accessibility_needs",
            "goals",
            "other_interests",
        )


def test_every_field_at_once_in_the_organizer_pages_and_exports(client) -> None:
    owner = make_organizer("xss-owner@uni.example")
    slug = make_event(organizers=(owner,)).slug
    for i, payload in enumerate(PAYLOADS):
        data = {field: payload for field in TEXT_FIELDS if field != "organization"}
        data.update(email=f"all{i}@example.org", role="staff", job_title=payload)
        data["organization"] = payload
        register_via_form(client, slug, **data)
    login(client, "xss-owner@uni.example", PASSWORD)
    listing = client.get(f"/admin/events/{slug}/attendees")
    assert listing.status_code == 200
    assert_inert(listing.get_data(as_text=True), "<script>alert(1)</script>")
    reg_ids = db.session.scalars(
        sa.select(Registration.id)
        .join(Event, Event.id == Registration.event_id)
        .where(Event.slug == slug)
    ).all()
    for reg_id in reg_ids[-3:]:
        detail = client.get(f"/admin/events/{slug}/attendees/{reg_id}")
        if detail.status_code == 200:
            assert_inert(detail.get_data(as_text=True), "<script>alert(1)</script>")

    csv_response = client.get(f"/admin/events/{slug}/attendees.csv")
    assert csv_response.status_code == 200
    rows = list(csv.reader(io.StringIO(csv_response.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) > len(PAYLOADS)
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell

    from openpyxl import load_workbook

    xlsx = client.get(f"/admin/events/{slug}/attendees.xlsx")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    strings = 0
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.value
            if isinstance(cell.value, str):
                strings += 1
                assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r")), cell.value
    assert strings > 50


def test_pdf_shows_payloads_as_text_and_has_no_active_content(client, open_event) -> None:
    from pypdf import PdfReader

    payload = '<img src="file:///etc/passwd"><script>alert(1)</script>=1+1'
    register_via_form(client, open_event, email="pdf@example.org", name=f"Ada {payload}"[:200])
    token = outbox_for("pdf@example.org")[0].body_text.split("/r/", 1)[1].split()[0].split("/")[0]
    response = client.get(f"/r/{token}/ticket.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    raw = response.data
    for marker in (b"/JavaScript", b"/JS ", b"/Launch", b"/EmbeddedFile", b"/OpenAction", b"/AA"):
        assert marker not in raw, marker
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(raw)).pages)
    squashed = "".join(text.split())
    assert "<script>alert(1)</script>" in squashed  # shown literally, not interpreted
    assert "root:x:0:0" not in text  # the file was not read


SAMPLE_URLS = ["/", "/privacy", "/auth/login", "/no-such-page", "/api/v1/public/events"]


@pytest.mark.parametrize("url", SAMPLE_URLS)
def test_security_headers_on_every_kind_of_response(client, url) -> None:
    headers = client.get(url).headers
    csp = headers["Content-Security-Policy"]
    directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
    assert directives["script-src"] == ["'self'"]  # no 'unsafe-inline', no nonces needed
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] in ("same-origin", "no-referrer", "strict-origin")
    assert headers["X-Frame-Options"] == "DENY"


def test_templates_have_no_inline_script_or_style_attributes() -> None:
    """The CSP forbids them, so a template that had one would break in browsers."""
    from eventnet.paths import TEMPLATES_DIR

    for path in TEMPLATES_DIR.rglob("*.html"):
        if "emails" in path.parts or "pdf" in path.parts:
            continue
        parser = ActiveContent()
        parser.feed(path.read_text())
        scripts = [p for p in parser.problems if p.startswith("inline script")]
        srcs_ok = all("url_for" in p or "/static/" in p for p in scripts)
        assert not scripts or srcs_ok, (path, scripts)
        assert ' style="' not in path.read_text(), path
