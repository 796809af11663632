"""Choosing the two "not covered" thresholds together, from each question's evidence (pure but for `gather_evidence`).

`scripts/tune_threshold.py` writes the shipped values; `experiments/cross_validate.py` chooses them
per fold. Only development questions may choose (`qa.evaluation.questions.development_problem`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from qa.answer import PolicyQA
from qa.coverage.words import WordMatch
from qa.evaluation.metrics import CUTOFF
from qa.evaluation.policyqa_file import load_policyqa
from qa.evaluation.questions import GoldQuestion
from qa.read.documents import policy_from_segments
from qa.search.retriever import Retriever
from qa.store.build import build_store
from qa.store.manifest import sha256_hex


@dataclass(frozen=True)
class Evidence:
    """Per question, what the covered decision looks at: the closest sentence's cosine (`coverage`),
    the least-matched salient word's similarity (`words`; 1.0 when there is none), whether the
    asked-for check turns it away whatever the thresholds (`asked_for`), and whether it is answerable."""

    coverage: np.ndarray
    words: np.ndarray
    asked_for: np.ndarray
    answerable: np.ndarray

    def marked(self, word_threshold: float, covered_threshold: float) -> np.ndarray:
        """Which questions the two thresholds (and the asked-for check) mark as not covered."""
        return (self.words < word_threshold) | (self.coverage < covered_threshold) | self.asked_for


def floor4(value: float) -> float:
    """`value` floored to 4 decimals, so that writing it into the settings cannot push a question below it;
    a value that already has 4 decimals stays as it is.

    >>> floor4(0.51239), floor4(0.0029), floor4(0.3686)
    (0.5123, 0.0029, 0.3686)
    """
    return math.floor(round(float(value) * 10_000, 6)) / 10_000


def choose_threshold(answerable: np.ndarray, *, max_false: float, already: np.ndarray | None = None) -> float:
    """Highest t with mean(answerable < t or already) <= max_false, where `already` marks the
    answerable questions another check turns away: an observed value, floored to 4 decimals.

    >>> choose_threshold(np.array([0.51239, 0.4, 0.9, 0.7]), max_false=0.25)  # 1 of 4 may fall below
    0.5123
    >>> choose_threshold(np.array([0.51239, 0.4, 0.9, 0.7]), max_false=0.25, already=np.array([0, 1, 0, 0]) == 1)
    0.5123
    >>> choose_threshold(np.array([0.51239, 0.4, 0.9, 0.7]), max_false=0.25, already=np.array([1, 0, 0, 0]) == 1)
    0.4
    """
    already = np.zeros(len(answerable), dtype=bool) if already is None else already
    allowed = int(np.floor(max_false * len(answerable) + 1e-9)) - int(already.sum())
    values = np.sort(answerable[~already])
    if allowed < 0 or not len(values):
        return 0.0
    return floor4(values[min(allowed, len(values) - 1)])


def choose_thresholds(evidence: Evidence, *, max_false: float) -> tuple[float, float]:
    """(word_match_threshold, covered_threshold): for each word threshold (0, or an observed word
    similarity floored), the highest covered threshold that keeps the answerable questions marked
    within `max_false`; of those pairs, the ones catching most unanswerable questions, then marking
    fewest answerable ones; of those, the middle word threshold.

    >>> e = Evidence(np.array([0.6, 0.5, 0.3, 0.2, 0.7]), np.array([0.6, 0.35, 1.0, 1.0, 0.3]),
    ...              np.zeros(5, dtype=bool), np.array([True, True, True, False, False]))
    >>> choose_thresholds(e, max_false=0.0)  # the word check catches the fifth, the cosine the fourth
    (0.35, 0.3)
    """
    answerable = evidence.answerable
    candidates = sorted({0.0, *(floor4(w) for w in evidence.words if w < 1.0)})
    scored = []
    for word_threshold in candidates:
        failed = (evidence.words < word_threshold) | evidence.asked_for
        covered_threshold = choose_threshold(
            evidence.coverage[answerable], max_false=max_false, already=failed[answerable]
        )
        marked = evidence.marked(word_threshold, covered_threshold)
        if marked[answerable].mean() > max_false + 1e-9:
            continue
        caught = marked[~answerable].mean() if (~answerable).any() else 0.0
        scored.append((caught, -marked[answerable].mean(), word_threshold, covered_threshold))
    if not scored:
        raise ValueError(f"no pair of thresholds marks at most {max_false:.0%} of the answerable questions")
    best = max(scored)[:2]
    tied = [(w, c) for caught, wrong, w, c in scored if (caught, wrong) == best]
    return tied[len(tied) // 2]


def similarity_of(match: WordMatch | None) -> float:
    """The least-matched salient word's similarity (1.0 when the question has none)."""
    return 1.0 if match is None else match.similarity


def gather_evidence(qa: PolicyQA, questions: list[GoldQuestion]) -> Evidence:
    """The `Evidence` of each question, as `qa.ask` sees it with both thresholds at 0: the
    scores, and whether the asked-for check alone turns it away."""
    unthresholded = PolicyQA(
        qa.store,
        qa.embedder,
        replace(qa.settings, covered_threshold=0.0, word_match_threshold=0.0),
        adapter=qa.retriever.adapter,
    )
    coverage, words, asked_for = [], [], []
    for question in questions:
        answer = unthresholded.ask(question.question, CUTOFF)
        assert answer.coverage is not None
        coverage.append(answer.coverage.similarity)
        found = answer.coverage.word_similarity
        words.append(1.0 if found is None else found)  # no salient word: 1.0, as `similarity_of`
        asked_for.append(not answer.covered)
    answerable = [bool(q.answers) for q in questions]
    return Evidence(np.array(coverage), np.array(words), np.array(asked_for), np.array(answerable))


def policyqa_word_similarities(path: Path, qa: PolicyQA) -> np.ndarray:
    """Per PolicyQA question (all answerable): its least-matched salient word's similarity within its
    own policy, as `PolicyQA.ask` finds it."""
    values = []
    for bench in load_policyqa(path):
        policy = policy_from_segments(bench.title, list(bench.segments))
        store = build_store(policy, qa.embedder, policy_sha256=sha256_hex(policy.text.encode()))
        retriever = Retriever(store, qa.embedder, qa.settings.weights)
        for embedded in qa.embedder.embed_with_words([q.question for q in bench.questions]):
            values.append(similarity_of(retriever.word_match(embedded)))
    return np.array(values)
