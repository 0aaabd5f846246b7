"""Input types of the matching engine: attendee profiles and scoring weights.

Public API
----------
``Profile``            frozen dataclass, one per registration (see fields below).
``MatchingWeights``    frozen dataclass with the weights of the score parts.
``ROLES``              the three known roles: ``("staff", "student", "employer")``.
``normalize_tag(s)``   the canonical form of a tag label (trimmed, inner whitespace collapsed,
                       case-folded); tags are compared in this form everywhere.

Pure Python; no Flask, no SQLAlchemy.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

ROLES: tuple[str, ...] = ("staff", "student", "employer")

#: Default role-pair weights (keys are sorted role pairs).
DEFAULT_ROLE_PAIR_WEIGHTS: Mapping[tuple[str, str], float] = {
    ("employer", "student"): 1.0,
    ("employer", "staff"): 1.0,
    ("staff", "student"): 0.6,
    ("staff", "staff"): 0.2,
    ("student", "student"): 0.2,
    ("employer", "employer"): 0.2,
}


def normalize_tag(label: str) -> str:
    """Canonical form of a tag label: trimmed, whitespace collapsed, case-folded."""
    return " ".join(str(label).split()).casefold()


def normalize_tags(labels: Iterable[str]) -> frozenset[str]:
    """Normalize a collection of tag labels, dropping empty ones."""
    out = {normalize_tag(t) for t in labels}
    out.discard("")
    return frozenset(out)


@dataclass(frozen=True)
class Profile:
    """What the matching engine knows about one attendee (one registration).

    ``interests`` are topics the attendee works on; ``offers`` what they can give
    (e.g. "thesis topics", "internships"); ``seeks`` what they are looking for.
    Tag labels are compared after :func:`normalize_tag`, and shown to users as the
    first spelling seen for that normalized form.
    ``consent_profile=False`` removes the attendee from matching entirely.
    """

    id: int
    role: str
    organization_id: int | None
    interests: frozenset[str] = frozenset()
    offers: frozenset[str] = frozenset()
    seeks: frozenset[str] = frozenset()
    offer_text: str = ""
    seek_text: str = ""
    goals: str = ""
    consent_profile: bool = True


@dataclass(frozen=True)
class MatchingWeights:
    """Weights of the score parts (see docs/matching.md for the formula).

    ``interest``, ``reciprocity`` and ``text`` weigh the three content parts; they are
    normalised by their sum, so only their ratios matter.
    ``one_way_floor`` (phi, 0..1) is the share of one-way value kept in reciprocity:
    ``recip = (1 - phi) * harmonic_mean(u, v) + phi * (u + v) / 2``.
    ``text_baseline`` (tau) is the cosine similarity treated as "unrelated"; text cosines are
    rescaled ``(cos - tau) / (1 - tau)`` and clipped to [0, 1].
    ``role_pair`` maps sorted role pairs to a multiplier in [0, 1]; pairs not listed get
    ``unknown_role_weight``. Two people of the same organization always get 0.
    """

    interest: float = 0.25
    reciprocity: float = 0.35
    text: float = 0.4
    one_way_floor: float = 0.25
    text_baseline: float = 0.3
    role_pair: Mapping[tuple[str, str], float] = field(
        default_factory=lambda: dict(DEFAULT_ROLE_PAIR_WEIGHTS), hash=False
    )
    unknown_role_weight: float = 0.2

    def __post_init__(self) -> None:
        parts = (self.interest, self.reciprocity, self.text)
        if any(not math.isfinite(w) or w < 0 for w in parts) or sum(parts) <= 0:
            raise ValueError("interest, reciprocity and text weights must be >= 0, sum > 0")
        if not 0.0 <= self.one_way_floor <= 1.0:
            raise ValueError("one_way_floor must be within [0, 1]")
        if not 0.0 <= self.text_baseline < 1.0:
            raise ValueError("text_baseline must be within [0, 1)")
        for pair, w in self.role_pair.items():
            if len(pair) != 2 or not math.isfinite(w) or w < 0:
                raise ValueError(f"bad role_pair entry {pair!r}: {w!r}")
        if not math.isfinite(self.unknown_role_weight) or self.unknown_role_weight < 0:
            raise ValueError("unknown_role_weight must be >= 0")

    def role_weight(self, role_a: str, role_b: str) -> float:
        """Multiplier for a pair of roles (order does not matter)."""
        key = (role_a, role_b) if role_a <= role_b else (role_b, role_a)
        w = self.role_pair.get(key)
        if w is None:
            w = self.role_pair.get((key[1], key[0]), self.unknown_role_weight)
        return float(w)
