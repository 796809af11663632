from __future__ import annotations

import faiss
import numpy as np

from qa.embed import normalize
from qa.retrieve import best_per_group, scatter_scores, top_k


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
