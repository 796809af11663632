"""Choose `Settings.covered_threshold` from the development questions.

    .venv/bin/python bench/tune_threshold.py eval/questions.jsonl [--max-false 0.05]

For every question it computes the coverage signal (cosine of the closest
sentence to the plain question vector). The threshold is the highest value
that marks at most `--max-false` of the answerable questions as not covered;
it prints that value and how many unanswerable questions it catches. The value
is then written into qa/settings.py by hand (one setting, one place).
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa.answer import PolicyQA  # noqa: E402
from qa.evaluate import load_questions  # noqa: E402


def choose_threshold(answerable: np.ndarray, *, max_false: float) -> float:
    """Highest t with mean(answerable < t) <= max_false: an observed value, floored to 4 decimals
    so that writing it into the settings cannot push that question below it.

    >>> choose_threshold(np.array([0.51239, 0.4, 0.9, 0.7]), max_false=0.25)  # 1 of 4 may fall below
    0.5123
    """
    values = np.sort(answerable)
    allowed = int(np.floor(max_false * len(values) + 1e-9))
    return math.floor(float(values[allowed]) * 10_000) / 10_000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("questions", type=Path)
    parser.add_argument("--max-false", type=float, default=0.05)
    args = parser.parse_args()
    qa = PolicyQA.load()
    questions = load_questions(args.questions)
    coverage = np.array([qa.retriever.rank(q.question).coverage for q in questions])
    answerable = np.array([bool(q.answers) for q in questions])
    threshold = choose_threshold(coverage[answerable], max_false=args.max_false)
    caught = float(np.mean(coverage[~answerable] < threshold))  # covered means coverage >= threshold
    false = float(np.mean(coverage[answerable] < threshold))
    print(f"covered_threshold = {threshold:.4f}")
    print(
        f"on {args.questions}: {caught:.0%} of {int((~answerable).sum())} unanswerable marked not covered, "
        f"{false:.1%} of {int(answerable.sum())} answerable wrongly marked"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
