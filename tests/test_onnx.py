"""The ONNX backend: the same model as torch (same vectors, same fingerprint), exported on demand,
and a cold `policyqa ask` that never imports torch."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from qa.embedding.factory import create_embedder, load_onnx_embedder
from qa.embedding.model_files import cached_fingerprint, model_fingerprint, resolve_model_path
from qa.embedding.onnx_export import MIN_COSINE, onnx_path
from qa.embedding.onnx_model import OnnxEmbedder
from qa.errors import SettingsError
from qa.settings import DEFAULT_MODEL, ROOT, Settings
from tests.conftest import DATA, SHIPPED_INDEX

HEAVY = ("torch", "sentence_transformers", "transformers", "gradio", "nltk", "sklearn", "scipy.stats")


@pytest.fixture(scope="module")
def onnx_cache(tmp_path_factory) -> Path:
    """A model cache holding a fresh export (made lazily, as on first use)."""
    cache = tmp_path_factory.mktemp("models")
    load_onnx_embedder(DEFAULT_MODEL, cache_dir=cache)
    return cache


@pytest.fixture(scope="module")
def onnx_embedder(onnx_cache) -> OnnxEmbedder:
    return load_onnx_embedder(DEFAULT_MODEL, cache_dir=onnx_cache)


def policy_sentences(count: int = 40) -> list[str]:
    rows = [json.loads(line) for line in (DATA / "alibaba-sentences.jsonl").read_text(encoding="utf-8").splitlines()]
    return [row["text"] for row in rows[:count]]


@pytest.mark.model
def test_onnx_embeddings_match_torch(onnx_embedder, torch_embedder):
    texts = [*policy_sentences(), "Who can see my bank details?", "cookies", "Ünïcödé 🍪 日本語", "word " * 600]
    for embed in ("embed_passages", "embed_queries"):
        ours, theirs = getattr(onnx_embedder, embed)(texts), getattr(torch_embedder, embed)(texts)
        assert ours.shape == theirs.shape == (len(texts), 384) and ours.dtype == np.float32
        np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, rtol=1e-5)
        assert np.min(np.sum(ours * theirs, axis=1)) >= MIN_COSINE
    # One at a time (no padding) gives the same vectors as a padded batch.
    single = np.concatenate([onnx_embedder.embed_queries([t]) for t in texts[:5]])
    assert np.min(np.sum(single * onnx_embedder.embed_queries(texts[:5]), axis=1)) >= 0.99999
    assert onnx_embedder.embed_queries([]).shape == (0, 384)


@pytest.mark.model
def test_onnx_word_vectors_match_torch(onnx_embedder, torch_embedder):
    texts = [*policy_sentences(8), "Do you collect fingerprints?", "Ünïcödé 🍪 日本語", "word " * 600]
    ours, theirs = onnx_embedder.embed_with_words(texts), torch_embedder.embed_with_words(texts)
    np.testing.assert_allclose(np.stack([e.vector for e in ours]), onnx_embedder.embed_queries(texts), atol=1e-6)
    for a, b in zip(ours, theirs, strict=True):
        assert a.words == b.words and a.word_vectors.shape == (len(a.words), 384)
        assert np.min(np.sum(a.word_vectors * b.word_vectors, axis=1)) >= MIN_COSINE
    assert ours[-3].words == ("do", "you", "collect", "fingerprints", "?")


@pytest.mark.model
def test_onnx_is_the_same_model_to_stores_and_adapters(onnx_embedder, torch_embedder):
    assert onnx_embedder.fingerprint == torch_embedder.fingerprint
    assert (onnx_embedder.name, onnx_embedder.dimension) == (torch_embedder.name, torch_embedder.dimension)
    manifest = json.loads((SHIPPED_INDEX / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["model_fingerprint"] == onnx_embedder.fingerprint


@pytest.mark.model
def test_export_leaves_one_file_and_is_remade_when_damaged(onnx_cache, tmp_path, caplog):
    exported = onnx_path(onnx_cache, cached_fingerprint(resolve_model_path(DEFAULT_MODEL), onnx_cache))
    assert exported.stat().st_size > 50_000_000
    assert not [p for p in onnx_cache.iterdir() if p.name.startswith(".")]  # no half-written files left
    cache = tmp_path / "models"
    cache.mkdir()
    damaged = onnx_path(cache, exported.stem)
    damaged.write_bytes(b"not an onnx model")
    with caplog.at_level(logging.WARNING, logger="qa"):
        embedder = load_onnx_embedder(DEFAULT_MODEL, cache_dir=cache)
    assert "exporting the model again" in caplog.text
    assert damaged.stat().st_size == exported.stat().st_size
    assert embedder.embed_queries(["cookies"]).shape == (1, 384)


def test_fingerprint_is_remembered_until_the_weights_change(tmp_path):
    model = tmp_path / "model"
    model.mkdir()
    (model / "model.safetensors").write_bytes(b"weights v1")
    cache = tmp_path / "cache"
    first = cached_fingerprint(model, cache)
    assert first == model_fingerprint(model) and len(list(cache.glob("fingerprint-*.txt"))) == 1
    memo = next(cache.glob("fingerprint-*.txt"))
    memo.write_text("f" * 64 + "\n")  # what is remembered is used without re-hashing
    assert cached_fingerprint(model, cache) == "f" * 64
    (model / "model.safetensors").write_bytes(b"weights version 2")  # new size: hashed again
    assert cached_fingerprint(model, cache) == model_fingerprint(model) != first
    assert cached_fingerprint(model, None) == model_fingerprint(model)


def test_backend_is_one_setting():
    assert Settings().backend == "onnx"
    assert Settings.from_env({"POLICYQA_BACKEND": "torch"}).backend == "torch"
    with pytest.raises(SettingsError, match="POLICYQA_BACKEND"):
        create_embedder(Settings(backend="tensorflow"))


@pytest.mark.model
def test_cold_ask_answers_without_importing_torch(onnx_cache, tmp_path):
    script = (
        "import json, sys\n"
        "from qa.cli import main\n"
        "status = main(['ask', 'Who can see my bank details?', '--json', '-k', '3'])\n"
        f"print(json.dumps({{'status': status, 'heavy': [m for m in {HEAVY!r} if m in sys.modules]}}))\n"
    )
    env = dict(os.environ, POLICYQA_MODEL_CACHE_DIR=str(onnx_cache))  # the shipped index, a fresh export
    env.pop("POLICYQA_BACKEND", None)
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120
    )
    assert result.returncode == 0, result.stderr
    answer_text, _, report_text = result.stdout.rpartition("\n{")
    report = json.loads("{" + report_text)
    assert report == {"status": 0, "heavy": []}
    answer = json.loads(answer_text)
    assert [hit["rank"] for hit in answer["hits"]] == [1, 2, 3]
    assert {"C.6", "C.4"} & {hit["clause_id"] for hit in answer["hits"]}
    assert "building it now" not in result.stderr  # the committed index is valid for the onnx backend
