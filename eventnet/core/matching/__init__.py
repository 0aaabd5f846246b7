"""Matchmaking between event attendees: pair scores, explanations, recommendations.

Pure Python over dataclasses (numpy/scipy; optional ``wordllama`` for text similarity).
No Flask, no SQLAlchemy: the app's services convert their models to :class:`Profile`.

Public API (stable; see docs/matching.md for the score formula and the algorithms)::

    Profile(id, role, organization_id, interests=frozenset(), offers=frozenset(),
            seeks=frozenset(), offer_text="", seek_text="", goals="", consent_profile=True)
    MatchingWeights(interest=0.25, reciprocity=0.35, text=0.4, one_way_floor=0.25,
                    text_baseline=0.3, role_pair={...}, unknown_role_weight=0.2)

    recommend(profiles, k=5, exposure_cap=None, weights=MatchingWeights(), pinned=(),
              blocked=(), embedder=None, min_score=0.0, candidates_per_attendee=None)
        -> RecommendationResult(by_attendee: dict[int, list[Recommendation]],
                                stats: RecommendationStats, model: MatchingModel)
    Recommendation(attendee_id, partner_id, rank, score, parts, reasons, pinned)
        .explanation(gettext=lambda s: s, tag_label=lambda t: t) -> str
        .reasons_as_dicts() -> list[dict]

    score_pair(a, b, population=(), weights=MatchingWeights(), embedder=None) -> PairScore
    MatchingModel(profiles, weights, embedder).score_pair(a_id, b_id) -> PairScore
    MatchingModel(...).top_candidates(per_attendee=30) -> list[(a_id, b_id, score)]

    Reason(kind, tags=(), weight=0.0); render_explanation(reasons, gettext, tag_label) -> str
    Embedder (protocol), WordLlamaEmbedder, HashedNgramEmbedder, default_embedder()

``embedder=None`` means :func:`default_embedder`: wordllama's bundled model, loaded offline
from the installed package, or the hashed n-gram TF-IDF fallback when wordllama is missing.
"""

from .explain import MESSAGES, REASON_KINDS, ROLE_MESSAGES, Reason, render_explanation
from .profiles import ROLES, MatchingWeights, Profile, normalize_tag
from .recommend import (
    Recommendation,
    RecommendationResult,
    RecommendationStats,
    gini,
    recommend,
)
from .score import MatchingModel, PairScore, score_pair
from .text import (
    Embedder,
    HashedNgramEmbedder,
    WordLlamaEmbedder,
    default_embedder,
    embed_texts,
)

__all__ = [
    "MESSAGES",
    "REASON_KINDS",
    "ROLES",
    "ROLE_MESSAGES",
    "Embedder",
    "HashedNgramEmbedder",
    "MatchingModel",
    "MatchingWeights",
    "PairScore",
    "Profile",
    "Reason",
    "Recommendation",
    "RecommendationResult",
    "RecommendationStats",
    "WordLlamaEmbedder",
    "default_embedder",
    "embed_texts",
    "gini",
    "normalize_tag",
    "recommend",
    "render_explanation",
    "score_pair",
]
