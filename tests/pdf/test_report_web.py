"""Report pages for organizers, background preparation, data downloads, certificates, CLI."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from pypdf import PdfReader

from eventnet.extensions import db
from eventnet.models import BackgroundJob, JobStatus
from tests.conftest import login, post_form
from tests.factories import PASSWORD, make_event, make_organizer, make_registration
from tests.pdf.conftest import pdf_text


@pytest.fixture
def world(client: FlaskClient, now: datetime) -> dict[str, object]:
    owner = make_organizer()
    other = make_organizer()
    event = make_event(organizers=(owner,), starts_at=now - timedelta(days=10), slug="report-day")
    elsewhere = make_event(organizers=(other,), slug="not-yours")
    make_registration(
        event,
        name="Zoë Brontë",
        role="student",
        checked_in_at=event.starts_at,
        token="zoe-token",
        country="FR",
    )
    make_registration(
        event,
        name="王芳",
        role="employer",
        checked_in_at=event.starts_at,
        token="wang-token",
        country="CN",
    )
    make_registration(event, name="Not Here", role="staff", token="absent-token")
    return {
        "owner": owner.email,
        "other": other.email,
        "slug": event.slug,
        "elsewhere": elsewhere.slug,
    }


def test_organizer_downloads_the_report_and_its_data(client: FlaskClient, world: dict) -> None:
    login(client, world["owner"], PASSWORD)
    slug = world["slug"]
    page = client.get(f"/admin/events/{slug}/report")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Download the report" in html and "Prepare all certificates" in html

    pdf = client.get(f"/admin/events/{slug}/report.pdf?attendees=1")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.headers["Cache-Control"] == "no-store"
    assert "attachment;" in pdf.headers["Content-Disposition"]
    text = pdf_text(pdf.data)
    assert "Zoë Brontë" in text and "王芳" in text and "Not Here" not in text

    xlsx = client.get(f"/admin/events/{slug}/report-data.xlsx")
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.data))
    funnel = book[book.sheetnames[0]]
    assert funnel["A1"].value == "Where the registrations ended up, by role"
    rows = {r[0]: r for r in funnel.iter_rows(min_row=3, values_only=True)}
    assert rows["Students"][1] == 1 and rows["Higher-education staff"][1] == 1

    archive = client.get(f"/admin/events/{slug}/report-data.zip")
    with zipfile.ZipFile(io.BytesIO(archive.data)) as z:
        names = z.namelist()
        assert "01-funnel.csv" in names and any(n.endswith("-countries.csv") for n in names)
        countries = next(n for n in names if n.endswith("-countries.csv"))
        table = list(csv.reader(io.StringIO(z.read(countries).decode("utf-8-sig"))))
    assert table[0] == ["Country", "Participants"]
    assert ["France", "1"] in table and ["China", "1"] in table


def test_other_organizers_get_404_everywhere(client: FlaskClient, world: dict) -> None:
    login(client, world["other"], PASSWORD)
    slug = world["slug"]
    for url in (
        f"/admin/events/{slug}/report",
        f"/admin/events/{slug}/report.pdf",
        f"/admin/events/{slug}/report-data.xlsx",
        f"/admin/events/{slug}/report-data.zip",
        f"/admin/events/{slug}/report/jobs/1",
        f"/admin/events/{slug}/report/jobs/1/download",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/admin/events/{slug}/report/jobs").status_code in (400, 404)


def test_large_events_are_prepared_in_the_background(
    app: Flask, client: FlaskClient, world: dict
) -> None:
    login(client, world["owner"], PASSWORD)
    slug = world["slug"]
    app.config["REPORT_INLINE_MAX_REGISTRATIONS"] = 1
    try:
        redirect = client.get(f"/admin/events/{slug}/report.pdf")
        assert redirect.status_code == 302 and redirect.location.endswith(f"/{slug}/report")
        page = client.get(f"/admin/events/{slug}/report").get_data(as_text=True)
        assert "Prepare the report" in page
        posted = post_form(
            client,
            f"/admin/events/{slug}/report/jobs",
            {"include_attendees": "y"},
            page=f"/admin/events/{slug}/report",
        )
        assert posted.status_code == 302
    finally:
        app.config.pop("REPORT_INLINE_MAX_REGISTRATIONS")
    job = db.session.query(BackgroundJob).filter_by(kind="event_report").one()
    assert job.status == JobStatus.FINISHED and job.progress == 100
    assert job.result_path and job.result_path.startswith("reports/event-")
    status = client.get(f"/admin/events/{slug}/report/jobs/{job.id}").get_json()
    assert status["done"] and status["downloadable"]
    download = client.get(status["download_url"])
    assert download.status_code == 200 and "Zoë Brontë" in pdf_text(download.data)
    listed = client.get(f"/admin/events/{slug}/report").get_data(as_text=True)
    assert f'id="job-{job.id}"' in listed
    # Another event's organizer cannot fetch the file, even with the job id.
    stranger = app.test_client()
    login(stranger, world["other"], PASSWORD)
    other = world["elsewhere"]
    assert stranger.get(f"/admin/events/{other}/report/jobs/{job.id}/download").status_code == 404


def test_certificates_zip_for_the_organizer(client: FlaskClient, world: dict) -> None:
    login(client, world["owner"], PASSWORD)
    slug = world["slug"]
    posted = post_form(
        client, f"/admin/events/{slug}/certificates/jobs", {}, page=f"/admin/events/{slug}/report"
    )
    assert posted.status_code == 302
    job = db.session.query(BackgroundJob).filter_by(kind="certificates").one()
    assert job.status == JobStatus.FINISHED, job.error
    download = client.get(f"/admin/events/{slug}/report/jobs/{job.id}/download")
    assert download.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(download.data)) as z:
        names = sorted(z.namelist())
        assert len(names) == 2 and "certificate-zoe-bronte.pdf" in names
        assert "Zoë Brontë" in pdf_text(z.read("certificate-zoe-bronte.pdf"))
        (wang,) = [n for n in names if n != "certificate-zoe-bronte.pdf"]
        assert wang.startswith("certificate-") and "王芳" in pdf_text(z.read(wang))


def test_attendee_downloads_their_certificate(client: FlaskClient, world: dict) -> None:
    response = client.get("/r/zoe-token/certificate.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 1
    assert reader.metadata.title == "Certificate of participation: Zoë Brontë"
    text = pdf_text(response.data)
    assert "Zoë Brontë" in text and "Test networking day" in text
    assert client.get("/r/absent-token/certificate.pdf").status_code == 404
    assert client.get("/r/no-such-token/certificate.pdf").status_code == 404


def test_cli_writes_the_report(cli, world: dict, tmp_path: Path) -> None:
    target = tmp_path / "report.pdf"
    data = tmp_path / "data.xlsx"
    result = cli.invoke(
        args=["report", world["slug"], "-o", str(target), "--data", str(data), "--timings"]
    )
    assert result.exit_code == 0, result.output
    assert target.read_bytes().startswith(b"%PDF") and "layout" in result.output
    assert load_workbook(data).sheetnames
    missing = cli.invoke(args=["report", "no-such-event", "-o", str(target)])
    assert missing.exit_code != 0 and "No event" in missing.output
