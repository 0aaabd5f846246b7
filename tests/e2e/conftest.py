"""Browser tests: a live eventnet on a fresh SQLite database, driven by Debian's Chromium.

Skipped when /usr/bin/chromium is missing, unless ``EVENTNET_REQUIRE_BROWSER=1`` (CI) turns
that into a failure. ``playwright install`` cannot download browsers here, so we never call it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.conftest import SmtpServer, make_test_app, migrate_to_head

CHROMIUM = os.environ.get("EVENTNET_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@dataclass
class LiveServer:
    app: Flask
    url: str


@pytest.fixture(scope="session")
def live_server(
    tmp_path_factory: pytest.TempPathFactory, smtp_server: SmtpServer
) -> Iterator[LiveServer]:
    tmp: Path = tmp_path_factory.mktemp("live")
    # Mail goes to the real SMTP server of tests/conftest.py: journeys read it from there.
    app = make_test_app(
        tmp,
        f"sqlite:///{tmp / 'live.sqlite3'}",
        BASE_URL="http://127.0.0.1",
        MAIL_BACKEND="smtp",
        MAIL_SERVER=smtp_server.host,
        MAIL_PORT=smtp_server.port,
    )
    migrate_to_head(app)
    with app.app_context():
        from eventnet.demo import load_demo

        load_demo(attendees=40, seed=3)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    port = server.server_port
    app.config["BASE_URL"] = f"http://127.0.0.1:{port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(app=app, url=f"http://127.0.0.1:{port}")
    server.shutdown()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("EVENTNET_REQUIRE_BROWSER") == "1":
            pytest.fail(f"Chromium not found at {CHROMIUM} and EVENTNET_REQUIRE_BROWSER=1")
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=DESKTOP, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def phone_page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=PHONE, locale="en-GB", is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


ALL_IMPACTS = ("minor", "moderate", "serious", "critical")


def assert_accessible(page: Any, *, impacts: tuple[str, ...] = ALL_IMPACTS) -> None:
    """Run axe-core on the page; fail on any violation of the given impacts (by default any
    violation at all: the issue asks for zero violations of any impact)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    violations = [v for v in results.response["violations"] if v.get("impact") in impacts]
    details = "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']} -> "
        + ", ".join(str(n.get("target")) for n in v["nodes"][:5])
        for v in violations
    )
    assert not violations, f"axe-core violations on {page.url}:\n{details}"
