"""Choose the two "not covered" thresholds of `Settings` together, on the development questions.

    .venv/bin/python scripts/tune_threshold.py [DEVELOPMENT SETS (default: qa.evaluate.DEVELOPMENT_SETS)] \
        [--max-false 0.05] [--policyqa PATH/TO/policyqa/dev.json]

`word_match_threshold` (the word check, qa/coverage/words.py) and `covered_threshold` (the cosine of the
closest sentence) are chosen as one pair (`choose_thresholds`): for each word threshold, the
highest covered threshold that keeps at most `--max-false` of the answerable questions marked not
covered (the asked-for check counted); of those pairs, the ones catching the most unanswerable
questions, then those marking the fewest answerable ones, and of those the middle word threshold.
The files must hold both answerable and unanswerable questions. The project's development sets
are everyday questions about the shipped policy; PolicyQA's questions mostly reuse their policies'
own words, and a word threshold chosen there (0.4107) let an earlier decision mark 22% of the
answerable questions of a blind set written later (README). `--policyqa` only reports what the
chosen word threshold marks there.

The query expansion shares the word threshold (`settings.WORD_MATCH`) and moves the best clauses
that the asked-for check reads, so the evidence is gathered with the expansion at its current
setting; when the chosen word threshold differs from it, write the values into qa/settings.py
(one setting each, one place) and run again until they hold. About 3 minutes. No file holding a
held-out question (`qa.evaluation.questions.development_problem`) is accepted.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from qa.answer import PolicyQA
from qa.evaluation.questions import DEVELOPMENT_SETS, development_problem, load_questions
from qa.evaluation.thresholds import choose_thresholds, gather_evidence, policyqa_word_similarities


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
