"""The pair score, for one pair or for blocks of rows at once (numpy/scipy).

Public API
----------
``MatchingModel(profiles, weights=MatchingWeights(), embedder=None)``
    Precomputes everything the score needs for one event, over the attendees with
    ``consent_profile=True`` (others are listed in ``excluded_ids``): tag IDF statistics,
    sparse tag matrices and one batch of text embeddings (each distinct offer, seek and
    goals sentence embedded once).
    ``model.score_pair(a_id, b_id, pinned=False) -> PairScore``   parts + reasons for a pair.
    ``model.score_rows(rows, ws=None) -> np.ndarray``  final scores of attendees ``rows``
        (indices into ``model.ids``) against everyone, float32, ``-1`` where the pair is
        not allowed (self, same organization, role weight 0).
    ``model.top_candidates(per_attendee=30) -> list[tuple[int, int, float]]``  the best
        ``per_attendee`` partners of each attendee, as unique ``(a_id, b_id, score)`` with
        ``a_id < b_id``, best first — input for the meeting scheduler.
``score_pair(a, b, population=(), weights=..., embedder=None) -> PairScore``
    Convenience: builds a model over ``population + [a, b]`` and scores one pair.
``PairScore``  frozen dataclass: ``a_id, b_id, score, parts, reasons, eligible`` and
    ``explanation(gettext=...)``. ``parts`` are from a's point of view:
    ``interest, need_met, need_given, reciprocity, text, text_they_offer, text_they_seek,
    content, role_weight``.
``split_sentences(text, max_sentences=8) -> list[str]``

Formula (documented in docs/matching.md)::

    interest = IDF-weighted cosine of the interest sets
    u = need_met   = idf_o-weighted share of what a seeks that b offers
    v = need_given = idf_o-weighted share of what b seeks that a offers
    reciprocity    = (1 - phi) * 2uv / (u + v) + phi * (u + v) / 2
    need(x)        = sentences of x.seek_text and of x.goals;  offer(x) = of x.offer_text
    f_ab           = max cosine over (sentence in need(a), sentence in offer(b))
    f_ba           = max cosine over (sentence in need(b), sentence in offer(a))
    text           = clip((mean of the available f_ab, f_ba) - tau) / (1 - tau), 0, 1)
    content        = (w_i * interest + w_r * reciprocity + w_t * text) / (w_i + w_r + w_t)
    score          = role_weight(a.role, b.role) * content, and 0 for the same organization

The score is symmetric: score(a, b) == score(b, a). ``MatchingModel`` is immutable after
construction except for lazily built caches; share it between threads only for reading
(``score_pair``), give each thread its own :class:`Workspace` for ``score_rows``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import scipy.sparse as sp

from .explain import ROLE_MESSAGES, Reason, render_explanation
from .profiles import MatchingWeights, Profile, normalize_tag
from .text import Embedder, default_embedder, embed_texts

NOT_ALLOWED = -1.0
QUOTE_MAX_CHARS = 140
TEXT_REASON_THRESHOLD = 0.3
PART_KEYS = (
    "interest",
    "need_met",
    "need_given",
    "reciprocity",
    "text",
    "text_they_offer",
    "text_they_seek",
    "content",
    "role_weight",
)
BLOCK_FLOATS = 4_000_000  # floats per scoring block (~16 MB); bounds memory, not results

_SENTENCE_RE = re.compile(r"(?<=[.!?;])\s+|\n+|\s+[•·]\s+|^\s*[-*•]\s+", re.MULTILINE)


def split_sentences(text: str, max_sentences: int = 8) -> list[str]:
    """Split free text into sentences (., !, ?, ;, new lines, bullets); keep the first few."""
    if not text:
        return []
    parts = [" ".join(s.split()) for s in _SENTENCE_RE.split(text)]
    return [s for s in parts if s][:max_sentences]


@dataclass(frozen=True)
class PairScore:
    """Score of partner ``b_id`` for attendee ``a_id``, with its parts and reasons."""

    a_id: int
    b_id: int
    score: float
    parts: dict[str, float] = field(hash=False)
    reasons: tuple[Reason, ...] = ()
    eligible: bool = True

    def explanation(
        self,
        gettext: Callable[[str], str] = lambda s: s,
        tag_label: Callable[[str], str] = lambda t: t,
    ) -> str:
        return render_explanation(self.reasons, gettext, tag_label)


class Workspace:
    """Reusable float32 scratch buffers of shape (rows, n) for block scoring."""

    def __init__(self, rows: int, n: int) -> None:
        self.rows = rows
        self.n = n
        self._bufs: dict[str, np.ndarray] = {}

    def get(self, name: str, b: int) -> np.ndarray:
        buf = self._bufs.get(name)
        if buf is None:
            buf = self._bufs[name] = np.empty((self.rows, self.n), dtype=np.float32)
        return buf[:b]


def _idf(df: np.ndarray, n: int) -> np.ndarray:
    # smooth IDF: a tag everybody has still weighs 1, a tag one person has ~ln(n/2)+1
    return (np.log((1.0 + n) / (1.0 + df)) + 1.0).astype(np.float64)


class _Sentences:
    """Embedded sentences of one text field, grouped by attendee (CSR-like)."""

    def __init__(self, per_person: list[list[str]], vectors: np.ndarray) -> None:
        lens = np.array([len(s) for s in per_person], dtype=np.int64)
        self.ptr = np.concatenate([[0], np.cumsum(lens)]).astype(np.int64)
        self.text = [s for sents in per_person for s in sents]
        self.vec = np.ascontiguousarray(vectors, dtype=np.float32)
        self.has = lens > 0
        self.owners = np.flatnonzero(self.has)
        self.starts = self.ptr[self.owners]
        # mean of each attendee's sentence vectors, re-normalised (for cheap retrieval)
        self.pooled = np.zeros((len(per_person), self.vec.shape[1]), dtype=np.float32)
        if self.owners.size:
            sums = np.add.reduceat(self.vec, self.starts, axis=0)
            norms = np.linalg.norm(sums, axis=1, keepdims=True)
            self.pooled[self.owners] = sums / np.maximum(norms, 1e-12)
        self.pooled_t = np.ascontiguousarray(self.pooled.T)

    def gather(self, people: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Sentence rows of ``people``: (rows, local index of people with text, offsets)."""
        starts = self.ptr[people]
        lens = self.ptr[people + 1] - starts
        with_text = np.flatnonzero(lens > 0)
        lens_w = lens[with_text]
        offsets = np.cumsum(lens_w) - lens_w
        total = int(lens_w.sum())
        sel = np.arange(total) - np.repeat(offsets, lens_w) + np.repeat(starts[with_text], lens_w)
        return sel, with_text, offsets


class MatchingModel:
    """Score features of one event's consenting attendees (see module docstring)."""

    def __init__(
        self,
        profiles: Sequence[Profile],
        weights: MatchingWeights = MatchingWeights(),
        embedder: Embedder | None = None,
    ) -> None:
        seen: set[int] = set()
        for p in profiles:
            if p.id in seen:
                raise ValueError(f"duplicate profile id {p.id}")
            seen.add(p.id)
        ordered = sorted(profiles, key=lambda p: p.id)
        self.weights = weights
        self.profiles: tuple[Profile, ...] = tuple(p for p in ordered if p.consent_profile)
        self.excluded_ids: tuple[int, ...] = tuple(p.id for p in ordered if not p.consent_profile)
        self.ids = np.array([p.id for p in self.profiles], dtype=np.int64)
        self.index: dict[int, int] = {p.id: i for i, p in enumerate(self.profiles)}
        self.n = len(self.profiles)
        self._build_tags()
        self._build_text(embedder)
        self._build_roles_orgs()
        self._jitter = (np.arange(self.n, dtype=np.float32) * np.float32(-1e-9)).reshape(1, -1)

    # ------------------------------------------------------------------ construction
    def _build_tags(self) -> None:
        n = self.n
        # one vocabulary; display label = first spelling seen (in id order)
        self.label: dict[str, str] = {}
        self._tag_order: tuple[list[tuple[str, ...]], ...] | None = None
        self._interests: list[frozenset[str]] = []
        self._offers: list[frozenset[str]] = []
        self._seeks: list[frozenset[str]] = []
        for p in self.profiles:
            sets = []
            for labels in (p.interests, p.offers, p.seeks):
                norm = set()
                for raw in sorted(labels):
                    t = normalize_tag(raw)
                    if t:
                        norm.add(t)
                        self.label.setdefault(t, " ".join(str(raw).split()))
                sets.append(frozenset(norm))
            self._interests.append(sets[0])
            self._offers.append(sets[1])
            self._seeks.append(sets[2])
        vocab = sorted(self.label)
        self.vocab_index = {t: j for j, t in enumerate(vocab)}
        v = len(vocab)

        def incidence(sets: list[frozenset[str]]) -> sp.csr_matrix:
            indptr = [0]
            indices: list[int] = []
            for s in sets:
                indices.extend(sorted(self.vocab_index[t] for t in s))
                indptr.append(len(indices))
            data = np.ones(len(indices), dtype=np.float64)
            return sp.csr_matrix((data, indices, indptr), shape=(n, v))

        inc_i = incidence(self._interests)
        inc_o = incidence(self._offers)
        inc_s = incidence(self._seeks)
        self.idf_interest = _idf(np.asarray(inc_i.sum(axis=0)).ravel(), n)
        self.idf_offer = _idf(np.asarray(inc_o.sum(axis=0)).ravel(), n)
        x = _row_normalize(inc_i.multiply(self.idf_interest[None, :]).tocsr(), l2=True)
        sn = _row_normalize(inc_s.multiply(self.idf_offer[None, :]).tocsr(), l2=False)
        self._x = x.astype(np.float32)
        self._xt = self._x.T.tocsr()
        self._sn = sn.astype(np.float32)
        self._snt = self._sn.T.tocsr()
        self._o = inc_o.astype(np.float32)
        self._ot = self._o.T.tocsr()
        # small vocabularies: dense BLAS products beat sparse ones
        self._dense_tags = v <= 256
        self._dense_cache: dict[int, np.ndarray] = {}

    def _build_text(self, embedder: Embedder | None) -> None:
        # "need" sentences: what the attendee seeks plus their goals for the event;
        # "offer" sentences: what they offer. Text similarity is need-vs-offer, both ways.
        need_sents = [
            split_sentences(p.seek_text) + split_sentences(p.goals, max_sentences=4)
            for p in self.profiles
        ]
        offer_sents = [split_sentences(p.offer_text) for p in self.profiles]
        n_need = sum(map(len, need_sents))
        n_offer = sum(map(len, offer_sents))
        self.embedder_name = ""
        if n_need and n_offer:
            emb = embedder if embedder is not None else default_embedder()
            self.embedder_name = emb.name
            flat = [s for x in need_sents for s in x] + [s for x in offer_sents for s in x]
            e = embed_texts(emb, flat)
        else:
            need_sents = [[] for _ in self.profiles]
            offer_sents = [[] for _ in self.profiles]
            n_need = n_offer = 0
            e = np.zeros((0, 1), dtype=np.float32)
        self._need = _Sentences(need_sents, e[:n_need])
        self._offer = _Sentences(offer_sents, e[n_need : n_need + n_offer])
        self._has_text = bool(n_need and n_offer)
        # availability code per attendee (bit 0: has need text, bit 1: has offer text) and,
        # for every pair of codes, 1 / (number of text directions available)
        self._text_code = (self._need.has * 1 + self._offer.has * 2).astype(np.int64)
        bits = np.array([[(c >> b) & 1 for b in range(2)] for c in range(4)], dtype=np.float32)
        count = bits[:, [0, 1]] @ bits[:, [1, 0]].T
        self._inv_count = np.divide(1.0, count, out=np.zeros_like(count), where=count > 0)
        self._inv_count = self._inv_count.astype(np.float32)

    def _build_roles_orgs(self) -> None:
        roles = sorted({p.role for p in self.profiles})
        self._role_code = np.array([roles.index(p.role) for p in self.profiles], dtype=np.int64)
        self._role_matrix = np.array(
            [[self.weights.role_weight(r1, r2) for r2 in roles] for r1 in roles],
            dtype=np.float64,
        ).reshape(len(roles), len(roles))
        self._role_matrix32 = self._role_matrix.astype(np.float32)
        self._zero_role_pairs = bool(np.any(self._role_matrix <= 0))
        # organization codes; attendees without an organization get a unique negative code
        orgs = sorted({p.organization_id for p in self.profiles if p.organization_id is not None})
        org_index = {o: i for i, o in enumerate(orgs)}
        self._org_code = np.array(
            [
                org_index[p.organization_id] if p.organization_id is not None else -1 - i
                for i, p in enumerate(self.profiles)
            ],
            dtype=np.int64,
        )
        members: dict[int, list[int]] = {}
        for i, code in enumerate(self._org_code.tolist()):
            if code >= 0:
                members.setdefault(code, []).append(i)
        self._org_members = {
            c: np.array(m, dtype=np.int64) for c, m in members.items() if len(m) > 1
        }

    def same_organization(self, i: int, j: int) -> bool:
        """Whether attendee indices ``i`` and ``j`` share an organization."""
        return bool(self._org_code[i] == self._org_code[j])

    # ------------------------------------------------------------------ block scoring
    def block_size(self) -> int:
        """Rows per block so that one (rows x n) block of floats stays around 16 MB."""
        return int(max(1, min(4096, BLOCK_FLOATS // max(self.n, 1))))

    def workspace(self) -> Workspace:
        """Scratch buffers for :meth:`score_rows`, reusable across blocks (one per thread)."""
        return Workspace(self.block_size(), self.n)

    def iter_blocks(self, rows: np.ndarray | None = None) -> Iterable[np.ndarray]:
        rows = np.arange(self.n) if rows is None else np.asarray(rows, dtype=np.int64)
        bs = self.block_size()
        for start in range(0, len(rows), bs):
            yield rows[start : start + bs]

    def _matmul(self, left: sp.csr_matrix, right_t: sp.csr_matrix, rows, out) -> np.ndarray:
        """``left[rows] @ right_t`` into ``out``; dense BLAS for small vocabularies."""
        if self._dense_tags:
            key = id(right_t)
            dense_r = self._dense_cache.get(key)
            if dense_r is None:
                dense_r = self._dense_cache[key] = np.ascontiguousarray(right_t.toarray())
            return np.matmul(left[rows].toarray(), dense_r, out=out)
        out[...] = 0.0
        return (left[rows] @ right_t).toarray(out=out)

    def _flow_rows(self, rows: np.ndarray, left: _Sentences, right: _Sentences, out):
        """``out[r, b]`` = max cosine between a sentence of ``rows[r]`` and one of ``b``."""
        out[...] = 0.0
        if right.owners.size == 0:
            return out
        # chunks of rows so that the sentence-by-sentence matrix stays around 16 MB
        per_row = max(1.0, len(left.text) / max(self.n, 1))
        step = max(1, int(BLOCK_FLOATS / (per_row * max(len(right.text), 1))))
        for start in range(0, len(rows), step):
            chunk = rows[start : start + step]
            sel, with_text, offsets = left.gather(chunk)
            if sel.size == 0:
                continue
            c = left.vec[sel] @ right.vec.T  # (sentences of chunk) x (all right sentences)
            c = np.maximum.reduceat(c, right.starts, axis=1)  # -> per right attendee
            c = np.maximum.reduceat(c, offsets, axis=0)  # -> per row attendee
            out[np.ix_(start + with_text, right.owners)] = c
        return out

    def _tag_rows(self, rows: np.ndarray, ws: Workspace, out: np.ndarray) -> np.ndarray:
        """Weighted interest + reciprocity parts of ``rows`` vs everyone, into ``out``."""
        b = len(rows)
        w = self.weights
        total = w.interest + w.reciprocity + w.text
        if w.interest:
            self._matmul(self._x, self._xt, rows, out)
            out *= np.float32(w.interest / total)
        else:
            out[...] = 0.0
        if w.reciprocity:
            u = self._matmul(self._sn, self._ot, rows, ws.get("u", b))  # need_met
            v = self._matmul(self._o, self._snt, rows, ws.get("v", b))  # need_given
            s = np.add(u, v, out=ws.get("s", b))
            u *= v
            np.maximum(s, np.float32(1e-12), out=v)
            u /= v  # uv / (u + v); uv = 0 where u + v = 0
            phi = w.one_way_floor
            u *= np.float32(2.0 * (1.0 - phi) * w.reciprocity / total)
            s *= np.float32(phi / 2.0 * w.reciprocity / total)
            out += u
            out += s
        return out

    def _uses_text(self) -> bool:
        return bool(self.weights.text) and self._has_text

    def content_rows(self, rows: np.ndarray, ws: Workspace | None = None) -> np.ndarray:
        """Exact content score (before role weight and masks) of ``rows`` vs everyone.

        float32; the result lives in ``ws`` (overwritten by the next call with it).
        """
        rows = np.asarray(rows, dtype=np.int64)
        ws = ws if ws is not None and ws.rows >= len(rows) else Workspace(len(rows), self.n)
        b = len(rows)
        w = self.weights
        total = w.interest + w.reciprocity + w.text
        out = self._tag_rows(rows, ws, ws.get("out", b))
        if self._uses_text():
            tau = w.text_baseline
            txt = self._flow_rows(rows, self._need, self._offer, ws.get("u", b))
            txt += self._flow_rows(rows, self._offer, self._need, ws.get("v", b))
            inv = np.take(
                self._inv_count[self._text_code[rows]], self._text_code, axis=1, out=ws.get("v", b)
            )
            txt *= inv  # sum of available cosines -> mean
            txt -= np.float32(tau)
            np.clip(txt, 0.0, 1.0 - tau, out=txt)
            txt *= np.float32(w.text / (total * (1.0 - tau)))
            out += txt
        return out

    def _mask(self, rows: np.ndarray, scores: np.ndarray, rw: np.ndarray) -> None:
        """Set pairs that may never match to NOT_ALLOWED (self, same org, role weight 0)."""
        if self._zero_role_pairs:
            scores[rw <= 0] = NOT_ALLOWED
        for local, r in enumerate(rows.tolist()):
            same = self._org_members.get(int(self._org_code[r]))
            if same is not None:
                scores[local, same] = NOT_ALLOWED
        scores[np.arange(len(rows)), rows] = NOT_ALLOWED

    def candidate_rows(
        self,
        rows: np.ndarray,
        per_row: int,
        ws: Workspace | None = None,
        extra_mask: Callable[[np.ndarray, np.ndarray], None] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """The ``per_row`` best partners of each of ``rows``, with their exact scores.

        Two stages: exact tag parts plus a cheap text part (cosine of mean-pooled sentence
        vectors) rank everyone; the exact sentence-level text part is then computed for the
        ``per_row`` best of that ranking only. Returns ``(indices, scores)`` of shape
        ``(len(rows), per_row)`` sorted by exact score desc then index; ``-1`` scores mark
        padding / pairs not allowed. ``extra_mask(rows, scores)`` may set more pairs to -1.
        """
        rows = np.asarray(rows, dtype=np.int64)
        ws = ws if ws is not None and ws.rows >= len(rows) else Workspace(len(rows), self.n)
        b = len(rows)
        w = self.weights
        total = w.interest + w.reciprocity + w.text
        per_row = max(1, min(per_row, self.n))
        tag = self._tag_rows(rows, ws, ws.get("out", b))
        rw = np.take(self._role_matrix32[self._role_code[rows]], self._role_code, axis=1)
        if self._uses_text():
            approx = ws.get("a", b)
            txt = np.matmul(self._need.pooled[rows], self._offer.pooled_t, out=ws.get("u", b))
            txt += np.matmul(self._offer.pooled[rows], self._need.pooled_t, out=ws.get("v", b))
            np.clip(txt, 0.0, 2.0, out=txt)
            txt *= np.float32(0.5 * w.text / total)
            np.add(tag, txt, out=approx)
        else:
            approx = ws.get("a", b)
            np.copyto(approx, tag)
        approx *= rw
        self._mask(rows, approx, rw)
        if extra_mask is not None:
            extra_mask(rows, approx)
        allowed_all = approx > NOT_ALLOWED
        # a tiny decreasing tie-breaker (lower index first) keeps argpartition fast on the
        # many equal values; it only affects this approximate ranking
        approx += self._jitter
        part = _top_columns(approx, per_row)
        allowed = np.take_along_axis(allowed_all, part, axis=1)
        exact = np.take_along_axis(tag, part, axis=1)  # tag parts, unweighted by role
        if self._uses_text():
            ai = np.repeat(rows, part.shape[1])
            bi = part.ravel()
            text = self._pair_text(ai, bi).reshape(part.shape)
            exact += (text * (w.text / total)).astype(np.float32)
        exact *= np.take_along_axis(rw, part, axis=1)
        exact[~allowed] = NOT_ALLOWED
        rounded = np.round(exact.astype(np.float64), 6)
        order = np.lexsort((part, -rounded), axis=1)
        return np.take_along_axis(part, order, axis=1), np.take_along_axis(exact, order, axis=1)

    def score_rows(self, rows: np.ndarray, ws: Workspace | None = None) -> np.ndarray:
        """Final scores (float32) of ``rows`` vs all attendees; ``-1`` = pair not allowed.

        Without ``ws`` the result is a fresh array; with ``ws`` it lives in the workspace.
        """
        rows = np.asarray(rows, dtype=np.int64)
        scores = self.content_rows(rows, ws)
        if ws is None:
            scores = scores.copy()
        rw = np.take(self._role_matrix32[self._role_code[rows]], self._role_code, axis=1)
        scores *= rw
        self._mask(rows, scores, rw)
        return scores

    def top_candidates(self, per_attendee: int = 30) -> list[tuple[int, int, float]]:
        """Best partners per attendee as unique pairs ``(a_id, b_id, score)``, a < b."""
        pairs: dict[tuple[int, int], float] = {}
        ws = self.workspace()
        ids = self.ids.tolist()
        for rows in self.iter_blocks():
            scores = self.score_rows(rows, ws)
            for r, row in zip(rows.tolist(), scores, strict=True):
                for j in _top_indices(row, per_attendee).tolist():
                    a, b = (ids[r], ids[j]) if ids[r] < ids[j] else (ids[j], ids[r])
                    pairs[(a, b)] = round(float(row[j]), 6)
        return sorted(((a, b, s) for (a, b), s in pairs.items()), key=lambda t: (-t[2], t[0], t[1]))

    # ------------------------------------------------------------------ pair details
    @staticmethod
    def _pair_flow(
        ai: np.ndarray, bi: np.ndarray, left: _Sentences, right: _Sentences, best: bool = True
    ):
        """Per pair: max cosine of a left sentence of ``ai`` vs a right sentence of ``bi``
        (0 when either has none), the index of the best right sentence (-1 when none; only
        computed with ``best=True``) and whether both sides have sentences.

        Pairs are grouped by ``ai``: one small matrix product per distinct ``ai``.
        """
        value = np.zeros(len(ai), dtype=np.float32)
        best_idx = np.full(len(ai), -1, dtype=np.int64)
        present = left.has[ai] & right.has[bi]
        idx = np.flatnonzero(present)
        if idx.size == 0:
            return value, best_idx, present
        order = idx[np.argsort(ai[idx], kind="stable")]
        a_sorted = ai[order]
        # right sentences of every pair, in pair order (all pairs here have >= 1)
        sel, _with, pair_off = right.gather(bi[order])
        group_start = np.flatnonzero(np.concatenate(([True], a_sorted[1:] != a_sorted[:-1])))
        sent_bounds = np.append(pair_off[group_start], len(sel)).tolist()
        colmax = np.empty(len(sel), dtype=np.float32)
        ptr = left.ptr
        lvec, rvec = left.vec, right.vec
        for g, a in enumerate(a_sorted[group_start].tolist()):
            s0, s1 = sent_bounds[g], sent_bounds[g + 1]
            np.max(lvec[ptr[a] : ptr[a + 1]] @ rvec[sel[s0:s1]].T, axis=0, out=colmax[s0:s1])
        seg_max = np.maximum.reduceat(colmax, pair_off)
        value[order] = seg_max
        if best:
            # first sentence in each pair's segment that reaches the segment's maximum
            seg_id = np.repeat(np.arange(len(pair_off)), np.diff(np.append(pair_off, len(sel))))
            hits = np.flatnonzero(colmax >= seg_max[seg_id])
            first = hits[np.concatenate(([True], seg_id[hits][1:] != seg_id[hits][:-1]))]
            best_idx[order] = sel[first]
        return value, best_idx, present

    def _pair_text(self, ai: np.ndarray, bi: np.ndarray) -> np.ndarray:
        """Exact text part (rescaled, in [0, 1]) for index pairs."""
        f1, _b1, m1 = self._pair_flow(ai, bi, self._need, self._offer, best=False)
        f2, _b2, m2 = self._pair_flow(ai, bi, self._offer, self._need, best=False)
        cnt = m1.astype(np.float32) + m2
        mean = np.divide(f1 + f2, cnt, out=np.zeros_like(f1), where=cnt > 0)
        tau = self.weights.text_baseline
        return np.clip((mean - tau) / (1.0 - tau), 0.0, 1.0)

    def pair_parts(self, ai: np.ndarray, bi: np.ndarray) -> dict[str, np.ndarray]:
        """Score parts (float64 arrays) for index pairs ``(ai[t], bi[t])``, a's point of view.

        Also returns ``quote_offer`` / ``quote_seek``: index of b's best-matching offer / seek
        sentence (``-1`` if none), used for explanations.
        """
        ai = np.asarray(ai, dtype=np.int64)
        bi = np.asarray(bi, dtype=np.int64)
        w = self.weights
        total = w.interest + w.reciprocity + w.text

        def rowdot(m1: sp.csr_matrix, m2: sp.csr_matrix) -> np.ndarray:
            return np.asarray(m1[ai].multiply(m2[bi]).sum(axis=1), dtype=np.float64).ravel()

        interest = rowdot(self._x, self._x)
        u = rowdot(self._sn, self._o)
        v = rowdot(self._o, self._sn)
        s = u + v
        hm = np.divide(2.0 * u * v, s, out=np.zeros_like(s), where=s > 0)
        recip = (1.0 - w.one_way_floor) * hm + w.one_way_floor * s / 2.0
        tau = w.text_baseline

        c1, q_offer, m1 = self._pair_flow(ai, bi, self._need, self._offer)
        c2, q_seek, m2 = self._pair_flow(ai, bi, self._offer, self._need)
        c1, c2 = c1.astype(np.float64), c2.astype(np.float64)
        cnt = m1.astype(np.float64) + m2
        mean = np.divide(c1 + c2, cnt, out=np.zeros_like(cnt), where=cnt > 0)

        def rescale(x: np.ndarray) -> np.ndarray:
            return np.clip((x - tau) / (1.0 - tau), 0.0, 1.0)

        text = rescale(mean) if w.text else np.zeros_like(mean)
        content = (w.interest * interest + w.reciprocity * recip + w.text * text) / total
        role_w = self._role_matrix[self._role_code[ai], self._role_code[bi]]
        same_org = self._org_code[ai] == self._org_code[bi]
        allowed = (~same_org) & (role_w > 0) & (ai != bi)
        score = np.where(allowed, role_w * content, 0.0)
        return {
            "interest": interest,
            "need_met": u,
            "need_given": v,
            "reciprocity": recip,
            "text": text,
            "text_they_offer": rescale(c1) * m1,
            "text_they_seek": rescale(c2) * m2,
            "content": content,
            "role_weight": role_w,
            "score": score,
            "allowed": allowed.astype(np.float64),
            "quote_offer": q_offer,
            "quote_seek": q_seek,
        }

    def _sorted_tags(self) -> tuple[list[tuple[tuple[str, str], ...]], ...]:
        """Per attendee: (tag, label) of interests, offers, seeks, rarest first (cached)."""
        if self._tag_order is None:
            vi, label = self.vocab_index, self.label

            def by_idf(sets: list[frozenset[str]], idf: np.ndarray):
                return [
                    tuple((t, label[t]) for t in sorted(x, key=lambda t: (-idf[vi[t]], t)))
                    for x in sets
                ]

            self._tag_order = (
                by_idf(self._interests, self.idf_interest),
                by_idf(self._offers, self.idf_offer),
                by_idf(self._seeks, self.idf_offer),
            )
        return self._tag_order

    def reasons_batch(
        self,
        ai: Sequence[int],
        bi: Sequence[int],
        parts: dict[str, np.ndarray],
        pinned: Sequence[bool],
    ) -> list[tuple[Reason, ...]]:
        """Reasons for many pairs at once: partner ``bi[t]`` shown to attendee ``ai[t]``.

        ``parts`` are the arrays of :meth:`pair_parts` for the same pairs. Tag reasons list
        up to 3 tags, rarest first; a text reason is given when its part (rescaled cosine)
        is at least ``TEXT_REASON_THRESHOLD`` and quotes the partner's best-matching
        sentence. Reasons are ordered by their contribution to the score.
        """
        w = self.weights
        total = w.interest + w.reciprocity + w.text
        u, v = parts["need_met"], parts["need_given"]
        s = u + v
        recip_unit = np.divide(
            w.reciprocity / total * parts["reciprocity"], s, out=np.zeros_like(s), where=s > 0
        )
        t1, t2 = parts["text_they_offer"], parts["text_they_seek"]
        tsum = t1 + t2
        text_unit = np.divide(
            w.text / total * parts["text"], tsum, out=np.zeros_like(tsum), where=tsum > 0
        )
        c_int = np.round(w.interest / total * parts["interest"], 9).tolist()
        c_off = np.round(recip_unit * u, 9).tolist()
        c_seek = np.round(recip_unit * v, 9).tolist()
        c_t1 = np.round(text_unit * t1, 9).tolist()
        c_t2 = np.round(text_unit * t2, 9).tolist()
        show_t1 = (t1 >= TEXT_REASON_THRESHOLD).tolist()
        show_t2 = (t2 >= TEXT_REASON_THRESHOLD).tolist()
        q_off = parts["quote_offer"].tolist()
        q_seek = parts["quote_seek"].tolist()
        interests, offers, seeks = self._sorted_tags()
        my_int, my_off, my_seek = self._interests, self._offers, self._seeks
        roles = [p.role for p in self.profiles]
        offer_text, need_text = self._offer.text, self._need.text
        out: list[tuple[Reason, ...]] = []
        for t, (i, j) in enumerate(zip(ai, bi, strict=True)):
            content = []
            sj = my_int[j]
            tags = [lab for tag, lab in interests[i] if tag in sj]
            if tags:
                content.append((-c_int[t], 1, "shared_interests", tuple(tags[:3])))
            sj = my_off[j]
            tags = [lab for tag, lab in seeks[i] if tag in sj]
            if tags:
                content.append((-c_off[t], 2, "they_offer", tuple(tags[:3])))
            sj = my_seek[j]
            tags = [lab for tag, lab in offers[i] if tag in sj]
            if tags:
                content.append((-c_seek[t], 3, "they_seek", tuple(tags[:3])))
            if show_t1[t]:
                quote = (_quote(offer_text[q_off[t]]),) if q_off[t] >= 0 else ()
                content.append((-c_t1[t], 4, "text_they_offer", quote))
            if show_t2[t]:
                quote = (_quote(need_text[q_seek[t]]),) if q_seek[t] >= 0 else ()
                content.append((-c_t2[t], 5, "text_they_seek", quote))
            content.sort()
            reasons = [Reason("pinned", (), 1.0)] if pinned[t] else []
            for negw, _o, kind, tags_ in content[:3]:
                reasons.append(Reason(kind, tags_, -negw))
            if roles[i] != roles[j] and roles[j] in ROLE_MESSAGES:
                reasons.append(Reason("partner_role", (roles[j],), 0.0))
            elif not content and not pinned[t]:
                reasons.append(Reason("new_contact", (), 0.0))
            out.append(tuple(reasons))
        return out

    def score_pair(self, a_id: int, b_id: int, pinned: bool = False) -> PairScore:
        """Score, parts and reasons of partner ``b_id`` for attendee ``a_id``."""
        for x in (a_id, b_id):
            if x not in self.index:
                raise KeyError(f"attendee {x} is not in the model (unknown id or no consent)")
        i, j = self.index[a_id], self.index[b_id]
        arr = self.pair_parts(np.array([i]), np.array([j]))
        allowed = bool(arr["allowed"][0])
        score = round(float(arr["score"][0]), 6)
        reasons = self.reasons_batch([i], [j], arr, [pinned])[0] if allowed else ()
        parts = {k: round(float(arr[k][0]), 6) for k in PART_KEYS}
        return PairScore(a_id, b_id, score if allowed else 0.0, parts, reasons, allowed)


def score_pair(
    a: Profile,
    b: Profile,
    population: Iterable[Profile] = (),
    weights: MatchingWeights = MatchingWeights(),
    embedder: Embedder | None = None,
) -> PairScore:
    """Score one pair; IDF statistics come from ``population`` plus ``a`` and ``b``.

    Both profiles are scored even without ``consent_profile`` (the caller asked for them
    explicitly); pass the event's attendees as ``population`` to get the same score as
    :func:`recommend` would use.
    """
    pool = {p.id: p for p in population if p.consent_profile}
    pool[a.id] = replace(a, consent_profile=True)
    pool[b.id] = replace(b, consent_profile=True)
    model = MatchingModel(list(pool.values()), weights=weights, embedder=embedder)
    return model.score_pair(a.id, b.id)


# ---------------------------------------------------------------------------- helpers


def _quote(sentence: str) -> str:
    if len(sentence) <= QUOTE_MAX_CHARS:
        return sentence
    return sentence[: QUOTE_MAX_CHARS - 1].rsplit(" ", 1)[0] + "…"


def _row_normalize(m: sp.csr_matrix, l2: bool) -> sp.csr_matrix:
    m = m.tocsr().astype(np.float64)
    if l2:
        norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    else:
        norms = np.asarray(m.sum(axis=1)).ravel()
    inv = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    return (sp.diags(inv) @ m).tocsr()


def _top_columns(scores: np.ndarray, m: int) -> np.ndarray:
    """Per row, the column indices of the ``m`` largest values (unordered)."""
    n = scores.shape[1]
    if m >= n:
        return np.broadcast_to(np.arange(n), scores.shape).copy()
    return np.argpartition(scores, n - m, axis=1)[:, n - m :]


def _top_indices(row: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` best allowed entries of ``row`` (score desc, index asc)."""
    allowed = np.flatnonzero(row > NOT_ALLOWED)
    if allowed.size == 0 or k <= 0:
        return allowed[:0]
    vals = np.round(row[allowed].astype(np.float64), 6)
    if allowed.size > k:
        # keep everything tied with the k-th best so the final order is by id among ties
        kth = np.partition(-vals, k - 1)[k - 1]
        keep = -vals <= kth
        allowed, vals = allowed[keep], vals[keep]
    order = np.lexsort((allowed, -vals))[:k]
    return allowed[order]
