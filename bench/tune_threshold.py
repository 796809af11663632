"""Choose the two "not covered" thresholds of `Settings` together, on the development questions.

    .venv/bin/python bench/tune_threshold.py eval/questions.jsonl eval/calibration.jsonl \
        eval/unanswerable_extra.jsonl [--max-false 0.05] [--policyqa PATH/TO/policyqa/dev.json]

`word_match_threshold` (the word check, qa/words.py) and `covered_threshold` (the cosine of the
closest sentence) are chosen as one pair: of every pair that marks at most `--max-false` of the
answerable questions as not covered (counting the asked-for check too), the one that catches the
most unanswerable questions; among equals, the one that marks fewest answerable questions, and
of those the middle word threshold (`choose_thresholds`). Questions are everyday questions about
the shipped policy, written by people who did not see the system; PolicyQA's questions mostly reuse
their policies' own words, so a word threshold chosen there marked 20% of everyday answerable
questions on a set written later (README). `--policyqa` only reports what the chosen word
threshold marks there. It prints both values and what they catch; they are then written into
qa/settings.py by hand (one setting each, one place). About a minute. The held-out sets
(eval/heldout*.jsonl) are never read.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa.answer import PolicyQA  # noqa: E402
from qa.evaluate import GoldQuestion, held_out, load_questions  # noqa: E402
from qa.parse import policy_from_segments  # noqa: E402
from qa.policyqa_file import load_policyqa  # noqa: E402
from qa.search import Retriever  # noqa: E402
from qa.store import build_store  # noqa: E402
from qa.words import WordMatch  # noqa: E402


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
    """`value` floored to 4 decimals, so that writing it into the settings cannot push a question below it."""
    return math.floor(float(value) * 10_000) / 10_000


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
    best = max(scored)[:2]
    tied = [(w, c) for caught, wrong, w, c in scored if (caught, wrong) == best]
    return tied[len(tied) // 2]


def similarity_of(match: WordMatch | None) -> float:
    """The least-matched salient word's similarity (1.0 when the question has none)."""
    return 1.0 if match is None else match.similarity


def word_similarity(qa: PolicyQA, question: str) -> float:
    return similarity_of(qa.retriever.rank(question).word_match)


def gather(qa: PolicyQA, questions: list[GoldQuestion]) -> Evidence:
    """The `Evidence` of each question, as `PolicyQA.ask` sees it (`qa` with both thresholds at 0,
    so that `covered` is False only when the asked-for check turns the question away)."""
    coverage, words, asked_for = [], [], []
    for question in questions:
        answer = qa.ask(question.question, 10)
        assert answer.coverage is not None
        coverage.append(answer.coverage.similarity)
        words.append(1.0 if answer.coverage.word_similarity is None else answer.coverage.word_similarity)
        asked_for.append(not answer.covered)
    return Evidence(
        np.array(coverage), np.array(words), np.array(asked_for), np.array([bool(q.answers) for q in questions])
    )


def policyqa_word_similarities(path: Path, qa: PolicyQA) -> np.ndarray:
    """Per PolicyQA question (all answerable): its least-matched salient word's similarity within its
    own policy, as `PolicyQA.ask` finds it."""
    values = []
    for bench in load_policyqa(path):
        policy = policy_from_segments(bench.title, list(bench.segments))
        store = build_store(policy, qa.embedder, policy_sha256=hashlib.sha256(policy.text.encode()).hexdigest())
        retriever = Retriever(store, qa.embedder, qa.settings.weights)
        for embedded in qa.embedder.embed_with_words([q.question for q in bench.questions]):
            values.append(similarity_of(retriever.word_match(embedded)))
    return np.array(values)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("questions", type=Path, nargs="+", help="development question files")
    parser.add_argument("--max-false", type=float, default=0.05)
    parser.add_argument("--policyqa", type=Path, help="also report what the word threshold marks there")
    args = parser.parse_args()
    if held_out(args.questions):
        parser.error("the held-out sets measure the thresholds; they must not choose them")
    loaded = PolicyQA.load()
    qa = PolicyQA(
        loaded.store, loaded.embedder, replace(loaded.settings, covered_threshold=0.0, word_match_threshold=0.0)
    )
    questions = [q for path in args.questions for q in load_questions(path)]
    evidence = gather(qa, questions)
    word_threshold, covered_threshold = choose_thresholds(evidence, max_false=args.max_false)
    marked = evidence.marked(word_threshold, covered_threshold)
    answerable = evidence.answerable
    print(f"word_match_threshold = {word_threshold:.4f}")
    print(f"covered_threshold = {covered_threshold:.4f}")
    print(
        f"on {len(questions)} development questions: {marked[~answerable].mean():.1%} of {int((~answerable).sum())} "
        f"unanswerable marked not covered, {marked[answerable].mean():.1%} of {int(answerable.sum())} answerable "
        f"wrongly marked"
    )
    if args.policyqa:
        external = policyqa_word_similarities(args.policyqa, qa)
        share = np.mean(external < word_threshold)
        print(f"on {args.policyqa}: the word check marks {share:.1%} of its {len(external)} answerable questions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
