from __future__ import annotations

import faiss
import numpy as np

from qa.embedding.base import normalize
from qa.search.fusion import best_per_group, scatter_scores, top_k


def test_best_per_group_by_hand():
    # groups: 0 -> rows 0,1 (0.2, 0.7); 1 -> rows 2,3 (0.5, 0.5: tie -> first row 2); 2 -> none
    best, arg = best_per_group(np.array([0.2, 0.7, 0.5, 0.5]), np.array([0, 0, 1, 1]), 3)
    assert best.tolist() == [0.7, 0.5, -np.inf]
    assert arg.tolist() == [1, 2, -1]


def test_top_k_orders_by_score_then_index_and_skips_missing():
    assert top_k(np.array([0.1, -np.inf, 0.9, 0.9]), 10).tolist() == [2, 3, 0]
    assert top_k(np.array([0.3, 0.2]), 1).tolist() == [0]


def test_scatter_scores_ignores_faiss_padding():
    out = scatter_scores(np.array([1, -1]), np.array([0.5, 9.0]), 3)
    assert out.tolist() == [-np.inf, 0.5, -np.inf]


def test_faiss_top_k_matches_numpy_reference():
    rng = np.random.default_rng(7)
    vectors = normalize(rng.normal(size=(500, 32)))
    queries = normalize(rng.normal(size=(20, 32)))
    index = faiss.IndexFlatIP(32)
    index.add(vectors)
    scores, rows = index.search(queries, 10)
    reference = queries @ vectors.T
    for q in range(len(queries)):
        expected = np.argsort(-reference[q], kind="stable")[:10]
        assert rows[q].tolist() == expected.tolist()
        np.testing.assert_allclose(scores[q], reference[q][expected], rtol=1e-5, atol=1e-6)


def test_zscore_and_fuse_by_hand():
    from qa.search.fusion import fuse, zscore

    # [1, 2, 3]: mean 2, population std sqrt(2/3) = 0.8165 -> [-1.2247, 0, 1.2247]
    np.testing.assert_allclose(zscore(np.array([1.0, 2.0, 3.0])), [-1.2247449, 0.0, 1.2247449], rtol=1e-6)
    # a missing score counts as the lowest present one: [-inf, 1, 3] -> [1, 1, 3] -> mean 5/3
    np.testing.assert_allclose(zscore(np.array([-np.inf, 1.0, 3.0])), [-0.7071068, -0.7071068, 1.4142136], rtol=1e-6)
    assert zscore(np.array([2.0, 2.0])).tolist() == [0.0, 0.0]
    # a: [0, 1] -> [-1, 1]; b: [5, 1] -> [1, -1]; 1.0 * a + 0.5 * b = [-0.5, 0.5]; c has weight 0
    parts = {"a": np.array([0.0, 1.0]), "b": np.array([5.0, 1.0]), "c": np.array([9.0, 0.0])}
    assert fuse(parts, {"a": 1.0, "b": 0.5}).tolist() == [-0.5, 0.5]
