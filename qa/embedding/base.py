"""The embedder protocol and the math every embedder shares: pooling and normalisation.

`normalize` is the one place vectors (of texts and of their words) are scaled to unit
length, so inner product in the index equals cosine similarity. Two embedders run the same
model: `qa.embedding.torch_model` (sentence-transformers; builds stores and exports the
model) and `qa.embedding.onnx_model` (onnxruntime and the model's `tokenizer.json`, no
torch: a fast start and a fast query). `qa.embedding.factory` picks one from `Settings`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from qa.embedding.pieces import unpadded, word_vectors
from qa.types import Embedded

BATCH_SIZE = 32


class Embedder(Protocol):
    """Anything that turns texts into an (n, dim) float32 array of unit vectors."""

    @property
    def name(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    @property
    def fingerprint(self) -> str: ...

    def embed_queries(self, texts: list[str]) -> np.ndarray: ...

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...

    def embed_with_words(self, texts: list[str]) -> list[Embedded]:
        """Each text's vector (as `embed_queries`) and its words' contextual vectors, from one model run."""
        ...


def normalize(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit L2 norm, as float32; zero rows stay zero.

    >>> normalize(np.array([[3.0, 4.0]])).tolist()
    [[0.6000000238418579, 0.800000011920929]]
    """
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.where(norms == 0, 1, norms)).astype(np.float32)


def embedded(vector: np.ndarray, pieces: Sequence[str], mask: Sequence[int], tokens: np.ndarray) -> Embedded:
    """One text's `Embedded`: its unit `vector`, and its words from the model's word `pieces`, padding
    `mask` and last-layer `tokens` (t, d), each word's pieces averaged (`qa.coverage.words`) and normalised."""
    words, averages = word_vectors(unpadded(pieces, mask), tokens)
    return Embedded(vector, words, normalize(averages))


def pool_groups(vectors: np.ndarray, groups: np.ndarray, weights: np.ndarray, n_groups: int) -> np.ndarray:
    """One unit vector per group: the `weights`-weighted mean of the group's rows of `vectors`, normalised.
    vectors (n, d), groups (n,) ints in [0, n_groups), weights (n,) -> (n_groups, d); an empty group is zero.

    >>> pool_groups(np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]]), np.array([0, 0, 1]), np.array([3.0, 1.0, 1.0]), 2)
    array([[0.94868326, 0.31622776],
           [0.        , 1.        ]], dtype=float32)
    """
    sums = np.zeros((n_groups, vectors.shape[1]), dtype=np.float64)
    np.add.at(sums, groups, vectors * weights[:, None])
    return normalize(sums)


def pool(tokens: np.ndarray, mask: np.ndarray, mode: str) -> np.ndarray:
    """Token vectors (n, t, d) and attention mask (n, t) -> one (n, d) vector per text, not normalised.

    >>> pool(np.array([[[1.0, 2.0], [3.0, 4.0], [9.0, 9.0]]]), np.array([[1, 1, 0]]), "mean").tolist()
    [[2.0, 3.0]]
    """
    if mode == "cls":
        return np.asarray(tokens[:, 0], dtype=np.float32)
    weights = mask[:, :, None].astype(np.float32)
    return ((tokens * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)).astype(np.float32)
