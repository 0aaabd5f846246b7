"""Registration: the public form, the JSON API and CSV import all come through here.

Contract (keep stable; other engineers call it):

- `RegistrationInput`: plain data, loosely typed on purpose (API and CSV send anything).
  ``validate(allowed_tags=None, now=None)`` returns ``{field: [message, ...]}``; field names
  are the dataclass's, and the HTML form uses the same names. `RegistrationInput.from_mapping`
  builds one from a dict (JSON body, CSV row) without raising.
- `register(event_id, data, now, *, source="web") -> RegistrationOutcome`: validates (raises
  `ValidationFailed` with ``errors``), then under the event lock places the person:
  confirmed, pending (double opt-in) or wait-listed, and queues the matching e-mail.
  For an e-mail that already has an active registration at this event it queues "you are
  already registered" (with a new manage link) and returns an outcome with the status a new
  registration would have got and no token: callers render it exactly like a new one, so
  the response never tells whether an address is registered (no enumeration).
- `cancel_registration`, `update_profile`, `confirm_pending`, `resend_manage_link`,
  `reissue_manage_link`, `registration_for_token`; `promote_waitlist` and
  `expire_pending_holds` live in `eventnet.services.waitlist` and are re-exported here.

Every service here owns its transaction (commits), takes ``now``, and delivers the mail it
queued after the commit (`deliver_after_commit`).
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from babel import Locale
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from ..extensions import db
from ..jobs import uses_workers
from ..models import (
    ACTIVE_STATUSES,
    AttendeeRole,
    Event,
    EventStatus,
    Organization,
    OutboxMessage,
    Person,
    Registration,
    RegistrationStatus,
    RegistrationTag,
    TagKind,
    utcnow,
)
from . import DomainError, NotFound, TryAgain
from .event_terms import (
    LOCK_TERMS,
    EventTerms,
    load_event_terms,
    lock_event_terms,
    terms_from_rows,
)
from .locking import lock_failed, pipelined_lock
from .meeting_release import release_meetings_of
from .notifications import (
    queue_already_registered_mail,
    queue_confirmed_mail,
    queue_lost_link_mail,
    queue_registration_mail,
    queue_status_mail,
    registration_recipe,
)
from .outbox import deliver_after_commit, note_queued
from .pipeline import run_pipelined
from .place_in_database import NEEDS_THE_LONG_WAY, PLACE_AND_QUEUE, place_and_queue, placed_from_row
from .registration_rows import (
    Lookup,
    RegistrationRows,
    fill_in_person,
    insert_organization,
    insert_registration_rows,
    look_up,
    organization_kind,
    place_registration,
    registration_rows_statement,
)
from .tickets import rotate_token
from .tokens import hash_token, new_ticket_code, new_token
from .waitlist import (
    Availability,
    availability,
    availability_from_count,
    count_availability,
    expire_locked,
    expire_pending_holds,
    load_locked_event,
    places_count,
    promote_locked,
    promote_waitlist,
    renumber_waitlist,
)

__all__ = [
    "STUDY_LEVELS",
    "RegistrationClosed",
    "RegistrationInput",
    "RegistrationOutcome",
    "ValidationFailed",
    "cancel_registration",
    "confirm_pending",
    "expire_pending_holds",
    "promote_waitlist",
    "register",
    "register_many",
    "registration_for_token",
    "reissue_manage_link",
    "resend_manage_link",
    "update_profile",
]

STUDY_LEVELS = ("bachelor", "master", "doctoral", "other")
MAX_TAGS = 20
MAX_LANGUAGES = 12
# field -> (max length, multi-line)
TEXT_LIMITS: dict[str, tuple[int, bool]] = {
    "name": (200, False),
    "email": (254, False),
    "organization": (200, False),
    "job_title": (200, False),
    "degree_programme": (200, False),
    "other_interests": (300, False),
    "offer_text": (500, True),
    "seek_text": (500, True),
    "goals": (1000, True),
    "dietary_needs": (300, False),
    "accessibility_needs": (300, False),
}
TAG_FIELDS = {"interests": TagKind.INTEREST, "offers": TagKind.OFFER, "seeks": TagKind.SEEK}


class ValidationFailed(DomainError):
    """The input has field errors; ``errors`` maps field names to messages."""

    status_code = 400

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(_("Please correct the highlighted fields."), next(iter(errors), None))
        self.errors = errors


class RegistrationClosed(DomainError):
    status_code = 409


@dataclass
class RegistrationInput:
    """What a person tells us when registering (or editing their profile).

    ``organization`` is the organization's name (found by `Organization.key_for` or created);
    ``interests``/``offers``/``seeks`` are tag labels of the event's taxonomy;
    ``graduation_year`` an int or None; the ``consent_*`` flags are booleans and
    ``consent_privacy`` must be true. Values may arrive with wrong types: `validate` says so
    instead of raising.
    """

    name: Any = ""
    email: Any = ""
    role: Any = ""
    organization: Any = ""
    job_title: Any = ""
    degree_programme: Any = ""
    study_level: Any = ""
    graduation_year: Any = None
    country: Any = ""
    languages: Any = field(default_factory=list)
    interests: Any = field(default_factory=list)
    offers: Any = field(default_factory=list)
    seeks: Any = field(default_factory=list)
    other_interests: Any = ""
    offer_text: Any = ""
    seek_text: Any = ""
    goals: Any = ""
    dietary_needs: Any = ""
    accessibility_needs: Any = ""
    consent_privacy: Any = False
    consent_profile: Any = False
    consent_photos: Any = False
    locale: Any = "en"

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> RegistrationInput:
        """From a JSON object or CSV row; unknown keys are ignored, types are kept as sent.

        ``organization_name`` is accepted as an alias of ``organization``.
        """
        names = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        if "organization" not in values and "organization_name" in data:
            values["organization"] = data["organization_name"]
        return cls(**values)

    @classmethod
    def from_registration(cls, reg: Registration) -> RegistrationInput:
        """The current profile of ``reg``, e.g. to pre-fill the edit form."""
        return cls(
            name=reg.name,
            email=reg.email,
            role=reg.role.value,
            organization=reg.organization.name if reg.organization else "",
            job_title=reg.job_title,
            degree_programme=reg.degree_programme,
            study_level=reg.study_level,
            graduation_year=reg.graduation_year,
            country=reg.country or "",
            languages=list(reg.languages or []),
            interests=reg.tag_labels(TagKind.INTEREST),
            offers=reg.tag_labels(TagKind.OFFER),
            seeks=reg.tag_labels(TagKind.SEEK),
            other_interests=reg.other_interests,
            offer_text=reg.offer_text,
            seek_text=reg.seek_text,
            goals=reg.goals,
            dietary_needs=reg.dietary_needs,
            accessibility_needs=reg.accessibility_needs,
            consent_privacy=True,
            consent_profile=reg.consent_profile_at is not None,
            consent_photos=reg.consent_photos_at is not None,
            locale=reg.locale,
        )

    def validate(
        self, allowed_tags: Collection[str] | None = None, now: datetime | None = None
    ) -> dict[str, list[str]]:
        """Field errors (empty when valid). ``allowed_tags``: the event's tag labels."""
        errors: dict[str, list[str]] = {}

        def add(name: str, message: str) -> None:
            errors.setdefault(name, []).append(message)

        for name, (limit, multiline) in TEXT_LIMITS.items():
            value = getattr(self, name)
            if not isinstance(value, str):
                add(name, _("Please enter text."))
                continue
            problem = _text_problem(value, limit, multiline)
            if problem:
                add(name, problem)

        role = self.role if isinstance(self.role, str) else None
        if role not in {r.value for r in AttendeeRole}:
            add("role", _("Please choose who you are."))
            role = None
        if isinstance(self.name, str) and not self.name.strip() and "name" not in errors:
            add("name", _("Please enter your name."))
        if "email" not in errors:
            if not self.email.strip():
                add("email", _("Please enter your e-mail address."))
            elif normalize_email(self.email) is None:
                add("email", _("Please enter a valid e-mail address, like name@example.com."))
        working = role in (AttendeeRole.STAFF, AttendeeRole.EMPLOYER)
        if working and "organization" not in errors and not self.organization.strip():
            add("organization", _("Please enter your organization."))
        if working and "job_title" not in errors and not self.job_title.strip():
            add("job_title", _("Please enter your job title."))
        student = role == AttendeeRole.STUDENT
        if student and "degree_programme" not in errors and not self.degree_programme.strip():
            add("degree_programme", _("Please enter your degree programme."))

        if not isinstance(self.study_level, str) or self.study_level not in ("", *STUDY_LEVELS):
            add("study_level", _("Please choose a study level from the list."))
        year = self.graduation_year
        this_year = (now or utcnow()).year
        if year is not None and year != "":
            if isinstance(year, bool) or not isinstance(year, int):
                add("graduation_year", _("Please enter a year, like %(year)d.", year=this_year))
            elif not this_year - 1 <= year <= this_year + 10:
                add(
                    "graduation_year",
                    _(
                        "Please enter a year between %(first)d and %(last)d.",
                        first=this_year - 1,
                        last=this_year + 10,
                    ),
                )
        if not isinstance(self.country, str) or (
            self.country.strip() and self.country.strip().upper() not in country_codes()
        ):
            add("country", _("Please choose a country from the list."))

        problem = _list_problem(self.languages, MAX_LANGUAGES, 60)
        if problem:
            add("languages", problem)
        allowed = {t.casefold() for t in allowed_tags} if allowed_tags is not None else None
        for name in TAG_FIELDS:
            value = getattr(self, name)
            problem = _list_problem(value, MAX_TAGS, 80)
            if problem:
                add(name, problem)
            elif allowed is not None and any(v.strip().casefold() not in allowed for v in value):
                add(name, _("Please choose topics from the list."))

        for name in ("consent_privacy", "consent_profile", "consent_photos"):
            if not isinstance(getattr(self, name), bool):
                add(name, _("Please answer yes or no."))
        if self.consent_privacy is not True and "consent_privacy" not in errors:
            add("consent_privacy", _("Please accept the privacy notice to register."))
        if not isinstance(self.locale, str) or len(self.locale) > 8:
            add("locale", _("Unknown language."))
        return errors

    def cleaned(self, tag_labels: Collection[str] = ()) -> RegistrationInput:
        """A normalized copy (call after `validate` passed): trimmed text, lower-case e-mail,
        upper-case country, tags spelled as in the taxonomy, no duplicates."""
        canonical = {t.casefold(): t for t in tag_labels}

        def tags(values: list[str]) -> list[str]:
            out: list[str] = []
            for value in values:
                label = canonical.get(value.strip().casefold(), value.strip())
                if label and label not in out:
                    out.append(label)
            return out

        languages: list[str] = []
        for lang in self.languages:
            if lang.strip() and lang.strip() not in languages:
                languages.append(lang.strip())
        texts = {name: " ".join(getattr(self, name).split()) for name in TEXT_LIMITS}
        for name, (_limit, multiline) in TEXT_LIMITS.items():
            if multiline:
                texts[name] = getattr(self, name).strip()
        texts["email"] = normalize_email(self.email) or ""
        return replace(
            self,
            **texts,
            country=self.country.strip().upper(),
            graduation_year=self.graduation_year or None,
            languages=languages,
            interests=tags(self.interests),
            offers=tags(self.offers),
            seeks=tags(self.seeks),
        )


def _text_problem(value: str, limit: int, multiline: bool) -> str | None:
    if len(value) > limit:
        return _("Please use at most %(n)d characters.", n=limit)
    allowed = {"\n", "\r", "\t"} if multiline else {"\t"}
    if any(unicodedata.category(ch) in ("Cc", "Cs") and ch not in allowed for ch in value):
        return _("Please remove invisible control characters.")
    return None


def _list_problem(value: Any, max_items: int, max_length: int) -> str | None:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        return _("Please choose from the list.")
    if len(value) > max_items:
        return _("Please choose at most %(n)d.", n=max_items)
    for item in value:
        problem = _text_problem(item, max_length, False)
        if problem:
            return problem
    return None


def normalize_email(value: str) -> str | None:
    """The canonical (trimmed, lower-case) address, or None when it is not valid."""
    return _normalized_email(value.strip())


@functools.lru_cache(maxsize=1024)
def _normalized_email(candidate: str) -> str | None:
    # Cached: validating and cleaning a registration both ask, and email_validator's checks
    # are a noticeable part of a registration's CPU in a rush.
    if not candidate or len(candidate) > 254 or any(ch.isspace() for ch in candidate):
        return None
    try:
        result = validate_email(candidate, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        return None
    return Person.normalize_email(result.normalized)


_COUNTRY_CODES: frozenset[str] | None = None


def country_codes() -> frozenset[str]:
    """ISO 3166 alpha-2 codes Babel knows (no continents/regions like "150")."""
    global _COUNTRY_CODES
    if _COUNTRY_CODES is None:
        _COUNTRY_CODES = frozenset(
            code
            for code in Locale("en").territories
            if len(code) == 2 and code.isalpha() and code not in {"ZZ", "EU", "EZ", "UN", "QO"}
        )
    return _COUNTRY_CODES


@dataclass(frozen=True)
class RegistrationOutcome:
    """What `register` tells the caller.

    ``status`` and ``waitlist_position`` are what the person got, or, for an address that
    was already registered, what a new registration would have got right now; then
    ``manage_token`` and ``registration_id`` are None and ``duplicate`` is True. Render
    both cases the same way (``duplicate`` is for logs and tests, never for responses).
    """

    status: RegistrationStatus
    waitlist_position: int | None
    manage_token: str | None
    registration_id: int | None
    event_id: int
    email: str
    double_opt_in: bool
    duplicate: bool = False


def register(
    event_id: int,
    data: RegistrationInput,
    now: datetime,
    *,
    source: str = "web",
    notify: bool = True,
    ignore_window: bool = False,
    on_registered: Callable[[Registration], None] | None = None,
    terms: EventTerms | None = None,
) -> RegistrationOutcome:
    """Register ``data`` for the event (see the module doc); commits and sends mail.

    Organizers only: ``notify=False`` queues no e-mail (the person was told in person);
    ``ignore_window=True`` registers outside the registration window (walk-ins at the door,
    late additions) but never in an archived event. Places and the waiting list apply as
    always. ``on_registered(reg)`` runs in the same transaction for a new registration
    (e.g. to write the organizer's audit entry). ``terms``: the event's terms when the
    caller has read them (`load_event_terms`, or `recent_event_terms`: a copy up to a few
    seconds old), to save reading them again. They only serve to validate before the lock,
    where the terms are read again; a registration they would refuse is checked again
    against terms read now before it is refused.

    Raises `ValidationFailed`, `RegistrationClosed`, `NotFound` (no such event) or
    `TryAgain` (lock busy, or a conflicting concurrent insert three times in a row).

    Everything that does not need the event lock (validating, looking up the person and
    the organization) happens before it is taken, so that concurrent registrations for a
    popular event queue for as short a time as possible (docs/benchmarks.md, "Load").
    """
    last_error: IntegrityError | OperationalError | None = None
    for attempt in range(3):
        try:
            given = terms is not None and attempt == 0
            if not given:
                terms = load_event_terms(event_id)
            if terms is None:
                raise NotFound(_("This event does not exist."))
            try:
                prepared = _prepare(terms, data, now, ignore_window=ignore_window)
            except (ValidationFailed, RegistrationClosed):
                if not given:
                    raise
                # The caller's copy may be a few seconds old (a topic or group just added,
                # the window just opened): refuse only what today's terms refuse.
                db.session.rollback()
                terms = load_event_terms(event_id)
                if terms is None:
                    raise NotFound(_("This event does not exist.")) from None
                prepared = _prepare(terms, data, now, ignore_window=ignore_window)
            outcome = _register_once(
                prepared,
                now,
                source,
                notify=notify,
                ignore_window=ignore_window,
                on_registered=on_registered,
            )
        except DomainError:
            db.session.rollback()
            raise
        except (IntegrityError, OperationalError) as exc:
            # e.g. the same new person or organization created concurrently: the next
            # attempt finds it (and a concurrent duplicate registration takes the
            # already-registered path). PostgreSQL may also end one of two transactions
            # that wait for each other (deadlock detected): that one tries again.
            db.session.rollback()
            if isinstance(exc, OperationalError) and _sqlstate(exc) == LOCK_NOT_AVAILABLE:
                # A row this registration writes was locked longer than the connection's
                # lock_timeout (e.g. the event, by an organizer's change): not a 500.
                raise TryAgain(_("Please try again in a moment.")) from exc
            if isinstance(exc, OperationalError) and _sqlstate(exc) != DEADLOCK_DETECTED:
                raise
            last_error = exc
            continue
        deliver_after_commit(now)
        return outcome
    raise TryAgain(_("Please try again in a moment.")) from last_error


DEADLOCK_DETECTED = "40P01"
LOCK_NOT_AVAILABLE = "55P03"
UNDEFINED_FUNCTION = "42883"


def _sqlstate(exc: DBAPIError) -> str | None:
    return getattr(exc.orig, "sqlstate", None)


@dataclass(frozen=True)
class _Prepared:
    """A validated registration, with what could be looked up before taking the lock."""

    data: RegistrationInput
    role: AttendeeRole
    terms: EventTerms
    found: Lookup  # the person, their active registration here, the organization


def _prepare(
    terms: EventTerms, raw: RegistrationInput, now: datetime, *, ignore_window: bool
) -> _Prepared:
    """Validate ``raw`` for the event and look up its person and organization (one read)."""
    _check_open(terms, now, ignore_window)
    labels = list(terms.topics)
    errors = raw.validate(allowed_tags=labels, now=now)
    if not errors and AttendeeRole(raw.role) not in terms.limits:
        errors.setdefault("role", []).append(_("This event has no places for this group."))
    if errors:
        raise ValidationFailed(errors)
    data = raw.cleaned(labels)
    found = look_up(terms.id, data.email, data.organization)
    return _Prepared(data, AttendeeRole(data.role), terms, found)


def _check_open(terms: EventTerms, now: datetime, ignore_window: bool) -> None:
    organizer_override = ignore_window and terms.status != EventStatus.ARCHIVED
    if not terms.registration_open(now) and not organizer_override:
        raise RegistrationClosed(_("Registration for this event is closed."))


def _register_once(
    prepared: _Prepared,
    now: datetime,
    source: str,
    *,
    notify: bool = True,
    ignore_window: bool = False,
    locked: EventTerms | None = None,
    commit: bool = True,
    on_registered: Callable[[Registration], None] | None = None,
) -> RegistrationOutcome:
    """Write the registration, then place it under the event lock: count once, decide, commit.

    On PostgreSQL the rows (person, organization, registration, tags) are inserted before
    the lock is taken: they stay invisible to others until the commit, and under the lock
    only the count, the registration's place and its e-mail remain. With RQ workers (the
    production setup) all of that and the COMMIT is one round trip, the place decided in
    the database (`place_in_database`); otherwise, or when that declines, the insert, the
    lock and the count go in one round trip and the place is decided here. SQLite cannot
    write before it locks (its lock is the database's write lock), so there the lock comes
    first.
    Overdue holds are released and the waiting list moved on only when the count shows
    it is needed (the tick does both otherwise); a new person joins the end of the
    waiting list whenever someone of the same role waits, which keeps the queue FIFO.
    """
    event_id = prepared.terms.id
    already = prepared.found.active_registration_id
    lock_first = db.session.get_bind().dialect.name == "sqlite"
    if locked is None and (lock_first or already is not None):
        locked = lock_event_terms(event_id)
    if already is not None:
        assert locked is not None
        outcome = _already_registered(locked, already, prepared, now, notify=notify)
        if outcome is not None:
            if commit:
                db.session.commit()
            return outcome
    in_one_round_trip = notify and commit and on_registered is None and uses_workers()
    if locked is None and in_one_round_trip and pipelined_lock():
        try:
            return _register_in_one_round_trip(prepared, now, source)
        except _TheLongWay:
            pass  # rolled back; the same registration the long way, below
    rows, token = _registration_rows(prepared, now, source)
    counted = None
    if locked is None and pipelined_lock():
        reg_id, locked, counted = _insert_lock_and_count(rows, event_id, now)
    else:
        reg_id = insert_registration_rows(rows)
        if locked is None:  # PostgreSQL with the lock switched off (a test)
            locked = lock_event_terms(event_id)
    # The event may have changed while the rows were written or the lock awaited.
    _check_open(locked, now, ignore_window)
    if prepared.role not in locked.limits:
        raise ValidationFailed({"role": [_("This event has no places for this group.")]})
    info = _places_for_newcomer(locked, now, counted)
    status, position = _placement(locked, info, prepared.role)
    expires = locked.hold_until(now) if status == RegistrationStatus.PENDING else None
    recipe = None
    if notify and uses_workers():  # the mail as a recipe, queued with the place
        recipe = registration_recipe(
            reg_id, event_id, prepared.data.email, token, status, position, expires, now=now
        )
    outcome = RegistrationOutcome(
        status=status,
        waitlist_position=position,
        manage_token=token,
        registration_id=reg_id,
        event_id=event_id,
        email=prepared.data.email,
        double_opt_in=locked.double_opt_in,
    )
    mail_id = place_registration(reg_id, status, position, now, hold_until=expires, mail=recipe)
    if mail_id is not None:
        note_queued(mail_id)
    elif notify:  # inline: the mail is written now, from the registration's row
        reg = db.session.get(Registration, reg_id)
        assert reg is not None
        queue_registration_mail(reg, token, now)
    if on_registered is not None:
        reg = db.session.get(Registration, reg_id)
        assert reg is not None
        on_registered(reg)
    if commit:
        db.session.commit()
    return outcome


COMMIT = sa.text("COMMIT")


class _TheLongWay(Exception):
    """The database declined to place the registration itself (`place_in_database`)."""


def _register_in_one_round_trip(
    prepared: _Prepared, now: datetime, source: str
) -> RegistrationOutcome:
    """PostgreSQL: the rows, the place (decided under the lock by the database), the mail
    and the COMMIT in one round trip, so that the event's lock is held for no client round
    trip. Raises `_TheLongWay`, rolled back, when the database declines (see the module
    `place_in_database`)."""
    rows, token = _registration_rows(prepared, now, source)
    insert, insert_params = registration_rows_statement(rows)
    place_params = place_and_queue(
        prepared.terms,
        ticket_code=rows.values["ticket_code"],
        role=prepared.role.value,
        email=prepared.data.email,
        token=token,
        now=now,
    )
    try:
        inserted, placed, _commit = run_pipelined(
            [(insert, insert_params), (PLACE_AND_QUEUE, place_params), (COMMIT, {})]
        )
    except DBAPIError as exc:
        if _sqlstate(exc) in (NEEDS_THE_LONG_WAY, UNDEFINED_FUNCTION):
            # UNDEFINED_FUNCTION: this code runs before `eventnet db upgrade` added it.
            db.session.rollback()
            raise _TheLongWay from exc
        if _sqlstate(exc) == LOCK_NOT_AVAILABLE:
            raise lock_failed() from exc
        raise
    mail_id, status, position = placed_from_row(placed[0])
    note_queued(mail_id)
    db.session.commit()  # the session's bookkeeping; the database has committed
    return RegistrationOutcome(
        status=status,
        waitlist_position=position,
        manage_token=token,
        registration_id=int(inserted[0][0]),
        event_id=prepared.terms.id,
        email=prepared.data.email,
        double_opt_in=prepared.terms.double_opt_in,
    )


def _insert_lock_and_count(
    rows: RegistrationRows, event_id: int, now: datetime
) -> tuple[int, EventTerms, Availability]:
    """PostgreSQL: insert the registration's rows, take the event lock reading its terms, and
    count its places, in one round trip (`run_pipelined`). PostgreSQL runs them in order,
    each with its own snapshot, so the count sees what the previous lock holder committed;
    the newcomer, written as cancelled, is not counted."""
    insert, insert_params = registration_rows_statement(rows)
    count, count_params = places_count(event_id, now)
    try:
        inserted, lock_rows, count_rows = run_pipelined(
            [(insert, insert_params), (LOCK_TERMS, {"event_id": event_id}), (count, count_params)]
        )
    except OperationalError as exc:
        if _sqlstate(exc) != LOCK_NOT_AVAILABLE:
            raise
        raise lock_failed() from exc
    locked = terms_from_rows(lock_rows)
    if locked is None:
        db.session.rollback()
        raise NotFound(_("This event does not exist."))
    counted = availability_from_count(locked.capacity, locked.limits, count_rows)
    return int(inserted[0][0]), locked, counted


def _places_for_newcomer(
    locked: EventTerms, now: datetime, counted: Availability | None = None
) -> Availability:
    """Count under the lock; catch up on holds and the queue. The newcomer, still written as
    cancelled, is not counted. ``counted``: the count made with the lock, if any
    (`_insert_lock_and_count`)."""
    info = counted or count_availability(locked.id, locked.capacity, locked.limits, now)
    if info.overdue or info.needs_promotion:
        # Rare (the tick usually got there first): the ORM services do it, then count again.
        event = db.session.get(Event, locked.id, populate_existing=True)
        assert event is not None
        if info.overdue:
            expire_locked(event, now)
        promote_locked(event, now, info=info if not info.overdue else None)
        db.session.flush()
        info = count_availability(locked.id, locked.capacity, locked.limits, now)
    return info


def _already_registered(
    locked: EventTerms,
    registration_id: int,
    prepared: _Prepared,
    now: datetime,
    *,
    notify: bool,
) -> RegistrationOutcome | None:
    """The address is registered: mail a new link; None when that registration just ended."""
    existing = db.session.get(Registration, registration_id, populate_existing=True)
    if existing is None or existing.status not in ACTIVE_STATUSES:
        return None  # it was cancelled while we waited
    info = count_availability(locked.id, locked.capacity, locked.limits, now)
    status, position = _placement(locked, info, prepared.role)
    if notify:
        token = rotate_token(existing)
        # Update the row before the mail's row refers to it: two concurrent requests for
        # the same address then queue on the row instead of deadlocking on it.
        db.session.flush()
        queue_already_registered_mail(existing, token, now)
    return RegistrationOutcome(
        status=status,
        waitlist_position=position,
        manage_token=None,
        registration_id=None,
        event_id=locked.id,
        email=prepared.data.email,
        double_opt_in=locked.double_opt_in,
        duplicate=True,
    )


def _registration_rows(
    prepared: _Prepared, now: datetime, source: str
) -> tuple[RegistrationRows, str]:
    """The rows of a new registration: its own, its tags and its person's when new.

    A new organization is inserted here, and an existing person's empty fields filled in.

    The registration is written as cancelled, a status that no count of places or of the
    waiting list reads, and placed by `place_registration` before the commit; nobody else
    can see it in between. (Written as confirmed, every wait-listed registrant would leave
    a dead entry in ix_registrations_event_holding that each later count steps over until
    vacuum.) The partial unique index of active registrations is checked when the place is
    recorded. Returns the rows and the new manage token.
    """
    data, role, found = prepared.data, prepared.role, prepared.found
    organization_id = found.organization_id
    if organization_id is None and data.organization:
        organization_id = insert_organization(data.organization, role, now)
    locale = _locale(data.locale)
    country = data.country or None
    token, token_hash = new_token()
    values = {
        "event_id": prepared.terms.id,
        "role": role,
        "status": RegistrationStatus.CANCELLED,  # not placed yet, see above
        "email": data.email,
        "ticket_code": new_ticket_code(),
        "manage_token_hash": token_hash,
        "source": source[:16],
        "locale": locale,
        "created_at": now,
        "updated_at": now,
        "privacy_policy_version": str(current_app.config["PRIVACY_POLICY_VERSION"]),
        "consent_privacy_at": now,
        "consent_profile_at": now if data.consent_profile else None,
        "consent_photos_at": now if data.consent_photos else None,
        "organizer_notes": "",
        **_profile_values(data, organization_id),
    }
    new_person = None
    if found.person_id is None:
        new_person = {
            "email": data.email,
            "name": data.name,
            "country": country,
            "organization_id": organization_id,
            "locale": locale,
            "created_at": now,
        }
    else:
        fill_in_person(found, country=country, organization_id=organization_id, locale=locale)
        values["person_id"] = found.person_id
    tags = _wanted_tags(data, prepared.terms.topics)
    return RegistrationRows(values, tags, new_person), token


def _profile_values(data: RegistrationInput, organization_id: int | None) -> dict[str, Any]:
    """The registration's profile columns from cleaned input (see `_apply_profile`)."""
    return {
        "name": data.name,
        "organization_id": organization_id,
        "job_title": data.job_title,
        "degree_programme": data.degree_programme,
        "study_level": data.study_level,
        "graduation_year": data.graduation_year,
        "country": data.country or None,
        "languages": list(data.languages),
        "other_interests": data.other_interests,
        "offer_text": data.offer_text,
        "seek_text": data.seek_text,
        "goals": data.goals,
        "dietary_needs": data.dietary_needs,
        "accessibility_needs": data.accessibility_needs,
    }


def _wanted_tags(data: RegistrationInput, topic_ids: Mapping[str, int]) -> set[tuple[int, TagKind]]:
    """(topic id, kind) pairs chosen in ``data`` (labels already cleaned to the event's)."""
    return {
        (topic_ids[label], kind)
        for name, kind in TAG_FIELDS.items()
        for label in getattr(data, name)
        if label in topic_ids
    }


def register_many(
    event_id: int,
    items: list[RegistrationInput],
    now: datetime,
    *,
    source: str,
    notify: bool = True,
    ignore_window: bool = False,
    on_registered: Callable[[Registration], None] | None = None,
) -> list[RegistrationOutcome]:
    """Register several people in one transaction under one lock: all of them or none.

    For organizer imports; each item goes through the same rules as `register`. The first
    item that fails raises (`ValidationFailed` with ``details["row"]``, its index) and
    nothing is kept. Commits once, then sends the queued mail.
    """
    terms = load_event_terms(event_id)
    if terms is None:
        raise NotFound(_("This event does not exist."))
    locked = lock_event_terms(event_id)
    terms = replace(locked, topics=terms.topics)
    outcomes = []
    try:
        for index, item in enumerate(items):
            try:
                prepared = _prepare(terms, item, now, ignore_window=ignore_window)
                outcomes.append(
                    _register_once(
                        prepared,
                        now,
                        source,
                        notify=notify,
                        ignore_window=ignore_window,
                        locked=locked,
                        commit=False,
                        on_registered=on_registered,
                    )
                )
            except DomainError as exc:
                exc.details["row"] = index
                raise
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    deliver_after_commit(now)
    return outcomes


def _placement(
    terms: EventTerms, info: Availability, role: AttendeeRole
) -> tuple[RegistrationStatus, int | None]:
    places = info.roles[role]
    if places.left > 0 and places.waiting == 0:
        confirmed = RegistrationStatus.PENDING if terms.double_opt_in else None
        return confirmed or RegistrationStatus.CONFIRMED, None
    return RegistrationStatus.WAITLISTED, places.waiting + 1


def _locale(value: str) -> str:
    languages = current_app.config.get("LANGUAGES", ["en"])
    code = (value or "").strip().lower()
    return code if code in languages else str(current_app.config["BABEL_DEFAULT_LOCALE"])


def find_organization(name: str) -> Organization | None:
    """The organization with this name, case and spacing ignored (None when new or empty)."""
    name = " ".join(name.split())
    if not name:
        return None
    key = Organization.key_for(name)
    return db.session.scalar(sa.select(Organization).where(Organization.name_key == key))


def new_organization(name: str, role: AttendeeRole) -> Organization:
    """A new organization (added to the session); its kind follows the registrant's role."""
    name = " ".join(name.split())
    kind = organization_kind(role)
    org = Organization(name=name, name_key=Organization.key_for(name), kind=kind)
    db.session.add(org)
    return org


def find_or_create_organization(name: str, role: AttendeeRole) -> Organization | None:
    """The organization with this name (case and spacing ignored), created when new."""
    if not " ".join(name.split()):
        return None
    return find_organization(name) or new_organization(name, role)


def _apply_profile(
    reg: Registration,
    data: RegistrationInput,
    organization: Organization | None,
    interest_ids: Mapping[str, int],
    now: datetime,
) -> None:
    """Copy the profile onto ``reg``; ``interest_ids``: the event's tag labels and ids."""
    for column, value in _profile_values(data, organization.id if organization else None).items():
        setattr(reg, column, value)
    reg.organization = organization
    if data.consent_profile and reg.consent_profile_at is None:
        reg.consent_profile_at = now
    elif not data.consent_profile:
        reg.consent_profile_at = None
    if data.consent_photos and reg.consent_photos_at is None:
        reg.consent_photos_at = now
    elif not data.consent_photos:
        reg.consent_photos_at = None
    wanted = _wanted_tags(data, interest_ids)
    current = {(t.interest_id, t.kind): t for t in reg.tags}
    for key, tag in current.items():
        if key not in wanted:
            reg.tags.remove(tag)
    for interest_id, kind in sorted(wanted - set(current)):
        reg.tags.append(RegistrationTag(interest_id=interest_id, kind=kind))


def registration_for_token(token: str) -> Registration | None:
    """The registration whose manage link carries ``token`` (None when unknown or revoked)."""
    if not token or len(token) > 100:
        return None
    return db.session.scalar(
        sa.select(Registration).where(Registration.manage_token_hash == hash_token(token))
    )


def update_profile(registration_id: int, data: RegistrationInput, now: datetime) -> None:
    """Replace the profile of a registration (not its e-mail nor its role); commits.

    ``data.email`` and ``data.role`` are ignored: they are the registration's identity and
    place. The privacy consent must still be given.
    """
    reg = db.session.get(Registration, registration_id)
    if reg is None:
        raise NotFound(_("This registration does not exist."))
    if reg.status == RegistrationStatus.CANCELLED:
        raise DomainError(_("This registration is cancelled; it can no longer be changed."))
    data = replace(data, email=reg.email, role=reg.role.value)
    labels = [i.label for i in reg.event.interests]
    errors = data.validate(allowed_tags=labels, now=now)
    if errors:
        raise ValidationFailed(errors)
    data = data.cleaned(labels)
    organization = find_or_create_organization(data.organization, reg.role)
    _apply_profile(reg, data, organization, {i.label: i.id for i in reg.event.interests}, now)
    reg.locale = _locale(data.locale) if data.locale else reg.locale
    reg.updated_at = now
    try:
        db.session.commit()
    except IntegrityError as exc:  # a concurrent request created the same organization
        db.session.rollback()
        raise TryAgain(_("Please try again in a moment.")) from exc


def cancel_registration(registration_id: int, now: datetime, *, notify: bool = True) -> list[int]:
    """Cancel a registration under the event lock, promote the waiting list; commits.

    Cancelling twice is harmless. The manage link keeps working (it shows the cancelled
    state). Returns the ids of the registrations promoted into the freed place.
    """
    event_id = db.session.scalar(
        sa.select(Registration.event_id).where(Registration.id == registration_id)
    )
    if event_id is None:
        raise NotFound(_("This registration does not exist."))
    event = load_locked_event(event_id)
    reg = db.session.get(Registration, registration_id, populate_existing=True)
    assert reg is not None
    if reg.status == RegistrationStatus.CANCELLED:
        db.session.rollback()
        return []
    reg.status = RegistrationStatus.CANCELLED
    reg.cancelled_at = now
    reg.waitlist_position = None
    if notify:
        queue_status_mail(reg, "cancelled", now)
    db.session.flush()
    release_meetings_of(reg.id, now)
    expire_locked(event, now)
    promoted = promote_locked(event, now)
    renumber_waitlist(event.id)
    db.session.commit()
    deliver_after_commit(now)
    return [r.id for r, _token in promoted]


@dataclass(frozen=True)
class ConfirmResult:
    status: RegistrationStatus
    waitlist_position: int | None


def confirm_pending(token: str, now: datetime) -> ConfirmResult:
    """Double opt-in: the person followed the link in the mail. Commits.

    A pending registration becomes confirmed (and the ticket is mailed). If the hold ran out
    but was not released yet, the person still gets the place when one is free and nobody
    waits for it, else joins the end of the waiting list. Confirming twice is harmless.
    """
    reg = registration_for_token(token)
    if reg is None:
        raise NotFound(_("This link is not valid any more."))
    event = load_locked_event(reg.event_id)
    reg = db.session.get(Registration, reg.id, populate_existing=True)
    assert reg is not None
    if reg.status == RegistrationStatus.CANCELLED:
        db.session.rollback()
        raise DomainError(
            _("This registration was cancelled or its hold expired. Please register again.")
        )
    if reg.status != RegistrationStatus.PENDING:
        result = ConfirmResult(reg.status, reg.waitlist_position)
        db.session.rollback()
        return result
    if reg.pending_expires_at and reg.pending_expires_at <= now:
        reg.pending_expires_at = now  # stop holding while we look for a free place
        db.session.flush()
        info = availability(event, now).roles.get(reg.role)
        if info is None or info.left <= 0 or info.waiting > 0:
            reg.status = RegistrationStatus.WAITLISTED
            reg.waitlisted_at = now
            reg.waitlist_position = (info.waiting if info else 0) + 1
            reg.pending_expires_at = None
            queue_registration_mail(reg, rotate_token(reg), now)
            db.session.commit()
            deliver_after_commit(now)
            return ConfirmResult(reg.status, reg.waitlist_position)
    reg.status = RegistrationStatus.CONFIRMED
    reg.confirmed_at = now
    reg.pending_expires_at = None
    queue_confirmed_mail(reg, token, now)
    db.session.commit()
    deliver_after_commit(now)
    return ConfirmResult(reg.status, None)


def resend_manage_link(email: str, event_id: int, now: datetime) -> None:
    """Lost your link?": mail a new link when ``email`` is registered at the event.

    Always returns None, whatever the address: the caller shows the same answer either
    way. At most one such mail per registration per 10 minutes (the rest are dropped).
    """
    address = normalize_email(email) if isinstance(email, str) else None
    if address is None:
        return
    reg = db.session.scalar(
        sa.select(Registration)
        .where(Registration.event_id == event_id, Registration.email == address)
        .order_by(Registration.created_at.desc(), Registration.id.desc())
        .limit(1)
    )
    if reg is None:
        return
    dedupe_key = f"lost-link:{reg.id}:{int(now.timestamp() // 600)}"
    if db.session.scalar(sa.select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)):
        return
    token = rotate_token(reg)
    queue_lost_link_mail(reg, token, now, dedupe_key=dedupe_key)
    db.session.commit()
    deliver_after_commit(now)


def reissue_manage_link(registration_id: int, now: datetime) -> None:
    """Send me a new link": revoke the current manage link and mail a new one. Commits."""
    reg = db.session.get(Registration, registration_id)
    if reg is None:
        raise NotFound(_("This registration does not exist."))
    token = rotate_token(reg)
    queue_lost_link_mail(reg, token, now)
    db.session.commit()
    deliver_after_commit(now)
