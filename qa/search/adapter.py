"""A learned linear query adapter: q -> normalize(W q), passages untouched.

Questions are phrased unlike policy text ("will the cops get my info" vs.
"law enforcement agencies"). A 384 x 384 matrix, trained contrastively on
(question, answering clauses) pairs from other policies, moves question
vectors towards the text that answers them. Only queries change, so an index
stays valid with or without it. Stored as a `.npy` matrix (never pickled)
beside a JSON sidecar naming the base model fingerprint it was trained for.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.embedding.base import normalize
from qa.errors import QAError
from qa.store.records import Store

log = logging.getLogger("qa")


@dataclass(frozen=True)
class QueryAdapter:
    """`matrix` (dim, dim) maps a unit query vector before re-normalising."""

    matrix: np.ndarray
    base_fingerprint: str
    trained_on: str = ""

    def apply(self, queries: np.ndarray) -> np.ndarray:
        """(n, dim) unit vectors -> (n, dim) adapted unit vectors."""
        return normalize(queries @ self.matrix.T)


@dataclass(frozen=True)
class TrainingGroup:
    """One policy's training data, all unit vectors.

    queries (m, d); clauses (n, d); sentences (s, d) with owner (s,) clause
    positions; positives (m, n) bool, True where clause j answers question i.
    """

    queries: np.ndarray
    clauses: np.ndarray
    sentences: np.ndarray
    owner: np.ndarray
    positives: np.ndarray


def save_adapter(adapter: QueryAdapter, path: Path) -> None:
    """Write `path` (.npy, float32) and `path.with_suffix('.json')` (what it was trained for)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, adapter.matrix.astype(np.float32), allow_pickle=False)
    sidecar = {
        "base_fingerprint": adapter.base_fingerprint,
        "trained_on": adapter.trained_on,
        "shape": list(adapter.matrix.shape),
    }
    path.with_suffix(".json").write_text(json.dumps(sidecar, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def load_adapter(path: Path, *, base_fingerprint: str, dimension: int) -> QueryAdapter | None:
    """The adapter at `path`, or None (with a warning) if absent or made for another model."""
    if not path.exists():
        return None
    try:
        matrix = np.load(path, allow_pickle=False)
        sidecar = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise QAError(
            f"query adapter {path} is unreadable ({error}); retrain it or set POLICYQA_USE_ADAPTER=0"
        ) from None
    if sidecar.get("base_fingerprint") != base_fingerprint or matrix.shape != (dimension, dimension):
        log.warning("policyqa: query adapter %s was trained for another model; not using it", path)
        return None
    return QueryAdapter(matrix.astype(np.float32), base_fingerprint, str(sidecar.get("trained_on", "")))


def _padded(groups: list[TrainingGroup]):  # noqa: ANN202 - tensors, see train_query_adapter
    import torch

    n_max = max(g.clauses.shape[0] for g in groups)
    s_max = max(g.sentences.shape[0] for g in groups)
    dim = groups[0].queries.shape[1]
    clauses = torch.zeros(len(groups), n_max, dim)
    sentences = torch.zeros(len(groups), s_max, dim)
    owner = torch.full((len(groups), s_max), n_max, dtype=torch.long)  # n_max = a dump slot
    for i, g in enumerate(groups):
        clauses[i, : len(g.clauses)] = torch.from_numpy(g.clauses)
        sentences[i, : len(g.sentences)] = torch.from_numpy(g.sentences)
        owner[i, : len(g.owner)] = torch.from_numpy(g.owner)
    return clauses, sentences, owner, n_max


def _examples(groups: list[TrainingGroup], n_max: int, repeats: list[int]):  # noqa: ANN202
    import torch

    queries, group_of, positives = [], [], []
    for i, (g, times) in enumerate(zip(groups, repeats, strict=True)):
        keep = g.positives.any(axis=1)
        padded = np.zeros((int(keep.sum()), n_max), dtype=bool)
        padded[:, : g.positives.shape[1]] = g.positives[keep]
        for _ in range(times):
            queries.append(g.queries[keep])
            group_of.append(np.full(int(keep.sum()), i))
            positives.append(padded)
    return (
        torch.from_numpy(np.concatenate(queries)),
        torch.from_numpy(np.concatenate(group_of)),
        torch.from_numpy(np.concatenate(positives)),
    )


def train_query_adapter(
    groups: list[TrainingGroup],
    *,
    repeats: list[int] | None = None,
    epochs: int = 3,
    learning_rate: float = 1e-3,
    temperature: float = 0.05,
    batch_size: int = 32,
    seed: int = 0,
) -> np.ndarray:
    """Train W (dim, dim), starting from the identity, so that each question ranks its
    answering clauses first among its own policy's clauses, both by whole-clause
    cosine and by best-sentence cosine (softmax loss over the policy's clauses).

    `repeats[i]` counts group i's questions that many times (weighting a small set).
    Deterministic for a given seed. Needs torch (installed with sentence-transformers).
    """
    import torch

    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    clauses, sentences, owner, n_max = _padded(groups)
    valid = clauses.norm(dim=2) > 0
    queries, group_of, positives = _examples(groups, n_max, repeats or [1] * len(groups))
    weight = torch.nn.Parameter(torch.eye(queries.shape[1]))
    optimiser = torch.optim.Adam([weight], lr=learning_rate)
    for _ in range(epochs):
        order = torch.randperm(len(queries), generator=generator)
        for start in range(0, len(order), batch_size):
            batch = order[start : start + batch_size]
            g = group_of[batch]
            adapted = torch.nn.functional.normalize(queries[batch] @ weight.T, dim=1)
            by_clause = torch.einsum("bd,bnd->bn", adapted, clauses[g]) / temperature
            by_row = torch.einsum("bd,bsd->bs", adapted, sentences[g]) / temperature
            by_sentence = torch.full((len(batch), n_max + 1), -1e9).scatter_reduce(1, owner[g], by_row, reduce="amax")
            loss = torch.zeros(())
            for scores in (by_clause, by_sentence[:, :n_max]):
                scores = scores.masked_fill(~valid[g], -1e9)
                loss = (
                    loss
                    + (
                        torch.logsumexp(scores, 1) - torch.logsumexp(scores.masked_fill(~positives[batch], -1e9), 1)
                    ).mean()
                )
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    return weight.detach().numpy().astype(np.float32)


def training_group(store: Store, queries: np.ndarray, relevant: list[list[int]]) -> TrainingGroup:
    """One policy's TrainingGroup from its store: `queries` (m, d) base unit vectors,
    `relevant[i]` the clause positions answering question i."""
    positions = {clause.id: i for i, clause in enumerate(store.policy.clauses)}
    positives = np.zeros((len(queries), len(store.policy.clauses)), dtype=bool)
    for i, answers in enumerate(relevant):
        positives[i, answers] = True
    return TrainingGroup(
        queries=np.asarray(queries, dtype=np.float32),
        clauses=store.clause_index.reconstruct_n(0, store.clause_index.ntotal),
        sentences=store.index.reconstruct_n(0, store.index.ntotal),
        owner=np.array([positions[s.clause_id] for s in store.sentences], dtype=np.int64),
        positives=positives,
    )
