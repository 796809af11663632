from __future__ import annotations

import json
import logging

import numpy as np
import pytest

from qa.embedding.base import normalize
from qa.errors import QAError
from qa.search.adapter import QueryAdapter, TrainingGroup, load_adapter, save_adapter, train_query_adapter


def _toy_group(rng: np.random.Generator) -> TrainingGroup:
    """Questions point near the WRONG clause (a rotation of the right one); training must learn the map back."""
    clauses = normalize(rng.normal(size=(6, 8)))
    wrong = np.roll(np.arange(6), 1)  # question i looks like clause i+1 but clause i answers it
    queries = normalize(clauses[wrong] + 0.05 * rng.normal(size=(6, 8)))
    positives = np.eye(6, dtype=bool)
    return TrainingGroup(queries, clauses, clauses.copy(), np.arange(6), positives)


def _top1(matrix: np.ndarray, group: TrainingGroup) -> float:
    adapted = normalize(group.queries @ matrix.T)
    return float(np.mean(np.argmax(adapted @ group.clauses.T, axis=1) == np.arange(6)))


def test_training_learns_to_map_questions_to_their_clauses():
    rng = np.random.default_rng(0)
    groups = [_toy_group(rng) for _ in range(4)]
    assert _top1(np.eye(8), groups[0]) == 0.0
    matrix = train_query_adapter(groups, epochs=60, learning_rate=0.02, batch_size=8)
    assert matrix.shape == (8, 8) and matrix.dtype == np.float32
    assert all(_top1(matrix, g) == 1.0 for g in groups)
    # deterministic for a seed
    np.testing.assert_array_equal(matrix, train_query_adapter(groups, epochs=60, learning_rate=0.02, batch_size=8))


def test_identity_adapter_changes_nothing():
    vectors = normalize(np.random.default_rng(1).normal(size=(3, 4)))
    np.testing.assert_allclose(QueryAdapter(np.eye(4, dtype=np.float32), "f").apply(vectors), vectors, rtol=1e-6)


def test_save_and_load_round_trip(tmp_path):
    adapter = QueryAdapter(np.arange(16, dtype=np.float32).reshape(4, 4), "fp", "toy")
    path = tmp_path / "a.npy"
    save_adapter(adapter, path)
    loaded = load_adapter(path, base_fingerprint="fp", dimension=4)
    assert loaded is not None
    np.testing.assert_array_equal(loaded.matrix, adapter.matrix)
    assert json.loads(path.with_suffix(".json").read_text())["trained_on"] == "toy"


def test_adapter_for_another_model_is_not_used(tmp_path, caplog):
    path = tmp_path / "a.npy"
    save_adapter(QueryAdapter(np.eye(4, dtype=np.float32), "fp"), path)
    with caplog.at_level(logging.WARNING, logger="qa"):
        assert load_adapter(path, base_fingerprint="other", dimension=4) is None
        assert load_adapter(path, base_fingerprint="fp", dimension=8) is None
    assert "trained for another model" in caplog.text
    assert load_adapter(tmp_path / "missing.npy", base_fingerprint="fp", dimension=4) is None


def test_unreadable_adapter_is_a_project_error(tmp_path):
    path = tmp_path / "a.npy"
    path.write_bytes(b"not numpy")
    path.with_suffix(".json").write_text("{}")
    with pytest.raises(QAError, match="POLICYQA_USE_ADAPTER=0"):
        load_adapter(path, base_fingerprint="fp", dimension=4)


def test_shipped_adapter_matches_the_shipped_model():
    from qa.embedding.model_files import model_fingerprint, resolve_model_path
    from qa.settings import Settings

    settings = Settings()
    sidecar = json.loads(settings.adapter_path.with_suffix(".json").read_text())
    assert sidecar["base_fingerprint"] == model_fingerprint(resolve_model_path(settings.model))
    assert np.load(settings.adapter_path, allow_pickle=False).shape == (384, 384)
