"""Shared fixtures: the shipped policy, a deterministic fake embedder, the real model."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from hypothesis import settings as hypothesis_settings
from hypothesis.configuration import set_hypothesis_home_dir

from qa.embedding.base import normalize
from qa.library.names import locate
from qa.read.documents import load_policy
from qa.settings import DEFAULT_MODEL, ROOT, SHIPPED_INDEX, SHIPPED_POLICY, Settings
from qa.store.build import PolicyFiles
from qa.types import Embedded, Policy
from qa.web.process import free_port

POLICY_PATH = SHIPPED_POLICY
# subtle: hypothesis would keep its example database and caches in .hypothesis/ of the working folder.
set_hypothesis_home_dir(Path(tempfile.mkdtemp(prefix="policyqa-hypothesis-")))
hypothesis_settings.register_profile("policyqa", database=None)
hypothesis_settings.load_profile("policyqa")
DATA = Path(__file__).parent / "data"
__all__ = ["SHIPPED_INDEX"]


def killed_at(step: str, script: str, args: list[str], env: dict[str, str]) -> list[str]:
    """Run the Python `script` with `args` in the checkout, SIGKILL it as soon as it prints `step` on a
    line of its own, and return the lines it printed; fails unless it reached `step`."""
    child = subprocess.Popen(
        [sys.executable, "-c", script, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    seen: list[str] = []
    try:
        assert child.stdout is not None
        for line in child.stdout:
            seen.append(line.strip())
            if seen[-1] == step:
                child.send_signal(signal.SIGKILL)
                break
    finally:
        child.kill()
        child.wait(timeout=60)
    assert seen and seen[-1] == step, seen
    return seen


def files_of(settings: Settings) -> PolicyFiles:
    """Where the default policy of `settings` lives (`qa.library.names.locate`)."""
    return locate(None, settings)


def store_dir(settings: Settings) -> Path:
    """The folder of the default policy's store."""
    return files_of(settings).index_dir


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One exported ONNX model for the whole run."""
    return tmp_path_factory.mktemp("models")


def _point_home_at(base: Path, models: Path, setenv) -> None:  # noqa: ANN001 - monkeypatch.setenv
    """Make `base` the user's data folder (XDG_DATA_HOME, so `Settings()` writes there too) and
    `base/policyqa` policyqa's home; one model cache."""
    setenv("XDG_DATA_HOME", str(base))
    setenv("POLICYQA_HOME", str(base / "policyqa"))
    setenv("POLICYQA_MODEL_CACHE_DIR", str(models))


@pytest.fixture(scope="session", autouse=True)
def session_home(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> Iterator[None]:
    """Nothing a test run does writes into the checkout or the user's home, session fixtures included;
    no POLICYQA_* setting of the shell leaks in; hypothesis keeps no example database."""
    with pytest.MonkeyPatch.context() as patch:
        for name in [name for name in os.environ if name.startswith("POLICYQA_")]:
            patch.delenv(name)
        _point_home_at(tmp_path_factory.mktemp("session-data"), model_cache, patch.setenv)
        yield


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory, model_cache: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test, and every process it starts, has a data folder of its own."""
    base = tmp_path_factory.mktemp("data")
    _point_home_at(base, model_cache, monkeypatch.setenv)
    return base / "policyqa"


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
    """Settings over a copy of the shipped policy named "policy", everything written under tmp_path:
    its store in tmp_path/index/policy, added policies in tmp_path/home/policies. No adapter and no
    reader: both were fitted on the real model's vectors, not the fake's."""
    policy_path = tmp_path / "policy.html"
    shutil.copyfile(POLICY_PATH, policy_path)
    return Settings(
        home=tmp_path / "home",
        policy_path=policy_path,
        index_dir=tmp_path / "index",
        use_adapter=False,
        use_reader=False,
    )


@pytest.fixture(scope="session")
def real_embedder(model_cache: Path):
    """The embedder users get: the shipped model on the ONNX backend (exported once per run)."""
    from qa.embedding.factory import load_onnx_embedder

    return load_onnx_embedder(DEFAULT_MODEL, cache_dir=model_cache, threads=1)


@pytest.fixture(scope="session")
def torch_embedder():
    """The same model run by sentence-transformers (torch): what builds stores."""
    from qa.embedding.torch_model import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder()


@pytest.fixture(scope="session")
def real_index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the shipped index, so tests never write into the repository."""
    target = tmp_path_factory.mktemp("index") / "alibaba-2015"
    shutil.copytree(SHIPPED_INDEX, target)
    return target


@pytest.fixture(scope="session")
def real_settings(tmp_path_factory: pytest.TempPathFactory, real_index_dir: Path, model_cache: Path) -> Settings:
    """The shipped policy and index, both copied to tmp (policies added by a test land there too)."""
    policy_path = tmp_path_factory.mktemp("policies") / POLICY_PATH.name
    shutil.copyfile(POLICY_PATH, policy_path)
    home = tmp_path_factory.mktemp("real-home")
    return Settings(home=home, policy_path=policy_path, index_dir=real_index_dir.parent, model_cache_dir=model_cache)


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
