"""The shared PDF pipeline: nothing leaks, Unicode survives, metadata and tags are there."""

from __future__ import annotations

import time
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import pytest
import weasyprint
from flask import Flask
from jinja2 import ChoiceLoader, DictLoader
from pypdf import PdfReader

from eventnet.models import Organization
from eventnet.pdf import (
    PdfTimeout,
    html_to_pdf,
    pdf_response,
    render_html,
    render_pdf,
    render_pdf_result,
)
from eventnet.pdf.fetcher import STATIC_BASE_URL, RefusedURL, SafeURLFetcher
from tests.conftest import make_test_app
from tests.pdf.conftest import RecordingServer, embedded_files, pdf_text

UNICODE_NAMES = [
    "Nguyễn Thị Minh Khai",
    "Øyvind Åsmund Ødegård",
    "Zoë Brontë",
    "王芳",
    "محمد العلي",
]

TEST_TEMPLATES = {
    "pdf/test_people.html": """{% extends "pdf/_base.html" %}
{% block content %}
<h1>{{ heading }}</h1>
<h2>People</h2>
<ul>{% for name in names %}<li>{{ name }}</li>{% endfor %}</ul>
<h2>Notes</h2>
<p>{{ note }}</p>
{% endblock %}""",
}


@pytest.fixture(scope="module")
def pdf_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """An app whose Jinja loader also knows a test template (no database needed)."""
    tmp = tmp_path_factory.mktemp("pdf-app")
    app = make_test_app(tmp, f"sqlite:///{tmp / 'unused.sqlite3'}")
    app.jinja_env.loader = ChoiceLoader([DictLoader(TEST_TEMPLATES), app.jinja_env.loader])
    yield app


def canary_files(tmp_path: Path) -> dict[str, Path]:
    svg = tmp_path / "canary.svg"
    svg.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="20">'
        '<text x="0" y="15">FILE-CANARY-X9K</text></svg>'
    )
    css = tmp_path / "canary.css"
    css.write_text('body::before { content: "CSS-CANARY-M4P"; }')
    txt = tmp_path / "canary.txt"
    txt.write_text("ATTACHMENT-CANARY-Z3R")
    return {"svg": svg, "css": css, "txt": txt}


def hostile_html(files: dict[str, Path], server: RecordingServer) -> str:
    svg, css, txt = files["svg"], files["css"], files["txt"]
    web = server.base
    return f"""<!doctype html><html lang="en"><head><title>t</title>
<link rel="stylesheet" href="file://{css}">
<link rel="stylesheet" href="{web}/style.css">
<link rel="attachment" href="file://{txt}" title="leak">
<link rel="attachment" href="{web}/attachment.txt">
<link rel="attachment" href="eventnet-static:css/pdf.css">
<style>@import url("{web}/import.css"); .bg {{ background: url("{web}/bg.png"); }}</style>
</head><body>
<p>Visible text stays.</p>
<img src="file://{svg}" alt="">
<img src="file:///etc/passwd" alt="">
<img src="{web}/img.svg" alt="">
<img src="{web}/redirect" alt="">
<img src="https://169.254.169.254/latest/meta-data/" alt="">
<img src="../../../../../../{svg}" alt="">
<img src="eventnet-static:../pdf/__init__.py" alt="">
<img src="eventnet-static:%2e%2e/%2e%2e/{svg}" alt="">
<img src="{STATIC_BASE_URL}../../../{svg}" alt="">
<object data="file://{svg}"></object>
<embed src="{web}/embed.svg">
<div class="bg" style="background-image: url('file://{svg}')">x</div>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="100"
 height="20"><image href="file://{svg}" width="100" height="20"/>
 <image xlink:href="{web}/svg-image.svg" width="100" height="20"/></svg>
<a rel="attachment" href="file://{txt}">attached file</a>
<a rel="attachment" href="{web}/a-attachment.txt">attached web file</a>
<a rel="attachment" href="eventnet-static:css/pdf.css" download="pdf.css">attached static</a>
</body></html>"""


CANARIES = ("FILE-CANARY-X9K", "CSS-CANARY-M4P", "ATTACHMENT-CANARY-Z3R", "HTTP-CANARY-7Q2")


def test_hostile_html_reads_no_file_reaches_no_server_embeds_nothing(
    tmp_path: Path, http_canary: RecordingServer
) -> None:
    files = canary_files(tmp_path)
    before = len(http_canary.requests)
    result = html_to_pdf(hostile_html(files, http_canary), title="Hostile", lang="en")

    assert http_canary.requests[before:] == [], "the renderer contacted the HTTP server"
    text = pdf_text(result.pdf)
    assert "Visible text stays." in text
    for canary in CANARIES:
        assert canary not in text
        assert canary.encode() not in result.pdf
    assert embedded_files(result.pdf) == []
    assert b"/EmbeddedFile" not in result.pdf
    assert b"/FileAttachment" not in result.pdf
    # The fetcher was asked and said no (the test would be vacuous otherwise).
    refused = " ".join(result.refused_urls)
    assert "file://" in refused and "127.0.0.1" in refused and "169.254.169.254" in refused
    assert "__init__.py" in refused


def test_the_same_html_does_leak_with_weasyprints_default_fetcher(
    tmp_path: Path, http_canary: RecordingServer
) -> None:
    """Positive control: without our fetcher the canaries do get in, so the test above bites."""
    files = canary_files(tmp_path)
    before = len(http_canary.requests)
    pdf = weasyprint.HTML(
        string=hostile_html(files, http_canary), base_url=str(tmp_path)
    ).write_pdf()
    assert http_canary.requests[before:], "expected the default fetcher to contact the server"
    assert "FILE-CANARY-X9K" in pdf_text(pdf) or "CSS-CANARY-M4P" in pdf_text(pdf)
    assert embedded_files(pdf)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "http://127.0.0.1/",
        "https://example.org/x.png",
        "ftp://example.org/x",
        "eventnet-static:../pdf/__init__.py",
        "eventnet-static:/../../pyproject.toml",
        "eventnet-static:css/../../__init__.py",
        "eventnet-static:css",
        "eventnet-static:%2e%2e/__init__.py",
        "eventnet-static:css/pdf.css%00.png",
        STATIC_BASE_URL + "../__init__.py",
        "https://static.eventnet.invalid.evil.example/css/pdf.css",
        "javascript:alert(1)",
        "data:text/plain;base64,%%%",
    ],
)
def test_fetcher_refuses(url: str) -> None:
    with pytest.raises(RefusedURL):
        SafeURLFetcher().fetch(url)


def test_fetcher_serves_static_files_and_data_urls() -> None:
    fetcher = SafeURLFetcher()
    css = fetcher.fetch("eventnet-static:css/pdf.css")
    assert b"@page" in css.read() and css.content_type == "text/css"
    same = fetcher.fetch(STATIC_BASE_URL + "css/pdf.css?v=1#x")
    assert b"@page" in same.read()
    data = fetcher.fetch("data:image/svg+xml;base64,PHN2Zy8+")
    assert data.read() == b"<svg/>" and data.content_type == "image/svg+xml"
    assert fetcher.fetch("data:,a%20b").read() == b"a b"


@pytest.fixture(scope="module")
def people_pdf(pdf_app: Flask) -> tuple[bytes, str]:
    hostile = '<img src="file:///etc/passwd"> <link rel=attachment href="file:///etc/hostname">'
    with pdf_app.app_context():
        result = render_pdf_result(
            "test_people.html",
            {"heading": "Participants — Ωmega", "names": UNICODE_NAMES, "note": hostile},
            title="Participants of the Ωmega day",
            lang="en",
        )
    assert result.refused_urls == ()  # autoescaped: the markup in "note" is just text
    return result.pdf, hostile


def test_unicode_names_extract_from_the_pdf(people_pdf: tuple[bytes, str]) -> None:
    pdf, _hostile = people_pdf
    text = pdf_text(pdf)
    for name in UNICODE_NAMES[:4]:
        assert name in text
    # Arabic is shaped right-to-left; extraction order varies, so check the letters are there.
    arabic = "".join(ch for ch in text if "\u0600" <= ch <= "\u06ff")
    assert set("محمدالعلي") <= set(arabic)
    assert 'src="file:///etc/passwd"' in text.replace("\n", " ")  # shown as text, not loaded


def test_fonts_are_embedded_and_glyphs_exist(people_pdf: tuple[bytes, str]) -> None:
    reader = PdfReader(BytesIO(people_pdf[0]))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    assert fonts
    names = []
    for ref in fonts.values():
        font = ref.get_object()
        descendant = (
            font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
        )
        descriptor = descendant["/FontDescriptor"].get_object()
        assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
        names.append(str(font["/BaseFont"]))
    # Latin, CJK and Arabic each come from a real font (no .notdef boxes from one fallback).
    joined = " ".join(names)
    assert "CJK" in joined and "Arabic" in joined and "NotoSans" in joined.replace("-", "")


def test_metadata_title_language_and_tags(people_pdf: tuple[bytes, str]) -> None:
    reader = PdfReader(BytesIO(people_pdf[0]))
    root = reader.trailer["/Root"]
    assert reader.metadata.title == "Participants of the Ωmega day"
    assert root["/Lang"] == "en"
    assert "/StructTreeRoot" in root
    assert bool(root["/MarkInfo"]["/Marked"])
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    assert b"pdfuaid" in root["/Metadata"].get_object().get_data()
    outline = [item["/Title"] for item in reader.outline if not isinstance(item, list)]
    assert outline == ["Participants — Ωmega"]
    assert embedded_files(people_pdf[0]) == []


def test_render_refuses_orm_objects_and_non_html_templates(pdf_app: Flask) -> None:
    with pdf_app.app_context():
        with pytest.raises(TypeError, match="ORM object"):
            render_html(
                "test_people.html",
                {"names": [Organization(name="Acme", name_key="acme")]},
                title="t",
                lang="en",
            )
        with pytest.raises(ValueError, match=r"\.html"):
            render_pdf("test_people.txt", {}, title="t")


def test_slow_layout_is_stopped_at_the_time_limit() -> None:
    rows = "".join(f"<tr><td>{i}</td><td>{'cell ' * 30}</td></tr>" for i in range(6000))
    started = time.perf_counter()
    with pytest.raises(PdfTimeout) as info:
        html_to_pdf(f"<table>{rows}</table>", title="slow", lang="en", timeout=0.5)
    assert time.perf_counter() - started < 5
    assert info.value.status_code == 503
    assert "too long" in info.value.message


def test_pdf_response_downloads_without_caching(pdf_app: Flask) -> None:
    with pdf_app.test_request_context():
        response = pdf_response(b"%PDF-1.7 test", 'Report "Zoë"/2027')
        inline = pdf_response(b"%PDF-1.7 test", "report.pdf", inline=True)
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''Report%20-Zo%C3%AB-2027.pdf" in disposition
    assert inline.headers["Content-Disposition"].startswith("inline;")


def test_a_script_without_a_main_guard_can_render(tmp_path: Path) -> None:
    """The child must not re-run the caller's __main__ (here: code piped to ``python -``)."""
    import subprocess
    import sys

    script = (
        "from eventnet.pdf import html_to_pdf\n"
        "result = html_to_pdf('<p>piped</p>', title='t', lang='en', timeout=60)\n"
        "print(result.pdf[:5].decode(), result.pages)\n"
    )
    done = subprocess.run(
        [sys.executable, "-"],
        input=script,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["%PDF-", "1"]
