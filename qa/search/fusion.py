"""Pure ranking over arrays: sentence scores -> ranked clauses.

Nothing here calls a model or FAISS; every function takes and returns arrays
so it can be tested against hand-worked values.
"""

from __future__ import annotations

import numpy as np


def scatter_scores(rows: np.ndarray, scores: np.ndarray, size: int, *, fill: float = -np.inf) -> np.ndarray:
    """A dense (size,) array with `scores` at `rows`, `fill` elsewhere; rows < 0 ignored.

    >>> scatter_scores(np.array([2, 0]), np.array([0.9, 0.1]), 3, fill=0.0).tolist()
    [0.1, 0.0, 0.9]
    """
    out = np.full(size, fill, dtype=np.float64)
    keep = rows >= 0
    out[rows[keep]] = scores[keep]
    return out


def best_per_group(scores: np.ndarray, groups: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Max score per group and the row that holds it (first row on ties).

    scores (n,), groups (n,) ints in [0, n_groups) -> (best (n_groups,), argbest (n_groups,)).
    A group with no rows gets -inf and row -1.

    >>> best, arg = best_per_group(np.array([0.2, 0.7, 0.5]), np.array([0, 0, 1]), 3)
    >>> best.tolist(), arg.tolist()
    ([0.7, 0.5, -inf], [1, 2, -1])
    """
    best = np.full(n_groups, -np.inf)
    argbest = np.full(n_groups, -1, dtype=np.int64)
    # Rows from best to worst (ties: lower row first); each group's first row in that order is its max.
    order = np.lexsort((np.arange(len(scores)), -scores))
    present, first = np.unique(groups[order], return_index=True)
    argbest[present] = order[first]
    best[present] = scores[order[first]]
    return best, argbest


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k highest finite scores, best first; ties keep index order.

    >>> top_k(np.array([0.1, 0.9, 0.5, 0.9]), 3).tolist()
    [1, 3, 2]
    """
    order = np.lexsort((np.arange(len(scores)), -scores))
    order = order[np.isfinite(scores[order])]
    return order[:k]


def zscore(scores: np.ndarray) -> np.ndarray:
    """Standardise finite scores to mean 0, std 1; missing (-inf) scores become the finite minimum.

    >>> zscore(np.array([1.0, 2.0, 3.0])).round(4).tolist()
    [-1.2247, 0.0, 1.2247]
    """
    scores = np.asarray(scores, dtype=np.float64)
    finite = np.isfinite(scores)
    if not finite.any():
        return np.zeros_like(scores)
    filled = np.where(finite, scores, scores[finite].min())
    std = filled.std()
    return (filled - filled.mean()) / std if std > 0 else np.zeros_like(filled)


def fuse(parts: dict[str, np.ndarray], weights: dict[str, float]) -> np.ndarray:
    """Weighted sum of z-scored score arrays, one weight per named part (absent names weigh 0).

    >>> fuse({"a": np.array([0.0, 1.0]), "b": np.array([5.0, 1.0])}, {"a": 1.0, "b": 0.5}).tolist()
    [-0.5, 0.5]
    """
    total = np.zeros(len(next(iter(parts.values()))), dtype=np.float64)
    for name, scores in parts.items():
        weight = weights.get(name, 0.0)
        if weight:
            total += weight * zscore(scores)
    return total
