"""The store's FAISS layer at size: the index is chosen by row count, and the approximate one
finds the exact top 10 (a numpy reference) on sentence-like vectors. No timing here: bench/scale.py."""

from __future__ import annotations

import faiss
import numpy as np
import pytest

from qa.store.vectors import FLAT_MAX_ROWS, build_vector_index, index_kind, ivf_lists, ivf_probes, search_vectors
from tests.conftest import SHIPPED_INDEX


@pytest.fixture(scope="module")
def real_vectors() -> np.ndarray:
    """The shipped policy's sentence and clause embeddings: (128, 384) real unit vectors."""
    rows = []
    for name in ("index.faiss", "clauses.faiss"):
        index = faiss.read_index(str(SHIPPED_INDEX / name))
        rows.append(index.reconstruct_n(0, index.ntotal))
    return np.concatenate(rows)


def sentence_like(real: np.ndarray, n: int, seed: int) -> np.ndarray:
    """n unit vectors: a real embedding blended with another, plus noise shaped like the real ones' spread."""
    rng = np.random.default_rng(seed)
    _, spread, axes = np.linalg.svd(real - real.mean(axis=0), full_matrices=False)
    root = (axes.T * (spread / np.sqrt(len(real)))).astype(np.float32)
    a, b = rng.integers(0, len(real), (2, n))
    blend = rng.uniform(0, 0.5, (n, 1)).astype(np.float32)
    noise = rng.uniform(0.3, 0.8, (n, 1)).astype(np.float32) * (rng.standard_normal((n, len(spread))) @ root.T)
    vectors = (1 - blend) * real[a] + blend * real[b] + noise
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def exact_top(vectors: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    """The reference: row ids of the k largest inner products per query, by numpy argsort."""
    return np.argsort(-(queries @ vectors.T), axis=1, kind="stable")[:, :k]


def recall_at(found: np.ndarray, truth: np.ndarray) -> float:
    """Mean share of each query's true top k that was found.

    Worked: truth [[1, 2]], found [[2, 9]] -> 1 of 2 -> 0.5.
    """
    return float(np.mean([len(set(f) & set(t)) / len(t) for f, t in zip(found, truth, strict=True)]))


def test_recall_at_by_hand():
    assert recall_at(np.array([[2, 9]]), np.array([[1, 2]])) == 0.5


@pytest.mark.parametrize(
    ("rows", "kind"), [(1, "flat"), (84, "flat"), (FLAT_MAX_ROWS, "flat"), (FLAT_MAX_ROWS + 1, "ivf-sq8")]
)
def test_index_kind_by_size(rows, kind):
    assert index_kind(rows) == kind


def test_list_and_probe_counts_grow_with_size():
    assert [ivf_lists(n) for n in (20_000, 100_000, 1_000_000)] == [256, 512, 2048]
    assert all(1 <= ivf_probes(lists) <= lists for lists in (16, 256, 2048, 1 << 16))


def test_small_store_is_exact_and_matches_numpy(real_vectors):
    queries = sentence_like(real_vectors, 20, seed=1)
    index = build_vector_index(real_vectors)
    assert isinstance(index, faiss.IndexFlatIP)
    threads = faiss.omp_get_max_threads()
    assert search_vectors(index, queries[0], 10)[1].shape == (1, 10)  # one query: searched on one thread
    assert faiss.omp_get_max_threads() == threads  # and the thread count is restored
    scores, rows = search_vectors(index, queries, 10)
    exact = queries @ real_vectors.T
    # subtle: some sentences are their whole clause, so equal vectors tie; compare scores, not ids.
    expected = np.take_along_axis(exact, exact_top(real_vectors, queries, 10), axis=1)
    np.testing.assert_allclose(scores, expected, atol=1e-5)
    np.testing.assert_allclose(scores, np.take_along_axis(exact, rows, axis=1), atol=1e-5)


@pytest.fixture(scope="module")
def large(real_vectors):
    """20,000 sentence-like vectors in the approximate index (the threshold lowered to reach that path)."""
    vectors = sentence_like(real_vectors, 20_000, seed=0)
    return vectors, build_vector_index(vectors, flat_max_rows=5_000)


def test_large_store_is_compressed_ivf_with_high_recall(large, real_vectors):
    vectors, index = large
    assert isinstance(index, faiss.IndexIVFScalarQuantizer)
    assert (index.ntotal, index.nlist, index.nprobe) == (20_000, ivf_lists(20_000), ivf_probes(ivf_lists(20_000)))
    # Compressed: one byte a dimension (plus ids and centroids), a quarter of the flat index.
    assert faiss.serialize_index(index).nbytes < vectors.nbytes / 3
    queries = sentence_like(real_vectors, 200, seed=7)
    _, rows = search_vectors(index, queries, 10)
    assert recall_at(rows, exact_top(vectors, queries, 10)) >= 0.95


def test_ivf_is_deterministic_and_survives_serialisation(large, real_vectors):
    vectors, index = large
    again = build_vector_index(vectors, flat_max_rows=5_000)
    assert faiss.serialize_index(again).tobytes() == faiss.serialize_index(index).tobytes()
    loaded = faiss.deserialize_index(faiss.serialize_index(index))
    assert loaded.nprobe == index.nprobe
    queries = sentence_like(real_vectors, 5, seed=3)
    for a, b in zip(search_vectors(loaded, queries, 10), search_vectors(index, queries, 10), strict=True):
        np.testing.assert_array_equal(a, b)


def test_rows_not_found_are_minus_one_with_minus_infinity(large, real_vectors):
    _, index = large
    scores, rows = search_vectors(index, sentence_like(real_vectors, 1, seed=5), index.ntotal)
    assert rows.shape == (1, 20_000)
    missing = rows[0] < 0
    assert missing.any() and np.isneginf(scores[0][missing]).all()
    assert np.isfinite(scores[0][~missing]).all() and np.all(np.diff(scores[0][~missing]) <= 1e-6)
