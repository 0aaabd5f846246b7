"""The wordllama embedder loads offline from the installed package and measures meaning."""

from __future__ import annotations

import logging
import socket

import numpy as np
import pytest

pytest.importorskip("wordllama", reason="wordllama is a runtime dependency of eventnet")

from eventnet.core.matching import (
    HashedNgramEmbedder,
    WordLlamaEmbedder,
    default_embedder,
    embed_texts,
)
from eventnet.core.matching import text as text_module


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a network connection fails the test."""

    def deny(*_args, **_kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", deny)
    monkeypatch.setattr(socket.socket, "connect_ex", deny)
    monkeypatch.setattr(socket, "create_connection", deny)
    monkeypatch.setattr(socket, "getaddrinfo", deny)


def test_wordllama_loads_offline_and_measures_meaning(no_network, monkeypatch):
    # force a fresh load under the network block, and keep the root logger untouched
    monkeypatch.setattr(text_module, "_WL_MODELS", {})
    root = logging.getLogger()
    handlers_before, level_before = list(root.handlers), root.level
    emb = WordLlamaEmbedder().load()
    assert list(root.handlers) == handlers_before
    assert root.level == level_before

    vecs = embed_texts(
        emb,
        [
            "research collaboration on machine learning",
            "data science internship",
            "I like to bake sourdough bread on weekends",
        ],
    )
    related = float(vecs[0] @ vecs[1])
    unrelated = float(vecs[0] @ vecs[2])
    assert related > 0.15, related
    assert unrelated < related - 0.1, (related, unrelated)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)


def test_wordllama_files_come_from_the_package_folder():
    pkg = text_module.wordllama_package_dir()
    assert (pkg / "weights" / "l2_supercat_256.safetensors").is_file()
    assert (pkg / "tokenizers" / "l2_supercat_tokenizer_config.json").is_file()


def test_default_embedder_prefers_wordllama():
    assert default_embedder().name.startswith("wordllama")


def test_default_embedder_falls_back_when_wordllama_is_unusable(monkeypatch):
    def broken(_dim):
        raise FileNotFoundError("weights missing")

    monkeypatch.setattr(text_module, "_load_wordllama", broken)
    monkeypatch.setattr(text_module, "_DEFAULT", [])
    assert isinstance(default_embedder(), HashedNgramEmbedder)
