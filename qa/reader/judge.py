"""From the reader's scores and the search's, the three decisions: the order of the top clauses, whether
the policy answers the question, and how confident each hit is. Pure: arrays in, numbers out.

Two logistic models, fitted on the development questions of several policies (scripts/fit_reader_judge.py,
cross-validated by policy there) and shipped as `judge.json`:
    answered   P(the policy answers the question), from `QUESTION_FEATURES`: the best sentence's
               cosine, the word check, the asked-for check, the fused scores, the policy's size, and
               the reader's scores of the top clauses. `covered` is P >= `Judge.threshold`.
    clause     P(a read clause is the answering one), from `CLAUSE_FEATURES`, each measured against
               the best of the clauses read: it orders the `Judge.candidates` clauses the reader read.
A hit's confidence is P(answered) times its clause probability relative to the best one, made
non-increasing down the list, so the labels never contradict the order. The query expansion never keeps
a clause the reader rejects on top (`guarded_order`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

QUESTION_FEATURES = (
    "similarity",  # cosine of the closest sentence to the plain question vector
    "word_similarity",  # the least-matched salient word's best cosine (1 when there is none)
    "asked_for_missing",  # 1 when the question asks for a period, amount or number no top clause states
    "top_score",  # the best fused score (a sum of z-scores, so comparable across policies)
    "score_margin",  # the best fused score minus the second
    "second_similarity",  # the second hit's sentence cosine
    "log_sentences",  # the policy's size: the log of its number of sentences
    "reader_best",  # the reader's best logit among the clauses it read
    "reader_first",  # the reader's logit of the search's first clause
)
CLAUSE_FEATURES = ("score_gap", "reader_gap", "similarity_gap", "is_first")
# The reader rejects a clause it gives a logit below this: lower than it gave any answering clause among
# the search's first 3 on the development questions (the lowest -3.82 of 482; 12.2% of the 763 others
# fall below; experiments/expansion_guard.py).
REJECT_LOGIT = -4.0


@dataclass(frozen=True)
class Judge:
    """Weights (bias last) of the answered and clause models, the covered threshold on P(answered),
    how many top clauses the reader reads, and what they were fitted on."""

    answered_weights: tuple[float, ...]
    clause_weights: tuple[float, ...]
    threshold: float
    candidates: int
    fitted_on: str = ""
    measured: dict[str, object] | None = None

    def __post_init__(self) -> None:
        if len(self.answered_weights) != len(QUESTION_FEATURES) + 1:
            raise ValueError("answered_weights do not match QUESTION_FEATURES")
        if len(self.clause_weights) != len(CLAUSE_FEATURES) + 1:
            raise ValueError("clause_weights do not match CLAUSE_FEATURES")

    def to_json(self) -> dict[str, object]:
        return asdict(self) | {"question_features": QUESTION_FEATURES, "clause_features": CLAUSE_FEATURES}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Judge:
        """A judge as `to_json` wrote it; ValueError, KeyError or TypeError if `data` is not one."""
        if tuple(data["question_features"]) != QUESTION_FEATURES or tuple(data["clause_features"]) != CLAUSE_FEATURES:
            raise ValueError("the judge was fitted on other features; refit it (scripts/fit_reader_judge.py)")
        return cls(
            tuple(float(w) for w in data["answered_weights"]),
            tuple(float(w) for w in data["clause_weights"]),
            float(data["threshold"]),
            int(data["candidates"]),
            str(data.get("fitted_on", "")),
            data.get("measured"),
        )

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2) + "\n"


def sigmoid(x: float) -> float:
    """The logistic function, without overflow.

    >>> sigmoid(0.0), round(sigmoid(800.0), 3), round(sigmoid(-800.0), 3)
    (0.5, 1.0, 0.0)
    """
    return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))


def linear(weights: Sequence[float], features: Sequence[float]) -> float:
    """The log-odds of `features` under `weights` (one per feature, then the bias).

    >>> linear([2.0, -1.0, 0.5], [3.0, 1.0])
    5.5
    """
    return float(np.dot(weights[:-1], features) + weights[-1])


def question_features(
    *,
    similarities: Sequence[float],
    scores: Sequence[float],
    word_similarity: float | None,
    asked_for_missing: bool,
    sentences: int,
    reader_logits: Sequence[float],
) -> list[float]:
    """`QUESTION_FEATURES` of one question: `similarities` and `scores` of its hits best first (two at
    least), the word check's cosine, the asked-for check, the policy's number of sentences, and the
    reader's logits of the first clauses in the search's order.

    >>> question_features(similarities=[0.6, 0.4], scores=[3.0, 1.0], word_similarity=None,
    ...     asked_for_missing=False, sentences=100, reader_logits=[-1.0, 2.0])
    [0.6, 1.0, 0.0, 3.0, 2.0, 0.4, 4.605170185988092, 2.0, -1.0]
    """
    second = similarities[1] if len(similarities) > 1 else similarities[0]
    margin = scores[0] - scores[1] if len(scores) > 1 else 0.0
    return [
        float(similarities[0]),
        1.0 if word_similarity is None else float(word_similarity),
        float(asked_for_missing),
        float(scores[0]),
        float(margin),
        float(second),
        math.log(max(1, sentences)),
        float(max(reader_logits)),
        float(reader_logits[0]),
    ]


def clause_features(
    scores: Sequence[float], reader_logits: Sequence[float], similarities: Sequence[float]
) -> np.ndarray:
    """`CLAUSE_FEATURES` of the clauses read (search order): each one's fused score, reader logit and
    cosine less the best of the read ones, and whether it is the search's first. (n, 4).

    >>> clause_features([3.0, 1.0], [0.0, 2.0], [0.5, 0.4]).tolist()
    [[0.0, -2.0, 0.0, 1.0], [-2.0, 0.0, -0.1, 0.0]]
    """
    s, r, c = (np.asarray(v, dtype=np.float64) for v in (scores, reader_logits, similarities))
    first = (np.arange(len(s)) == 0).astype(np.float64)
    return np.round(np.stack([s - s.max(), r - r.max(), c - c.max(), first], axis=1), 12)


def clause_order(judge: Judge, features: np.ndarray) -> tuple[list[int], list[float]]:
    """The read clauses' order by the clause model (ties keep the search's order) and each one's
    probability of being the answering one, in that order.

    >>> judge = Judge((0.0,) * 10, (0.0, 1.0, 0.0, 0.0, 0.0), 0.5, 2)
    >>> order, probabilities = clause_order(judge, clause_features([3.0, 1.0], [0.0, 2.0], [0.5, 0.4]))
    >>> order, [round(p, 3) for p in probabilities]
    ([1, 0], [0.5, 0.119])
    """
    logits = [linear(judge.clause_weights, row) for row in features]
    order = sorted(range(len(logits)), key=lambda i: (-logits[i], i))
    return order, [sigmoid(logits[i]) for i in order]


def guarded_order(order: Sequence[int], first_logit: float, unexpanded: int, unexpanded_logit: float) -> list[int]:
    """The hits' order (indices into the search's hits) with hit `unexpanded`, the search's first without
    the query expansion, put on top when the first is the expansion's first (hit 0), the reader rejects
    it (`REJECT_LOGIT`) and scores the other higher; else `order` as it is.

    >>> guarded_order([0, 1, 2, 3], -4.5, 2, -1.0), guarded_order([0, 1, 2], -1.5, 2, -1.0)
    ([2, 0, 1, 3], [0, 1, 2])
    """
    if not order or order[0] != 0 or first_logit >= REJECT_LOGIT or unexpanded_logit <= first_logit:
        return list(order)
    return [unexpanded, *(i for i in order if i != unexpanded)]


def confidences(answered: float, clause_probabilities: Sequence[float], total: int) -> list[float]:
    """Each hit's confidence, best first: P(answered) times its clause probability over the first one's,
    for the read clauses; the hits below them keep the last read one's; never rising down the list.

    >>> confidences(0.8, [0.5, 0.25], 3)
    [0.8, 0.4, 0.4]
    """
    first = clause_probabilities[0] if clause_probabilities and clause_probabilities[0] > 0 else 1.0
    values = [answered * min(1.0, p / first) for p in clause_probabilities]
    values += [values[-1] if values else answered] * max(0, total - len(values))
    return [round(v, 6) for v in np.minimum.accumulate(values[:total]).tolist()] if values else []


def fit_logistic(rows: Sequence[Sequence[float]], labels: Sequence[int], *, ridge: float = 1e-3) -> tuple[float, ...]:
    """Weights (one per feature, then the bias) of a logistic regression: Newton's method with a small ridge.

    >>> w = fit_logistic([[0.0], [1.0], [2.0], [3.0]], [0, 0, 1, 1])
    >>> w[0] > 0 and sigmoid(linear(w, [3.0])) > 0.5 > sigmoid(linear(w, [0.0]))
    True
    """
    x = np.hstack([np.asarray(rows, dtype=np.float64), np.ones((len(rows), 1))])
    y = np.asarray(labels, dtype=np.float64)
    w = np.zeros(x.shape[1])
    penalty = ridge * np.eye(len(w))
    penalty[-1, -1] = 0.0
    for _ in range(100):
        p = 1 / (1 + np.exp(-np.clip(x @ w, -500, 500)))
        step = np.linalg.solve(
            (x * (p * (1 - p))[:, None]).T @ x + penalty + 1e-9 * np.eye(len(w)), x.T @ (p - y) + penalty @ w
        )
        w -= step
        if np.max(np.abs(step)) < 1e-10:
            break
    return tuple(float(v) for v in w)


def threshold_for(answered_probabilities: Sequence[float], *, max_false: float) -> float:
    """The highest threshold on P(answered) that marks at most `max_false` of answerable questions
    (whose probabilities these are) as not covered; 4 decimals, rounded down.

    >>> threshold_for([0.9, 0.8, 0.3, 0.95], max_false=0.25)
    0.8
    """
    values = np.sort(np.asarray(answered_probabilities, dtype=np.float64))
    allowed = int(np.floor(max_false * len(values) + 1e-9))
    return math.floor(values[min(allowed, len(values) - 1)] * 10_000) / 10_000
