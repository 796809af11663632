"""Choose the two "not covered" thresholds of `Settings` together, on the development questions.

    .venv/bin/python bench/tune_threshold.py [DEVELOPMENT SETS (default: qa.evaluate.DEVELOPMENT_SETS)] \
        [--max-false 0.05] [--policyqa PATH/TO/policyqa/dev.json]

`word_match_threshold` (the word check, qa/words.py) and `covered_threshold` (the cosine of the
closest sentence) are chosen as one pair (`choose_thresholds`): for each word threshold, the
highest covered threshold that keeps at most `--max-false` of the answerable questions marked not
covered (the asked-for check counted); of those pairs, the ones catching the most unanswerable
questions, then those marking the fewest answerable ones, and of those the middle word threshold.
The files must hold both answerable and unanswerable questions. The project's development sets
are everyday questions about the shipped policy; PolicyQA's questions mostly reuse their policies'
own words, and a word threshold chosen there (0.4107) let session 5's decision mark 22% of the
answerable questions of a blind set written later (README). `--policyqa` only reports what the
chosen word threshold marks there.

The query expansion shares the word threshold (`settings.WORD_MATCH`) and moves the best clauses
that the asked-for check reads, so the evidence is gathered with the expansion at its current
setting; when the chosen word threshold differs from it, write the values into qa/settings.py
(one setting each, one place) and run again until they hold. About 3 minutes. No file holding a
held-out question (`qa.evaluate.development_problem`) is accepted.
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
from qa.evaluate import DEVELOPMENT_SETS, GoldQuestion, development_problem, load_questions  # noqa: E402
from qa.metrics import CUTOFF  # noqa: E402
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
        store = build_store(policy, qa.embedder, policy_sha256=hashlib.sha256(policy.text.encode()).hexdigest())
        retriever = Retriever(store, qa.embedder, qa.settings.weights)
        for embedded in qa.embedder.embed_with_words([q.question for q in bench.questions]):
            values.append(similarity_of(retriever.word_match(embedded)))
    return np.array(values)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "questions", type=Path, nargs="*", default=list(DEVELOPMENT_SETS), help="development question files"
    )
    parser.add_argument("--max-false", type=float, default=0.05)
    parser.add_argument("--policyqa", type=Path, help="also report what the word threshold marks there")
    args = parser.parse_args()
    if problem := development_problem(args.questions, "choose the thresholds"):
        parser.error(problem)
    qa = PolicyQA.load()
    questions = [q for path in args.questions for q in load_questions(path)]
    if {bool(q.answers) for q in questions} != {True, False}:
        parser.error("the question files must hold both answerable and unanswerable questions")
    evidence = gather_evidence(qa, questions)
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
    if word_threshold != qa.settings.expand_threshold:
        print(
            f"the expansion ran at {qa.settings.expand_threshold:.4f}: write both values into qa/settings.py "
            "(WORD_MATCH, covered_threshold) and run again until they hold"
        )
    if args.policyqa:
        external = policyqa_word_similarities(args.policyqa, qa)
        share = np.mean(external < word_threshold)
        print(f"on {args.policyqa}: the word check marks {share:.1%} of its {len(external)} answerable questions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
