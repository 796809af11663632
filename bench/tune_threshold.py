"""Choose the two "not covered" thresholds of `Settings`: the word check's, then the cosine one.

    .venv/bin/python bench/tune_threshold.py eval/questions.jsonl --policyqa PATH/TO/policyqa/dev.json \
        [--max-false 0.05] [--max-false-words 0.05]

1. `word_match_threshold` (qa/words.py) from PolicyQA alone: every question of every PolicyQA
   policy is answerable, so the threshold is the highest value that marks at most
   `--max-false-words` of them (their least-matched salient word against their own policy's
   words). No question about the shipped policy takes part.
2. `covered_threshold` from the development questions: the highest cosine of the closest
   sentence that, together with the word check, marks at most `--max-false` of the
   answerable questions as not covered.
It prints both values and what they catch; they are then written into qa/settings.py by
hand (one setting each, one place). About 2 minutes. eval/heldout.jsonl is never read.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa.answer import PolicyQA  # noqa: E402
from qa.evaluate import load_questions  # noqa: E402
from qa.parse import policy_from_segments  # noqa: E402
from qa.policyqa_file import load_policyqa  # noqa: E402
from qa.search import Retriever  # noqa: E402
from qa.store import build_store  # noqa: E402
from qa.words import WordMatch  # noqa: E402


def choose_threshold(answerable: np.ndarray, *, max_false: float, already: np.ndarray | None = None) -> float:
    """Highest t with mean(answerable < t or already) <= max_false, where `already` marks the
    answerable questions another check turns away: an observed value, floored to 4 decimals so
    that writing it into the settings cannot push that question below it.

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
    return math.floor(float(values[min(allowed, len(values) - 1)]) * 10_000) / 10_000


def similarity_of(match: WordMatch | None) -> float:
    """The least-matched salient word's similarity (1.0 when the question has none)."""
    return 1.0 if match is None else match.similarity


def word_similarity(qa: PolicyQA, question: str) -> float:
    return similarity_of(qa.retriever.rank(question).word_match)


def policyqa_word_similarities(path: Path, qa: PolicyQA) -> tuple[np.ndarray, np.ndarray]:
    """Per PolicyQA question: its least-matched salient word's similarity within its own policy
    (as `PolicyQA.ask` finds it, the questions embedded in batches), and the position of that
    policy in the file."""
    values, owners = [], []
    for position, bench in enumerate(load_policyqa(path)):
        policy = policy_from_segments(bench.title, list(bench.segments))
        store = build_store(policy, qa.embedder, policy_sha256=hashlib.sha256(policy.text.encode()).hexdigest())
        retriever = Retriever(store, qa.embedder, qa.settings.weights)
        for embedded in qa.embedder.embed_with_words([q.question for q in bench.questions]):
            values.append(similarity_of(retriever.word_match(embedded)))
            owners.append(position)
    return np.array(values), np.array(owners)


def split_half(values: np.ndarray, owners: np.ndarray, *, max_false: float) -> list[str]:
    """The rule applied to the even-numbered policies and measured on the odd ones, and the reverse."""
    lines = []
    for chosen in (0, 1):
        mine = owners % 2 == chosen
        threshold = choose_threshold(values[mine], max_false=max_false)
        lines.append(
            f"  chosen on the {'even' if chosen == 0 else 'odd'}-numbered policies: {threshold:.4f}, "
            f"which marks {np.mean(values[~mine] < threshold):.1%} of the other policies' {int((~mine).sum())}"
        )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("questions", type=Path)
    parser.add_argument("--policyqa", type=Path, required=True)
    parser.add_argument("--max-false", type=float, default=0.05)
    parser.add_argument("--max-false-words", type=float, default=0.05)
    args = parser.parse_args()
    qa = PolicyQA.load()
    external, owners = policyqa_word_similarities(args.policyqa, qa)
    word_threshold = choose_threshold(external, max_false=args.max_false_words)
    print(f"word_match_threshold = {word_threshold:.4f}")
    print(f"on {args.policyqa}: {np.mean(external < word_threshold):.1%} of {len(external)} answerable marked")
    print("\n".join(split_half(external, owners, max_false=args.max_false_words)))

    questions = load_questions(args.questions)
    coverage = np.array([qa.retriever.rank(q.question).coverage for q in questions])
    words = np.array([word_similarity(qa, q.question) for q in questions])
    answerable = np.array([bool(q.answers) for q in questions])
    word_failed = words < word_threshold
    threshold = choose_threshold(coverage[answerable], max_false=args.max_false, already=word_failed[answerable])
    marked = (coverage < threshold) | word_failed  # covered means coverage >= threshold and no unmatched word
    print(f"covered_threshold = {threshold:.4f}")
    print(
        f"on {args.questions}: {marked[~answerable].mean():.0%} of {int((~answerable).sum())} unanswerable marked "
        f"not covered, {marked[answerable].mean():.1%} of {int(answerable.sum())} answerable wrongly marked "
        f"(the word check alone: {word_failed[~answerable].mean():.0%} and {word_failed[answerable].mean():.1%}; "
        f"without the asked-for check)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
