"""Shared fixtures: the shipped policy, a deterministic fake embedder, the real model."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from qa.embedding.base import normalize
from qa.read.documents import load_policy
from qa.settings import ROOT, Settings
from qa.types import Embedded, Policy
from qa.web.process import free_port

POLICY_PATH = ROOT / "policies" / "alibaba-2015.html"
SHIPPED_INDEX = ROOT / "index" / "alibaba-2015"
DATA = Path(__file__).parent / "data"


class KeywordEmbedder:
    """A deterministic fake: one dimension per keyword, counts of each, unit length.

    "bank cookies bank" -> counts [bank=2, cookies=1, ...] -> normalised. The last
    dimension is a constant 0.1 so no text maps to the zero vector.
    """

    VOCABULARY = (
        "bank",
        "account",
        "cookie",
        "cookies",
        "password",
        "minors",
        "banks",
        "share",
        "disclose",
        "registration",
        "email",
        "security",
        "changes",
        "feedback",
        "address",
        "browser",
        "information",
    )

    def __init__(self) -> None:
        self.name = "keyword-fake"
        self.dimension = len(self.VOCABULARY) + 1
        self.fingerprint = "keyword-fake-v1"
        self.calls = 0

    def _embed(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        rows = []
        for text in texts:
            words = re.findall(r"[a-z]+", text.lower())
            rows.append([words.count(v) for v in self.VOCABULARY] + [0.1])
        return normalize(np.array(rows, dtype=np.float32).reshape(len(texts), self.dimension))

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._embed(texts)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._embed(texts)

    def embed_with_words(self, texts: list[str]) -> list[Embedded]:
        """Each text's vector, and each of its words embedded on its own (no context)."""
        vectors = self._embed(texts)
        embedded = []
        for text, vector in zip(texts, vectors, strict=True):
            words = tuple(re.findall(r"[a-z]+", text.lower()))
            word_vectors = self._embed(list(words)) if words else np.zeros((0, self.dimension), dtype=np.float32)
            embedded.append(Embedded(vector, words, word_vectors))
        return embedded


def looked_up(scores, nearest):  # noqa: ANN001, ANN201 - a test stand-in
    """A `Store.nearest_words` stand-in answering `scores` (m, k) and `nearest` (m lists of k words),
    and the list of (rows asked about, k) it records: row i of the vectors it gets is `np.eye(...)[j]`."""
    seen = []

    def nearest_words(vectors, k):  # noqa: ANN001, ANN202
        seen.append((vectors.argmax(axis=1).tolist(), k))
        return np.array(scores, dtype=np.float32)[:, :k], [row[:k] for row in nearest]

    return nearest_words, seen


@pytest.fixture(scope="session")
def policy() -> Policy:
    return load_policy(POLICY_PATH)


@pytest.fixture
def fake_embedder() -> KeywordEmbedder:
    return KeywordEmbedder()


@pytest.fixture
def fake_settings(tmp_path: Path) -> Settings:
    """Settings whose index lives under tmp_path, with the shipped policy copied there too."""
    policy_path = tmp_path / "policy.html"
    shutil.copyfile(POLICY_PATH, policy_path)
    return Settings(policy_path=policy_path, index_dir=tmp_path / "index" / "policy", use_adapter=False)


@pytest.fixture(scope="session")
def real_embedder():
    from qa.embedding.torch_model import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder()


@pytest.fixture(scope="session")
def real_index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the shipped index, so tests never write into the repository."""
    target = tmp_path_factory.mktemp("index") / "alibaba-2015"
    shutil.copytree(SHIPPED_INDEX, target)
    return target


@pytest.fixture(scope="session")
def real_settings(tmp_path_factory: pytest.TempPathFactory, real_index_dir: Path) -> Settings:
    """The shipped policy and index, both copied to tmp (policies added by a test land there too)."""
    policy_path = tmp_path_factory.mktemp("policies") / POLICY_PATH.name
    shutil.copyfile(POLICY_PATH, policy_path)
    return Settings(policy_path=policy_path, index_dir=real_index_dir)


@pytest.fixture(scope="session")
def real_qa(real_embedder, real_settings):
    from qa.answer import PolicyQA

    return PolicyQA.load(settings=real_settings, embedder=real_embedder)


@contextmanager
def serving(catalog) -> Iterator[str]:  # noqa: ANN001 - a qa.catalog.Catalog
    """The Gradio app over `catalog`, in this process on a free 127.0.0.1 port; yields its URL."""
    from qa.web import app

    demo = app.build_app(catalog)
    port = free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, **app.launch_options())
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        demo.close()
