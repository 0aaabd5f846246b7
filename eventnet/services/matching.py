"""Matching as a use case: registrations -> engine profiles -> stored, explained recommendations.

Who takes part: confirmed registrations whose person consented to show their profile
(`participants_query`). Everyone else is invisible to matching, as subject and as partner.

- `run_matching(event_id, now, weights=..., k=..., preview=...)` loads the profiles in a
  fixed number of queries (registrations, then all their tags, then the overrides), calls
  `eventnet.core.matching.recommend`, and either returns the figures only (``preview``) or
  replaces the event's `Recommendation` rows, saves the settings used and commits.
- `publish_recommendations` / `unpublish_recommendations` open or close "people to meet"
  in the attendee portal (and meeting requests with it).
- `set_override` / `remove_override`: an organizer pins a pair (always recommended to both)
  or blocks it (never recommended, never scheduled).
- `recommendation_summary` computes the same figures as a preview from the stored rows.
- `start_matching_job` + `run_matching_job` run matching in the background with progress
  (`eventnet.jobs.enqueue`; inline by default, an RQ worker at scale).

Settings live on `Event` (``recommendations_k``, ``exposure_cap``, ``matching_weights``);
``matching_weights`` is ``{"interest", "reciprocity", "text", "one_way_floor",
"role_pair": {"employer-student": 1.0, ...}}`` with missing keys meaning the engine's default.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import aliased

from ..core.matching import MatchingWeights, Profile, recommend
from ..core.matching.profiles import DEFAULT_ROLE_PAIR_WEIGHTS
from ..extensions import db
from ..models import (
    BackgroundJob,
    Event,
    Interest,
    JobStatus,
    MatchOverride,
    OrganizerAccount,
    OverrideKind,
    Recommendation,
    Registration,
    RegistrationStatus,
    RegistrationTag,
    TagKind,
    utcnow,
)
from . import DomainError, NotFound, audit

log = logging.getLogger(__name__)

#: Sorted role pairs an organizer can weigh, in display order.
ROLE_PAIRS: tuple[tuple[str, str], ...] = (
    ("employer", "student"),
    ("employer", "staff"),
    ("staff", "student"),
    ("student", "student"),
    ("staff", "staff"),
    ("employer", "employer"),
)
CONTENT_WEIGHTS = ("interest", "reciprocity", "text")
MAX_K = 30
HISTOGRAM_BINS = 10
_UNSET: Any = object()


def role_pair_key(a: str, b: str) -> str:
    lo, hi = sorted((str(a), str(b)))
    return f"{lo}-{hi}"


def participants_query(event_id: int) -> sa.Select[tuple[Registration]]:
    """Registrations that take part in matching: confirmed, and consented to show a profile."""
    return sa.select(Registration).where(
        Registration.event_id == event_id,
        Registration.status == RegistrationStatus.CONFIRMED,
        Registration.consent_profile_at.is_not(None),
    )


def participant_count(event_id: int) -> int:
    return int(
        db.session.scalar(
            participants_query(event_id).with_only_columns(sa.func.count(Registration.id))
        )
        or 0
    )


def recommendation_count(event_id: int) -> int:
    return int(
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Recommendation)
            .where(Recommendation.event_id == event_id)
        )
        or 0
    )


def is_participant(reg: Registration) -> bool:
    return reg.status == RegistrationStatus.CONFIRMED and reg.consent_profile_at is not None


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class MatchingSettings:
    """The organizer's knobs, as stored on the event (plain data, JSON-friendly)."""

    k: int
    exposure_cap: int | None
    interest: float
    reciprocity: float
    text: float
    one_way_floor: float
    role_pair: dict[str, float] = field(default_factory=dict)

    @property
    def effective_cap(self) -> int:
        return 2 * self.k if self.exposure_cap is None else self.exposure_cap

    def weights_dict(self) -> dict[str, Any]:
        return {
            "interest": self.interest,
            "reciprocity": self.reciprocity,
            "text": self.text,
            "one_way_floor": self.one_way_floor,
            "role_pair": dict(self.role_pair),
        }

    def engine_weights(self) -> MatchingWeights:
        pairs = {tuple(key.split("-", 1)): float(w) for key, w in self.role_pair.items()}
        try:
            return MatchingWeights(
                interest=self.interest,
                reciprocity=self.reciprocity,
                text=self.text,
                one_way_floor=self.one_way_floor,
                role_pair=pairs,  # type: ignore[arg-type]
            )
        except ValueError as exc:
            raise DomainError(
                _("These weights cannot be used: at least one content weight must be above 0."),
                "interest",
            ) from exc


def default_weights() -> dict[str, Any]:
    base = MatchingWeights()
    return {
        "interest": base.interest,
        "reciprocity": base.reciprocity,
        "text": base.text,
        "one_way_floor": base.one_way_floor,
        "role_pair": {
            role_pair_key(*pair): float(DEFAULT_ROLE_PAIR_WEIGHTS.get(pair, 0.2))
            for pair in ROLE_PAIRS
        },
    }


def settings_for(
    event: Event,
    *,
    weights: Mapping[str, Any] | None = None,
    k: int | None = None,
    exposure_cap: int | None = _UNSET,
) -> MatchingSettings:
    """The event's settings, with any of ``weights``, ``k``, ``exposure_cap`` replaced."""
    merged = default_weights()
    for source in (event.matching_weights or {}, weights or {}):
        for key in ("interest", "reciprocity", "text", "one_way_floor"):
            if source.get(key) is not None:
                merged[key] = float(source[key])
        for key, value in (source.get("role_pair") or {}).items():
            if value is not None:
                merged["role_pair"][str(key)] = float(value)
    k_value = int(event.recommendations_k if k is None else k)
    cap = event.exposure_cap if exposure_cap is _UNSET else exposure_cap
    settings = MatchingSettings(
        k=k_value,
        exposure_cap=None if cap is None else int(cap),
        interest=merged["interest"],
        reciprocity=merged["reciprocity"],
        text=merged["text"],
        one_way_floor=merged["one_way_floor"],
        role_pair=merged["role_pair"],
    )
    _validate(settings)
    return settings


def _validate(s: MatchingSettings) -> None:
    if not 1 <= s.k <= MAX_K:
        raise DomainError(_("Show between 1 and %(n)d people per attendee.", n=MAX_K), "k")
    if s.exposure_cap is not None and not s.k <= s.exposure_cap <= 10 * s.k:
        raise DomainError(
            _("The exposure cap must be between k and 10 × k (or empty for 2 × k)."),
            "exposure_cap",
        )
    values = [s.interest, s.reciprocity, s.text, s.one_way_floor, *s.role_pair.values()]
    if any(not math.isfinite(v) or v < 0 or v > 1 for v in values):
        raise DomainError(_("Every weight is a number from 0 to 1."), "interest")
    if s.interest + s.reciprocity + s.text <= 0:
        raise DomainError(
            _("At least one of shared interests, reciprocity and text must count."), "interest"
        )
    s.engine_weights()


# --------------------------------------------------------------------------- profiles


@dataclass(frozen=True)
class LoadedEvent:
    event: Event
    profiles: list[Profile]
    roles: dict[int, str]
    pinned: list[tuple[int, int]]
    blocked: list[tuple[int, int]]


def load_profiles(event_id: int) -> LoadedEvent:
    """Engine profiles of the event's participants, in three queries (+1 for the event)."""
    event = db.session.get(Event, event_id)
    if event is None:
        raise NotFound(_("This event does not exist."))
    rows = db.session.execute(
        participants_query(event_id)
        .with_only_columns(
            Registration.id,
            Registration.role,
            Registration.organization_id,
            Registration.offer_text,
            Registration.seek_text,
            Registration.goals,
        )
        .order_by(Registration.id)
    ).all()
    tags: dict[int, dict[TagKind, set[str]]] = {r.id: {k: set() for k in TagKind} for r in rows}
    tag_rows = db.session.execute(
        sa.select(RegistrationTag.registration_id, RegistrationTag.kind, Interest.label)
        .join(Interest, Interest.id == RegistrationTag.interest_id)
        .join(Registration, Registration.id == RegistrationTag.registration_id)
        .where(
            Registration.event_id == event_id,
            Registration.status == RegistrationStatus.CONFIRMED,
            Registration.consent_profile_at.is_not(None),
        )
    )
    for reg_id, kind, label in tag_rows:
        tags[reg_id][kind].add(label)
    profiles = [
        Profile(
            id=r.id,
            role=str(r.role.value),
            organization_id=r.organization_id,
            interests=frozenset(tags[r.id][TagKind.INTEREST]),
            offers=frozenset(tags[r.id][TagKind.OFFER]),
            seeks=frozenset(tags[r.id][TagKind.SEEK]),
            offer_text=r.offer_text or "",
            seek_text=r.seek_text or "",
            goals=r.goals or "",
        )
        for r in rows
    ]
    pinned, blocked = [], []
    for o in db.session.scalars(sa.select(MatchOverride).where(MatchOverride.event_id == event_id)):
        (pinned if o.kind == OverrideKind.PIN else blocked).append((o.first_id, o.second_id))
    return LoadedEvent(
        event=event,
        profiles=profiles,
        roles={p.id: p.role for p in profiles},
        pinned=sorted(pinned),
        blocked=sorted(blocked),
    )


# --------------------------------------------------------------------------- figures


@dataclass(frozen=True)
class MatchingSummary:
    """What an organizer looks at before publishing: does everyone get good people?"""

    participants: int
    k: int
    exposure_cap: int
    recommendations: int
    coverage: float  # share of participants with k entries
    short_lists: int  # participants with fewer than k
    empty_lists: int
    cross_role_share: float
    reciprocal_share: float
    exposure_gini: float
    max_exposure: int
    never_shown: int  # participants nobody sees
    quantiles: dict[str, float]
    histogram: list[int]  # HISTOGRAM_BINS counts of scores over [0, 1]
    role_pairs: dict[str, int]
    pins_ignored: int = 0
    seconds: float = 0.0

    @property
    def histogram_max(self) -> int:
        return max(self.histogram, default=0)

    def as_dict(self) -> dict[str, Any]:
        return {
            "participants": self.participants,
            "k": self.k,
            "exposure_cap": self.exposure_cap,
            "recommendations": self.recommendations,
            "coverage": self.coverage,
            "short_lists": self.short_lists,
            "empty_lists": self.empty_lists,
            "cross_role_share": self.cross_role_share,
            "reciprocal_share": self.reciprocal_share,
            "exposure_gini": self.exposure_gini,
            "max_exposure": self.max_exposure,
            "never_shown": self.never_shown,
            "quantiles": dict(self.quantiles),
            "histogram": list(self.histogram),
            "role_pairs": dict(self.role_pairs),
            "pins_ignored": self.pins_ignored,
            "seconds": self.seconds,
        }


def summarize(
    entries: Iterable[tuple[int, int, float]],
    roles: Mapping[int, str],
    *,
    k: int,
    exposure_cap: int,
    pins_ignored: int = 0,
    seconds: float = 0.0,
) -> MatchingSummary:
    """Figures of a set of recommendations ``(attendee, partner, score)``."""
    from ..core.matching import gini

    entries = list(entries)
    n = len(roles)
    per_attendee = Counter(a for a, _b, _s in entries)
    exposure = Counter(b for _a, b, _s in entries)
    pairs = {(a, b) for a, b, _s in entries}
    scores = sorted(s for _a, _b, s in entries)
    histogram = [0] * HISTOGRAM_BINS
    for s in scores:
        histogram[min(HISTOGRAM_BINS - 1, max(0, int(s * HISTOGRAM_BINS)))] += 1
    cross = sum(1 for a, b, _s in entries if roles.get(a) != roles.get(b))
    role_pairs = Counter(role_pair_key(roles.get(a, "?"), roles.get(b, "?")) for a, b, _ in entries)

    def q(p: float) -> float:
        if not scores:
            return 0.0
        pos = p * (len(scores) - 1)
        lo = math.floor(pos)
        hi = min(lo + 1, len(scores) - 1)
        return round(scores[lo] + (scores[hi] - scores[lo]) * (pos - lo), 4)

    m = len(entries)
    return MatchingSummary(
        participants=n,
        k=k,
        exposure_cap=exposure_cap,
        recommendations=m,
        coverage=(sum(1 for a in roles if per_attendee[a] >= k) / n) if n else 0.0,
        short_lists=sum(1 for a in roles if per_attendee[a] < k),
        empty_lists=sum(1 for a in roles if per_attendee[a] == 0),
        cross_role_share=cross / m if m else 0.0,
        reciprocal_share=(sum(1 for a, b in pairs if (b, a) in pairs) / m) if m else 0.0,
        exposure_gini=gini([exposure[a] for a in roles]) if n else 0.0,
        max_exposure=max(exposure.values(), default=0),
        never_shown=sum(1 for a in roles if exposure[a] == 0),
        quantiles=(
            {"min": q(0), "p25": q(0.25), "median": q(0.5), "p75": q(0.75), "max": q(1)}
            if scores
            else {}
        ),
        histogram=histogram,
        role_pairs=dict(sorted(role_pairs.items())),
        pins_ignored=pins_ignored,
        seconds=seconds,
    )


def recommendation_summary(event_id: int) -> MatchingSummary | None:
    """Figures of the stored recommendations, or None when matching has not run yet."""
    event = db.session.get(Event, event_id)
    if event is None:
        raise NotFound(_("This event does not exist."))
    entries = db.session.execute(
        sa.select(
            Recommendation.registration_id, Recommendation.partner_id, Recommendation.score
        ).where(Recommendation.event_id == event_id)
    ).all()
    if not entries:
        return None
    roles = {
        rid: str(role.value)
        for rid, role in db.session.execute(
            participants_query(event_id).with_only_columns(Registration.id, Registration.role)
        )
    }
    # people who stopped participating since the run still count as shown
    listed = {a for a, _b, _s in entries} | {b for _a, b, _s in entries}
    if listed - roles.keys():
        for rid, role in db.session.execute(
            sa.select(Registration.id, Registration.role).where(
                Registration.id.in_(listed - roles.keys())
            )
        ):
            roles[rid] = str(role.value)
    settings = settings_for(event)
    return summarize(
        [(a, b, float(s)) for a, b, s in entries],
        roles,
        k=settings.k,
        exposure_cap=settings.effective_cap,
    )


# --------------------------------------------------------------------------- running


@dataclass(frozen=True)
class MatchingOutcome:
    settings: MatchingSettings
    summary: MatchingSummary
    stored: int  # rows written (0 for a preview)
    preview: bool
    embedder: str = ""
    ignored_pins: list[tuple[int, int, str]] = field(default_factory=list)


Progress = Callable[[int, str], None]


def no_progress(_percent: int, _message: str) -> None:
    return None


def run_matching(
    event_id: int,
    now: datetime,
    *,
    weights: Mapping[str, Any] | None = None,
    k: int | None = None,
    exposure_cap: int | None = _UNSET,
    preview: bool = False,
    actor: OrganizerAccount | int | None = None,
    progress: Progress = no_progress,
) -> MatchingOutcome:
    """Compute recommendations; store them (and the settings used) unless ``preview``."""
    progress(5, "loading profiles")
    loaded = load_profiles(event_id)
    settings = settings_for(loaded.event, weights=weights, k=k, exposure_cap=exposure_cap)
    progress(20, "scoring pairs")
    result = recommend(
        loaded.profiles,
        k=settings.k,
        exposure_cap=settings.exposure_cap,
        weights=settings.engine_weights(),
        pinned=loaded.pinned,
        blocked=loaded.blocked,
    )
    entries = [
        (r.attendee_id, r.partner_id, float(r.score))
        for recs in result.by_attendee.values()
        for r in recs
    ]
    summary = summarize(
        entries,
        loaded.roles,
        k=settings.k,
        exposure_cap=settings.effective_cap,
        pins_ignored=len(result.stats.ignored_pins),
        seconds=result.stats.seconds,
    )
    stored = 0
    if not preview:
        progress(75, "saving recommendations")
        event = loaded.event
        db.session.execute(sa.delete(Recommendation).where(Recommendation.event_id == event_id))
        rows = [
            {
                "event_id": event_id,
                "registration_id": r.attendee_id,
                "partner_id": r.partner_id,
                "rank": r.rank,
                "score": float(r.score),
                "parts": {key: float(v) for key, v in r.parts.items()},
                "reasons": r.reasons_as_dicts(),
                "created_at": now,
            }
            for a in sorted(result.by_attendee)
            for r in result.by_attendee[a]
        ]
        for start in range(0, len(rows), 2000):
            db.session.execute(sa.insert(Recommendation), rows[start : start + 2000])
        stored = len(rows)
        before = {
            "k": event.recommendations_k,
            "exposure_cap": event.exposure_cap,
            "weights": event.matching_weights,
        }
        event.recommendations_k = settings.k
        event.exposure_cap = settings.exposure_cap
        event.matching_weights = settings.weights_dict()
        audit.record(
            "matching.run",
            event_id=event_id,
            actor=actor,
            before=before,
            after={
                "k": settings.k,
                "exposure_cap": settings.exposure_cap,
                "weights": settings.weights_dict(),
                "recommendations": stored,
                "coverage": round(summary.coverage, 4),
            },
            at=now,
        )
        db.session.commit()
    progress(100, "done")
    return MatchingOutcome(
        settings=settings,
        summary=summary,
        stored=stored,
        preview=preview,
        embedder=result.stats.embedder,
        ignored_pins=[tuple(p) for p in result.stats.ignored_pins],  # type: ignore[misc]
    )


def publish_recommendations(
    event_id: int, now: datetime, *, actor: OrganizerAccount | int | None = None
) -> None:
    """Open "people to meet" (and meeting requests) in the attendee portal."""
    event = _event(event_id)
    has_any = db.session.scalar(
        sa.select(Recommendation.id).where(Recommendation.event_id == event_id).limit(1)
    )
    if not has_any:
        raise DomainError(_("Run matching first: there are no recommendations to publish."))
    event.recommendations_published_at = now
    audit.record("matching.published", event_id=event_id, actor=actor, at=now)
    db.session.commit()


def unpublish_recommendations(
    event_id: int, now: datetime, *, actor: OrganizerAccount | int | None = None
) -> None:
    """Hide "people to meet" again; open meeting requests stay as they are."""
    event = _event(event_id)
    event.recommendations_published_at = None
    audit.record("matching.unpublished", event_id=event_id, actor=actor, at=now)
    db.session.commit()


def _event(event_id: int) -> Event:
    event = db.session.get(Event, event_id)
    if event is None:
        raise NotFound(_("This event does not exist."))
    return event


# --------------------------------------------------------------------------- overrides


def find_registration(event_id: int, email: str, field_name: str) -> Registration:
    """A confirmed registration of the event by e-mail, for the organizer's forms."""
    email = (email or "").strip().lower()
    reg = db.session.scalar(
        sa.select(Registration).where(
            Registration.event_id == event_id,
            Registration.email == email,
            Registration.status == RegistrationStatus.CONFIRMED,
        )
    )
    if reg is None:
        raise DomainError(
            _("Nobody with a confirmed registration uses the e-mail %(email)s.", email=email),
            field_name,
        )
    return reg


def set_override(
    event_id: int,
    first_id: int,
    second_id: int,
    kind: OverrideKind | str,
    now: datetime,
    *,
    actor: OrganizerAccount | int | None = None,
) -> MatchOverride:
    """Pin (always recommend to both) or block (never recommend, never schedule) a pair."""
    kind = OverrideKind(kind)
    if first_id == second_id:
        raise DomainError(_("Choose two different attendees."), "second")
    regs = {
        r.id: r
        for r in db.session.scalars(
            sa.select(Registration).where(Registration.id.in_((first_id, second_id)))
        )
    }
    if len(regs) != 2 or any(r.event_id != event_id for r in regs.values()):
        raise NotFound(_("This attendee is not registered for this event."))
    a, b = regs[first_id], regs[second_id]
    if (
        kind == OverrideKind.PIN
        and a.organization_id is not None
        and a.organization_id == b.organization_id
    ):
        raise DomainError(
            _("These two attendees are from the same organization; eventnet never pairs them."),
            "second",
        )
    lo, hi = sorted((first_id, second_id))
    override = db.session.scalar(
        sa.select(MatchOverride).where(MatchOverride.first_id == lo, MatchOverride.second_id == hi)
    )
    before = {"kind": override.kind} if override else {}
    if override is None:
        override = MatchOverride(event_id=event_id, first_id=lo, second_id=hi, kind=kind)
        db.session.add(override)
    override.kind = kind
    override.created_at = now
    audit.record(
        f"matching.{kind.value}",
        event_id=event_id,
        actor=actor,
        before=before,
        after={"first": lo, "second": hi, "kind": kind},
        at=now,
    )
    db.session.commit()
    return override


def remove_override(
    event_id: int, override_id: int, now: datetime, *, actor: OrganizerAccount | int | None = None
) -> None:
    override = db.session.get(MatchOverride, override_id)
    if override is None or override.event_id != event_id:
        raise NotFound(_("This pin or block does not exist."))
    audit.record(
        "matching.override_removed",
        event_id=event_id,
        actor=actor,
        before={"first": override.first_id, "second": override.second_id, "kind": override.kind},
        at=now,
    )
    db.session.delete(override)
    db.session.commit()


def overrides_of(event_id: int) -> list[tuple[MatchOverride, Registration, Registration]]:
    first = aliased(Registration)
    second = aliased(Registration)
    rows = db.session.execute(
        sa.select(MatchOverride, first, second)
        .join(first, first.id == MatchOverride.first_id)
        .join(second, second.id == MatchOverride.second_id)
        .where(MatchOverride.event_id == event_id)
        .order_by(MatchOverride.kind, first.name, second.name)
    ).all()
    return [(o, a, b) for o, a, b in rows]


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class AttendeeRecommendations:
    registration_id: int
    email: str
    name: str
    role: str
    items: list[dict[str, Any]]


def recommendations_page(
    event_id: int, *, page: int = 1, per_page: int = 100
) -> tuple[list[AttendeeRecommendations], int]:
    """Stored lists per attendee (by registration id), one page of attendees, and the total.

    Each item: ``rank, partner_id, partner_email, partner_name, partner_role, score,
    reasons, pinned``; three queries whatever the page size.
    """
    attendee_ids = (
        sa.select(Recommendation.registration_id)
        .where(Recommendation.event_id == event_id)
        .distinct()
    )
    total = int(
        db.session.scalar(sa.select(sa.func.count()).select_from(attendee_ids.subquery())) or 0
    )
    ids = list(
        db.session.scalars(
            attendee_ids.order_by(Recommendation.registration_id)
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    if not ids:
        return [], total
    rows = db.session.scalars(
        sa.select(Recommendation)
        .where(Recommendation.event_id == event_id, Recommendation.registration_id.in_(ids))
        .order_by(Recommendation.registration_id, Recommendation.rank)
    ).all()
    people = {
        r.id: r
        for r in db.session.execute(
            sa.select(
                Registration.id, Registration.email, Registration.name, Registration.role
            ).where(Registration.id.in_(set(ids) | {r.partner_id for r in rows}))
        )
    }
    lists: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    for r in rows:
        partner = people[r.partner_id]
        lists[r.registration_id].append(
            {
                "rank": r.rank,
                "partner_id": r.partner_id,
                "partner_email": partner.email,
                "partner_name": partner.name,
                "partner_role": partner.role.value,
                "score": round(float(r.score), 6),
                "reasons": list(r.reasons or []),
                "pinned": any(x.get("kind") == "pinned" for x in r.reasons or []),
            }
        )
    out = [
        AttendeeRecommendations(
            registration_id=i,
            email=people[i].email,
            name=people[i].name,
            role=people[i].role.value,
            items=lists[i],
        )
        for i in ids
    ]
    return out, total


# --------------------------------------------------------------------------- background


def start_job(
    kind: str,
    event_id: int,
    now: datetime,
    *,
    params: Mapping[str, Any] | None = None,
    actor: OrganizerAccount | int | None = None,
) -> BackgroundJob:
    """A queued `BackgroundJob` row (committed) for a matching or scheduling run."""
    _event(event_id)
    running = db.session.scalar(
        sa.select(BackgroundJob).where(
            BackgroundJob.event_id == event_id,
            BackgroundJob.kind == kind,
            BackgroundJob.status.in_((JobStatus.QUEUED, JobStatus.RUNNING)),
        )
    )
    if running is not None and (now - running.created_at).total_seconds() < 3600:
        raise DomainError(_("This is already running; the page shows its progress."))
    actor_id = actor.id if isinstance(actor, OrganizerAccount) else actor
    job = BackgroundJob(
        kind=kind,
        event_id=event_id,
        requested_by_id=actor_id,
        status=JobStatus.QUEUED,
        params=dict(params or {}),
        created_at=now,
    )
    db.session.add(job)
    db.session.commit()
    return job


def job_progress(job_id: int) -> Progress:
    def report(percent: int, message: str) -> None:
        job = db.session.get(BackgroundJob, job_id)
        if job is not None:
            job.status = JobStatus.RUNNING
            job.progress = percent
            job.message = message
            db.session.commit()

    return report


def finish_job(
    job_id: int,
    *,
    result: Mapping[str, Any] | None = None,
    error: str = "",
    result_path: str | None = None,
) -> None:
    job = db.session.get(BackgroundJob, job_id)
    if job is None:
        return
    job.result_path = result_path
    job.status = JobStatus.FAILED if error else JobStatus.FINISHED
    job.progress = 100
    job.error = error
    job.message = error[:300] if error else "done"
    if result is not None:
        job.params = {**(job.params or {}), "result": dict(result)}
    job.finished_at = utcnow()
    db.session.commit()


def reraise_on_worker() -> None:
    """Inline, the failure is on the job row and the page says so; a worker also logs it."""
    from ..jobs import uses_workers

    if uses_workers():
        raise


def run_matching_job(job_id: int) -> None:
    """Job body (inline or on a worker): run matching as the job's parameters say."""
    job = db.session.get(BackgroundJob, job_id)
    if job is None or job.event_id is None:
        return
    params = dict(job.params or {})
    try:
        outcome = run_matching(
            job.event_id,
            utcnow(),
            weights=params.get("weights"),
            k=params.get("k"),
            exposure_cap=params.get("exposure_cap", _UNSET),
            actor=job.requested_by_id,
            progress=job_progress(job_id),
        )
    except DomainError as exc:
        db.session.rollback()
        finish_job(job_id, error=exc.message)
        return
    except Exception as exc:
        db.session.rollback()
        log.exception("matching job %s failed", job_id)
        finish_job(job_id, error=_("Matching failed: %(error)s", error=type(exc).__name__))
        reraise_on_worker()
    finish_job(job_id, result={"stored": outcome.stored, **outcome.summary.as_dict()})


def job_status(event_id: int, job_id: int) -> dict[str, Any]:
    job = db.session.get(BackgroundJob, job_id)
    if job is None or job.event_id != event_id:
        raise NotFound(_("This job does not exist."))
    return job_status_by_id(job.id)


def job_status_by_id(job_id: int) -> dict[str, Any]:
    job = db.session.get(BackgroundJob, job_id, populate_existing=True)
    if job is None:
        raise NotFound(_("This job does not exist."))
    return {
        "id": job.id,
        "kind": job.kind,
        "status": job.status.value,
        "progress": job.progress,
        "message": job.message,
        "error": job.error,
        "done": job.status in (JobStatus.FINISHED, JobStatus.FAILED),
    }


def latest_job(event_id: int, kind: str) -> BackgroundJob | None:
    return db.session.scalar(
        sa.select(BackgroundJob)
        .where(BackgroundJob.event_id == event_id, BackgroundJob.kind == kind)
        .order_by(BackgroundJob.created_at.desc(), BackgroundJob.id.desc())
        .limit(1)
    )
