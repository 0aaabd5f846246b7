"""Offline sentence embeddings for the free-text part of the score.

Public API
----------
``Embedder``                 protocol: ``name: str`` and ``embed(texts) -> np.ndarray``
                             returning one row per text (any float dtype, any width).
``WordLlamaEmbedder(dim=128)`` the default: the ``wordllama`` package's bundled
                             ``l2_supercat`` model, loaded from the package folder with
                             downloads disabled (it never touches the network).
``HashedNgramEmbedder(dim=512)`` fallback: TF-IDF over hashed character n-grams and words,
                             fitted on the batch it is given. Pure numpy/scipy, deterministic.
``default_embedder()``       WordLlamaEmbedder if wordllama is importable and its files are
                             present, else HashedNgramEmbedder (logged once).
``embed_texts(embedder, texts)`` batch helper used by the engine: embeds each distinct
                             non-empty text once, L2-normalises rows, returns float32 with
                             zero rows for empty texts.

Embeddings are computed once per attendee text (in one batch per event), never per pair.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

log = logging.getLogger(__name__)


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into vectors whose cosine similarity reflects meaning."""

    name: str

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Return an array of shape (len(texts), d); rows need not be normalised."""
        ...


# --------------------------------------------------------------------------- wordllama

_WL_LOCK = threading.Lock()
_WL_MODELS: dict[int, object] = {}


def _import_wordllama_quietly():
    """Import wordllama without letting it reconfigure the root logger.

    wordllama calls ``logging.basicConfig(level=INFO)`` at import time; inside a web app
    that would add a stderr handler to the root logger. We undo exactly that.
    """
    root = logging.getLogger()
    handlers_before = list(root.handlers)
    level_before = root.level
    import wordllama

    for h in list(root.handlers):
        if h not in handlers_before:
            root.removeHandler(h)
    root.setLevel(level_before)
    return wordllama


def wordllama_package_dir() -> Path:
    """Folder of the installed wordllama package (holds weights/ and tokenizers/)."""
    wordllama = _import_wordllama_quietly()
    return Path(wordllama.__file__).resolve().parent


def _load_wordllama(dim: int):
    with _WL_LOCK:
        model = _WL_MODELS.get(dim)
        if model is None:
            wordllama = _import_wordllama_quietly()
            pkg = Path(wordllama.__file__).resolve().parent
            # The package ships weights/l2_supercat_256.safetensors and
            # tokenizers/l2_supercat_tokenizer_config.json. WordLlama.load() without
            # cache_dir looks for the tokenizer in a folder that does not exist and would
            # try to download it; pointing cache_dir at the package folder makes both files
            # resolve locally, and disable_download=True turns any miss into an error.
            model = wordllama.WordLlama.load(
                config="l2_supercat",
                cache_dir=pkg,
                dim=256,
                trunc_dim=None if dim == 256 else dim,
                disable_download=True,
            )
            _WL_MODELS[dim] = model
        return model


class WordLlamaEmbedder:
    """Embeddings from the ``wordllama`` package's bundled model (offline, numpy only)."""

    def __init__(self, dim: int = 128, batch_size: int = 256) -> None:
        if dim not in (64, 128, 256):
            raise ValueError("dim must be 64, 128 or 256")
        self.dim = dim
        self.batch_size = batch_size
        self.name = f"wordllama-l2_supercat-{dim}"

    def load(self) -> WordLlamaEmbedder:
        """Load the model now (otherwise it is loaded on first use). Returns self."""
        _load_wordllama(self.dim)
        return self

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        model = _load_wordllama(self.dim)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = model.embed(list(texts), norm=False, batch_size=self.batch_size)
        return np.asarray(out, dtype=np.float32)


# ------------------------------------------------------------------ hashed n-gram TF-IDF

_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "can",
        "for",
        "from",
        "has",
        "have",
        "i",
        "in",
        "is",
        "it",
        "its",
        "me",
        "my",
        "of",
        "on",
        "or",
        "our",
        "so",
        "that",
        "the",
        "their",
        "them",
        "they",
        "this",
        "to",
        "us",
        "was",
        "we",
        "were",
        "will",
        "with",
        "you",
        "your",
        "who",
        "what",
        "which",
        "would",
        "like",
        "looking",
        "look",
        "want",
        "offer",
        "offering",
        "seek",
        "seeking",
        "interested",
    ]
)
_WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)


class HashedNgramEmbedder:
    """TF-IDF over hashed character n-grams (3..5) and words, fitted on each batch.

    Weak on synonyms but robust to spelling variants; used when wordllama is missing and in
    fast unit tests. Deterministic (crc32 hashing, no Python ``hash()``).
    """

    def __init__(self, dim: int = 512, ngram_range: tuple[int, int] = (3, 5)) -> None:
        self.dim = dim
        self.ngram_range = ngram_range
        self.name = f"hashed-ngram-tfidf-{dim}"
        self._word_cache: dict[str, tuple[tuple[int, float], ...]] = {}

    def _word_features(self, word: str) -> tuple[tuple[int, float], ...]:
        feats = self._word_cache.get(word)
        if feats is None:
            grams = [f"w:{word}"]
            padded = f"<{word}>"
            lo, hi = self.ngram_range
            for n in range(lo, hi + 1):
                grams.extend(padded[i : i + n] for i in range(max(1, len(padded) - n + 1)))
            out = []
            for g in grams:
                h = zlib.crc32(g.encode("utf-8"))
                out.append((h % self.dim, 1.0 if (h >> 31) & 1 else -1.0))
            feats = tuple(out)
            if len(self._word_cache) < 200_000:
                self._word_cache[word] = feats
        return feats

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        n = len(texts)
        out = np.zeros((n, self.dim), dtype=np.float32)
        if n == 0:
            return out
        # term counts per text over signed hashed features
        rows: list[dict[int, float]] = []
        df = np.zeros(self.dim, dtype=np.float64)
        for text in texts:
            counts: dict[int, float] = {}
            for word in _WORD_RE.findall(text.casefold()):
                if word in _STOPWORDS:
                    continue
                for bucket, sign in self._word_features(word):
                    counts[bucket] = counts.get(bucket, 0.0) + sign
            rows.append(counts)
            for bucket in counts:
                df[bucket] += 1.0
        idf = np.log((1.0 + n) / (1.0 + df)) + 1.0
        for i, counts in enumerate(rows):
            for bucket, c in counts.items():
                if c:
                    out[i, bucket] = math.copysign(1.0 + math.log(abs(c)), c) * idf[bucket]
        return out


# ------------------------------------------------------------------------------ helpers

_DEFAULT_LOCK = threading.Lock()
_DEFAULT: list[Embedder] = []


def default_embedder() -> Embedder:
    """WordLlamaEmbedder when usable offline, else HashedNgramEmbedder (decided once)."""
    with _DEFAULT_LOCK:
        if not _DEFAULT:
            try:
                _DEFAULT.append(WordLlamaEmbedder().load())
            except Exception as exc:  # ImportError, FileNotFoundError, broken install...
                log.warning("wordllama unavailable (%s); using hashed n-gram TF-IDF", exc)
                _DEFAULT.append(HashedNgramEmbedder())
        return _DEFAULT[0]


def embed_texts(embedder: Embedder, texts: Sequence[str]) -> np.ndarray:
    """Embed ``texts`` in one batch: distinct non-empty texts once, rows L2-normalised.

    Empty (or whitespace-only) texts get a zero row, so their cosine with anything is 0.
    """
    cleaned = [" ".join(t.split()) if t else "" for t in texts]
    distinct = sorted({t for t in cleaned if t})
    if not distinct:
        return np.zeros((len(texts), 1), dtype=np.float32)
    vecs = np.asarray(embedder.embed(distinct), dtype=np.float32)
    if vecs.ndim != 2 or vecs.shape[0] != len(distinct):
        raise ValueError(f"embedder {embedder.name!r} returned shape {vecs.shape}")
    norms = np.linalg.norm(vecs, axis=1, keepdims=True)
    vecs = np.divide(vecs, norms, out=np.zeros_like(vecs), where=norms > 0)
    index = {t: i for i, t in enumerate(distinct)}
    out = np.zeros((len(texts), vecs.shape[1]), dtype=np.float32)
    for row, t in enumerate(cleaned):
        if t:
            out[row] = vecs[index[t]]
    return out
