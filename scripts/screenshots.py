"""Render the main screens of the demo with headless Chromium into docs/screenshots/.

Usage: .venv/bin/python scripts/screenshots.py [--out DIR] [--only NAME ...]
Starts eventnet on a fresh SQLite database with the demo, signs in as the demo organizer where
needed, and saves desktop (1280 px) and phone (390 px) PNGs of each screen.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}

# (name, path or callable(slug), needs organizer login). Extend as screens are added.
SCREENS: list[tuple[str, str, bool]] = [
    ("home", "/", False),
    ("event", "/events/{upcoming}", False),
    ("register", "/events/{upcoming}/register", False),
    ("login", "/auth/login", False),
    ("admin-events", "/admin/", True),
    ("admin-event", "/admin/events/{upcoming}", True),
    ("admin-attendees", "/admin/events/{upcoming}/attendees", True),
    ("admin-checkin", "/admin/events/{upcoming}/checkin", True),
    ("admin-matching", "/admin/events/{upcoming}/matching", True),
    ("admin-dashboard", "/admin/events/{past}/dashboard", True),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--only", nargs="*")
    parser.add_argument("--lang", default="en")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    tmp = Path(tempfile.mkdtemp(prefix="eventnet-shots-"))
    os.environ["EVENTNET_INSTANCE_PATH"] = str(tmp)
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from eventnet import create_app
    from eventnet.demo import DEMO_ORGANIZER_EMAIL, DEMO_ORGANIZER_PASSWORD, load_demo

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'shots.sqlite3'}",
                      "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade()
        summary = load_demo()
    upcoming, past = summary.events[0], summary.events[1]
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    app.config["BASE_URL"] = base
    threading.Thread(target=server.serve_forever, daemon=True).start()

    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for size_name, viewport in SIZES.items():
            context = browser.new_context(viewport=viewport, locale=args.lang)
            page = context.new_page()
            if args.lang != "en":
                page.goto(base + "/")
                page.select_option("#lang-select", args.lang)
                page.wait_for_load_state("networkidle")
            logged_in = False
            for name, path, needs_login in SCREENS:
                if args.only and name not in args.only:
                    continue
                if needs_login and not logged_in:
                    page.goto(base + "/auth/login")
                    page.fill("input[name=email]", DEMO_ORGANIZER_EMAIL)
                    page.fill("input[name=password]", DEMO_ORGANIZER_PASSWORD)
                    page.click("main button[type=submit]")
                    page.wait_for_load_state("networkidle")
                    logged_in = True
                response = page.goto(base + path.format(upcoming=upcoming, past=past))
                if response is None or response.status >= 400:
                    print(f"skip {name}: HTTP {response.status if response else '?'}")
                    continue
                page.wait_for_load_state("networkidle")
                suffix = "" if args.lang == "en" else f"-{args.lang}"
                target = out / f"{name}-{size_name}{suffix}.png"
                page.screenshot(path=str(target), full_page=True)
                print(f"saved {target}")
            context.close()
        browser.close()
    server.shutdown()


if __name__ == "__main__":
    main()
