"""Render the screens of the demo with headless Chromium.

Usage::

    .venv/bin/python scripts/screenshots.py       # the README's screens -> docs/screenshots/
    .venv/bin/python scripts/screenshots.py --all --out /tmp/shots --lang en fi
    .venv/bin/python scripts/screenshots.py --all --only portal-people admin-dashboard

Starts eventnet on a fresh SQLite database with the demo, and saves PNGs of each screen at
desktop (1280x900) and phone (390x844) sizes. ``--all`` renders every public, portal,
follow-up and organizer page of the demo (full page, for reviewing the design); the default
renders the main screens shown in the README (first screen only, optimised with pngquant or
optipng when Debian's packages are installed).

`SCREENS` and `prepare_world` are also the page list of
``tests/e2e/test_accessibility_all_pages.py``, so every page that is screenshotted is checked
with axe-core too.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

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
SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@dataclass
class World:
    """Slugs, ids and links of the demo that the page paths are built from."""

    upcoming: str = ""
    past: str = ""
    manage: str = ""  # a confirmed student of the upcoming event (people to meet, agenda)
    waiting: str = ""  # somebody on the waiting list
    pending: str = ""  # somebody who has not confirmed the e-mail address yet
    alumni: str = ""  # a checked-in attendee of the past event (connections)
    partner: int = 0  # somebody recommended to `manage`
    survey: str = ""
    follow_up: str = ""
    attendee: int = 0  # a confirmed registration of the upcoming event (organizer views)
    ticket: str = ""
    tag: int = 0
    message: int = 0
    fresh: str = ""  # a new draft event without registrations (the empty states)
    extra: dict[str, Any] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return path.format(**{k: v for k, v in vars(self).items() if k != "extra"})


def _fill_registration(page: Any, world: World) -> None:
    page.locator("#role-student").check()
    page.locator("#name").fill("Lan Anh Tran")
    page.locator("#email").fill(f"lan.anh.{os.getpid()}.{id(page)}@student.example")
    page.locator("#degree_programme").fill("Master's Programme in Data Science")
    page.locator("#consent_privacy").check()
    page.locator("form.register-form button[type=submit]").click()
    page.wait_for_url("**/registered")


def _submit_empty(page: Any, world: World) -> None:
    page.locator("form.register-form button[type=submit]").click()
    page.wait_for_selector("#error-summary")


def _lost_link(page: Any, world: World) -> None:
    page.locator("#email").fill("somebody@example.org")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def _desk_search(page: Any, world: World) -> None:
    page.locator("#desk-q").fill("la")
    page.wait_for_selector("#desk-results li")


@dataclass(frozen=True)
class Screen:
    name: str
    path: str
    who: str = "visitor"  # or "organizer"
    main: str = ""  # "desktop" or "phone": shown in the README in that size
    main_langs: tuple[str, ...] = ("en",)  # ...in these languages
    action: Callable[[Any, World], None] | None = None
    status: int = 200


SCREENS: list[Screen] = [
    # Public pages
    Screen("home", "/", main="desktop"),
    Screen("event", "/events/{upcoming}", main="phone"),
    Screen("event-past", "/events/{past}"),
    Screen("register", "/events/{upcoming}/register", main="phone", main_langs=("fi",)),
    Screen("register-errors", "/events/{upcoming}/register", action=_submit_empty),
    Screen("registered", "/events/{upcoming}/register", action=_fill_registration),
    Screen("register-closed", "/events/{past}/register"),
    Screen("lost-link", "/events/{upcoming}/lost-link"),
    Screen("lost-link-sent", "/events/{upcoming}/lost-link", action=_lost_link),
    Screen("privacy", "/privacy"),
    Screen("login", "/auth/login"),
    Screen("not-found", "/no-such-page", status=404),
    # The attendee portal (the personal link)
    Screen("portal-manage", "/r/{manage}"),
    Screen("portal-edit", "/r/{manage}/edit"),
    Screen("portal-ticket", "/r/{manage}/ticket"),
    Screen("portal-people", "/r/{manage}/people", main="phone"),
    Screen("portal-request", "/r/{manage}/people/{partner}/request"),
    Screen("portal-agenda", "/r/{manage}/agenda"),
    Screen("portal-connections", "/r/{alumni}/connections"),
    Screen("portal-past", "/r/{alumni}"),
    Screen("portal-cancel", "/r/{manage}/cancel"),
    Screen("portal-erase", "/r/{manage}/erase"),
    Screen("portal-waiting", "/r/{waiting}"),
    Screen("portal-pending", "/r/{pending}"),
    Screen("portal-unknown", "/r/this-link-does-not-exist-000000000000000", status=404),
    # Survey and follow-up
    Screen("survey", "/f/survey/{survey}", main="phone"),
    Screen("follow-up", "/f/follow-up/{follow_up}"),
    Screen("unsubscribe", "/f/unsubscribe/{follow_up}"),
    # Organizers
    Screen("admin-events", "/admin/", who="organizer"),
    Screen("admin-event-new", "/admin/events/new", who="organizer"),
    Screen("admin-organizers", "/admin/organizers", who="organizer"),
    Screen("admin-tokens", "/admin/tokens", who="organizer"),
    Screen("admin-outcomes", "/admin/outcomes", who="organizer"),
    Screen("admin-overview", "/admin/events/{upcoming}/", who="organizer"),
    Screen(
        "admin-dashboard",
        "/admin/events/{past}/dashboard",
        who="organizer",
        main="desktop",
        main_langs=("en", "fi"),
    ),
    Screen("admin-dashboard-upcoming", "/admin/events/{upcoming}/dashboard", who="organizer"),
    Screen(
        "admin-attendees", "/admin/events/{upcoming}/attendees", who="organizer", main="desktop"
    ),
    Screen("admin-attendee", "/admin/events/{upcoming}/attendees/{attendee}", who="organizer"),
    Screen(
        "admin-attendee-edit", "/admin/events/{upcoming}/attendees/{attendee}/edit", who="organizer"
    ),
    Screen("admin-attendee-new", "/admin/events/{upcoming}/attendees/new", who="organizer"),
    Screen("admin-import", "/admin/events/{upcoming}/attendees/import", who="organizer"),
    Screen(
        "admin-checkin",
        "/admin/events/{upcoming}/checkin",
        who="organizer",
        main="phone",
        action=_desk_search,
    ),
    Screen("admin-checkin-ticket", "/admin/events/{upcoming}/checkin/{ticket}", who="organizer"),
    Screen("admin-messages", "/admin/events/{upcoming}/messages", who="organizer"),
    Screen("admin-message-new", "/admin/events/{upcoming}/messages/new", who="organizer"),
    Screen("admin-message", "/admin/events/{upcoming}/messages/{message}", who="organizer"),
    Screen("admin-badges", "/admin/events/{upcoming}/badges", who="organizer"),
    Screen("admin-settings", "/admin/events/{upcoming}/edit", who="organizer"),
    Screen("admin-appearance", "/admin/events/{upcoming}/appearance", who="organizer"),
    Screen("admin-clone", "/admin/events/{upcoming}/clone", who="organizer"),
    Screen("admin-tags", "/admin/events/{upcoming}/taxonomy", who="organizer"),
    Screen("admin-tag", "/admin/events/{upcoming}/taxonomy/{tag}", who="organizer"),
    Screen("admin-meeting-setup", "/admin/events/{upcoming}/meetings-setup", who="organizer"),
    Screen("admin-matching", "/admin/events/{upcoming}/matching", who="organizer"),
    Screen("admin-schedule", "/admin/events/{upcoming}/schedule", who="organizer", main="desktop"),
    Screen("admin-event-organizers", "/admin/events/{upcoming}/organizers", who="organizer"),
    Screen("admin-audit", "/admin/events/{upcoming}/audit", who="organizer"),
    Screen("admin-privacy", "/admin/events/{upcoming}/privacy", who="organizer"),
    Screen("admin-erase", "/admin/events/{upcoming}/attendees/{attendee}/erase", who="organizer"),
    Screen("admin-follow-up", "/admin/events/{past}/follow-up", who="organizer"),
    Screen("admin-report", "/admin/events/{past}/report", who="organizer"),
    # A new draft: the empty states
    Screen("empty-overview", "/admin/events/{fresh}/", who="organizer"),
    Screen("empty-dashboard", "/admin/events/{fresh}/dashboard", who="organizer"),
    Screen("empty-attendees", "/admin/events/{fresh}/attendees", who="organizer"),
    Screen("empty-checkin", "/admin/events/{fresh}/checkin", who="organizer"),
    Screen("empty-messages", "/admin/events/{fresh}/messages", who="organizer"),
    Screen("empty-matching", "/admin/events/{fresh}/matching", who="organizer"),
    Screen("empty-schedule", "/admin/events/{fresh}/schedule", who="organizer"),
    Screen("empty-follow-up", "/admin/events/{fresh}/follow-up", who="organizer"),
    Screen("empty-report", "/admin/events/{fresh}/report", who="organizer"),
]


def prepare_world(app: Any) -> World:
    """Find (and where needed, set) what the pages need in a database holding the demo.

    Personal links are stored as hashes only, so the chosen registrations get new, known
    tokens here; works on any database `eventnet.demo.load_demo` filled, whatever its seed.
    """
    import sqlalchemy as sa

    from eventnet.demo import DEMO_ORGANIZER_EMAIL
    from eventnet.extensions import db
    from eventnet.models import (
        AttendeeRole,
        Event,
        FeedbackInvitation,
        FeedbackResponse,
        FollowUp,
        Interest,
        OrganizerAccount,
        Recommendation,
        Registration,
        RegistrationStatus,
    )
    from eventnet.services import messages
    from eventnet.services.attendees import AttendeeQuery
    from eventnet.services.tokens import hash_token

    world = World()
    with app.app_context():
        slugs = db.session.scalars(sa.select(Event.slug).order_by(Event.id)).all()
        world.upcoming = next(s for s in slugs if s.startswith("talent-meets-employers-"))
        world.past = next(s for s in slugs if s.startswith("nordic-networking-day-"))
        upcoming = db.session.scalar(sa.select(Event).where(Event.slug == world.upcoming))
        past = db.session.scalar(sa.select(Event).where(Event.slug == world.past))
        assert upcoming is not None and past is not None

        def with_token(reg: Registration, token: str) -> str:
            reg.manage_token_hash = hash_token(token)
            return token

        regs = db.session.scalars(
            sa.select(Registration)
            .where(Registration.event_id == upcoming.id)
            .order_by(Registration.id)
        ).all()
        recommended = set(
            db.session.scalars(
                sa.select(Recommendation.registration_id).where(
                    Recommendation.event_id == upcoming.id
                )
            )
        )
        student = next(
            r
            for r in regs
            if r.status == RegistrationStatus.CONFIRMED
            and r.role == AttendeeRole.STUDENT
            and r.consent_profile_at is not None
            and r.id in recommended
        )
        world.manage = with_token(student, "screens-student-0000000000000000000000000")
        world.partner = (
            db.session.scalar(
                sa.select(Recommendation.partner_id)
                .where(Recommendation.registration_id == student.id)
                .order_by(Recommendation.rank)
                .limit(1)
            )
            or 0
        )
        waiting = next(r for r in regs if r.status == RegistrationStatus.WAITLISTED)
        world.waiting = with_token(waiting, "screens-waiting-0000000000000000000000000")
        pending = next((r for r in regs if r.status == RegistrationStatus.PENDING), None)
        if pending is not None:
            world.pending = with_token(pending, "screens-pending-0000000000000000000000000")
        other = next(
            r for r in regs if r.status == RegistrationStatus.CONFIRMED and r.id != student.id
        )
        world.attendee, world.ticket = other.id, other.ticket_code
        world.tag = (
            db.session.scalar(
                sa.select(Interest.id).where(Interest.event_id == upcoming.id).order_by(Interest.id)
            )
            or 0
        )

        alumni = db.session.scalars(
            sa.select(Registration)
            .where(
                Registration.event_id == past.id,
                Registration.checked_in_at.is_not(None),
                Registration.consent_profile_at.is_not(None),
            )
            .order_by(Registration.id)
        ).all()
        if alumni:
            world.alumni = with_token(alumni[0], "screens-alumni-00000000000000000000000000")
        invitation = db.session.scalar(
            sa.select(FeedbackInvitation)
            .where(
                FeedbackInvitation.event_id == past.id,
                ~sa.exists().where(
                    FeedbackResponse.registration_id == FeedbackInvitation.registration_id
                ),
            )
            .order_by(FeedbackInvitation.id)
            .limit(1)
        )
        if invitation is not None:
            # Keep the survey open (the demo's closed a few weeks after the event).
            past.feedback_closes_at = max(
                past.feedback_closes_at or past.ends_at, datetime.now(UTC) + timedelta(days=7)
            )
            invitation.token_hash = hash_token("screens-survey-000000000000000000000000000")
            world.survey = "screens-survey-000000000000000000000000000"
        follow_up = db.session.scalar(
            sa.select(FollowUp)
            .where(FollowUp.event_id == past.id, FollowUp.answered_at.is_(None))
            .order_by(FollowUp.id)
            .limit(1)
        )
        if follow_up is not None:
            follow_up.token_hash = hash_token("screens-follow-up-0000000000000000000000000")
            world.follow_up = "screens-follow-up-0000000000000000000000000"
        db.session.commit()

        organizer = db.session.scalar(
            sa.select(OrganizerAccount).where(OrganizerAccount.email == DEMO_ORGANIZER_EMAIL)
        )
        sent = messages.sent_messages(upcoming.id, limit=1)
        if not sent:
            from eventnet.models import utcnow

            messages.send_message(
                upcoming.id,
                AttendeeQuery(role=AttendeeRole.STAFF, status=RegistrationStatus.CONFIRMED),
                "Practical details for {event_title}",
                "Dear {name},\n\nthe doors open at 12:00. Bring your ticket: {manage_link}\n",
                actor=organizer,
                now=utcnow(),
            )
            sent = messages.sent_messages(upcoming.id, limit=1)
        world.message = sent[0].id if sent else 0
        world.fresh = _fresh_event(organizer, today=upcoming.starts_at)
        db.session.remove()
    return world


def _fresh_event(organizer: Any, *, today: datetime) -> str:
    """A draft event just created by the organizer: every page in its empty state."""
    import sqlalchemy as sa

    from eventnet.extensions import db
    from eventnet.models import Event
    from eventnet.services import event_admin

    slug = "spring-career-day-draft"
    if db.session.scalar(sa.select(Event.id).where(Event.slug == slug)) is None:
        starts = today + timedelta(days=90)
        event_admin.create_event(
            event_admin.EventData(
                slug=slug,
                title="Spring Career Day",
                starts_at=starts,
                ends_at=starts + timedelta(hours=4),
                quotas={"student": 40, "staff": 10, "employer": 20},
                capacity=70,
            ),
            actor=organizer,
            now=datetime.now(UTC),
            interests=["Data science", "Internships", "Thesis topics"],
        )
    return slug


def sign_in(page: Any, base: str) -> None:
    from eventnet.demo import DEMO_ORGANIZER_EMAIL, DEMO_ORGANIZER_PASSWORD

    page.goto(base + "/auth/login")
    page.locator("#email").fill(DEMO_ORGANIZER_EMAIL)
    page.locator("#password").fill(DEMO_ORGANIZER_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/admin/")


def choose_language(page: Any, base: str, lang: str) -> None:
    page.goto(base + "/")
    if page.locator("html").get_attribute("lang") != lang:
        page.locator(f"#lang-{lang}").click()
        page.wait_for_url("**/")
        page.wait_for_selector(f"html[lang='{lang}']")


def open_screen(page: Any, base: str, world: World, screen: Screen) -> Any:
    """Go to the screen (and do its action); returns the HTTP response of the page."""
    response = page.goto(base + world.url(screen.path))
    if screen.action:
        screen.action(page, world)
    page.wait_for_load_state("load")
    return response


def optimise(paths: list[Path]) -> None:
    pngquant, optipng = shutil.which("pngquant"), shutil.which("optipng")
    for path in paths:
        if pngquant:
            subprocess.run(  # noqa: S603 - fixed tools found on PATH, our own file names
                [
                    pngquant,
                    "--force",
                    "--skip-if-larger",
                    "--quality=70-95",
                    "--ext",
                    ".png",
                    str(path),
                ],
                check=False,
            )
        if optipng:
            subprocess.run([optipng, "-quiet", "-o2", str(path)], check=False)  # noqa: S603


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out", default=None, help="default: docs/screenshots (or /tmp/eventnet-shots with --all)"
    )
    parser.add_argument("--all", action="store_true", help="every page, full length, both sizes")
    parser.add_argument("--only", nargs="*", help="screen names")
    parser.add_argument("--lang", nargs="*", default=None, help="languages, e.g. en fi")
    parser.add_argument("--size", nargs="*", default=list(SIZES), choices=list(SIZES))
    args = parser.parse_args()
    out = Path(
        args.out
        or (
            tempfile.gettempdir() + "/eventnet-shots" if args.all else ROOT / "docs" / "screenshots"
        )
    )
    out.mkdir(parents=True, exist_ok=True)

    tmp = Path(tempfile.mkdtemp(prefix="eventnet-shots-"))
    os.environ["EVENTNET_INSTANCE_PATH"] = str(tmp)
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from eventnet import create_app
    from eventnet.demo import load_demo

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'shots.sqlite3'}",
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        upgrade()
        load_demo()
    world = prepare_world(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    app.config["BASE_URL"] = base
    threading.Thread(target=server.serve_forever, daemon=True).start()

    from playwright.sync_api import sync_playwright

    saved: list[Path] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        readme = not (args.all or args.only)
        langs = args.lang or (["en", "fi"] if readme else ["en"])
        for lang in langs:
            for size_name in args.size:
                screens = [
                    s
                    for s in SCREENS
                    if (not args.only or s.name in args.only)
                    and (not readme or (s.main == size_name and lang in s.main_langs))
                ]
                if not screens:
                    continue
                mobile = size_name == "phone"
                contexts = {}
                for who in ("visitor", "organizer"):
                    context = browser.new_context(
                        viewport=SIZES[size_name],
                        locale={"en": "en-GB", "fi": "fi-FI", "sv": "sv-SE"}.get(lang, lang),
                        is_mobile=mobile,
                        has_touch=mobile,
                    )
                    page = context.new_page()
                    choose_language(page, base, lang)
                    if who == "organizer":
                        sign_in(page, base)
                    contexts[who] = (context, page)
                for screen in screens:
                    page = contexts[screen.who][1]
                    response = open_screen(page, base, world, screen)
                    if response is not None and response.status != screen.status:
                        print(f"! {screen.name}: HTTP {response.status}", file=sys.stderr)
                    suffix = "" if lang == "en" else f"-{lang}"
                    target = out / f"{screen.name}-{size_name}{suffix}.png"
                    if args.all:
                        page.screenshot(path=str(target), full_page=True)
                    else:  # the README: the first screen (a little more on a phone)
                        height = SIZES[size_name]["height"] + (300 if mobile else 0)
                        page.set_viewport_size(
                            {"width": SIZES[size_name]["width"], "height": height}
                        )
                        page.screenshot(path=str(target))
                        page.set_viewport_size(SIZES[size_name])
                    saved.append(target)
                    print(f"saved {target}")
                for context, _page in contexts.values():
                    context.close()
        browser.close()
    server.shutdown()
    if not args.all:
        optimise(saved)


if __name__ == "__main__":
    main()
