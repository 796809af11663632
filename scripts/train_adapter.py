"""Train the query adapter shipped in qa/data/ (a development step, not run by users).

    .venv/bin/python scripts/train_adapter.py --policyqa PATH/TO/policyqa/dev.json \
        [--questions DEVELOPMENT SETS] --out qa/data/query-adapter.npy

Training data: every (policy, question) pair of the PolicyQA file (each policy
indexed on its own by the project's pipeline) plus the answerable development
questions about the shipped policy (counted `--repeat` times). The held-out sets
(eval/heldout*.jsonl) are never used here: they measure the result. On PolicyQA itself the adapter is
measured by cross-validation over policies (`policyqa eval --policyqa`).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from qa.embedding.torch_model import SentenceTransformerEmbedder
from qa.evaluation.questions import DEVELOPMENT_SETS, development_problem, load_questions
from qa.evaluation.training import policyqa_groups, question_group
from qa.search.adapter import QueryAdapter, save_adapter, train_query_adapter
from qa.settings import Settings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--policyqa", type=Path, required=True)
    parser.add_argument("--questions", type=Path, nargs="+", default=list(DEVELOPMENT_SETS))
    parser.add_argument("--repeat", type=int, default=10, help="weight of the project's questions")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("qa/data/query-adapter.npy"))
    args = parser.parse_args()
    if problem := development_problem(args.questions, "train the adapter"):
        parser.error(problem)
    settings = Settings.from_env()
    embedder = SentenceTransformerEmbedder(settings.model)
    started = time.perf_counter()
    answerable = {path.name: [q for q in load_questions(path) if q.answers] for path in args.questions}
    questions = [q for listed in answerable.values() for q in listed]
    groups = policyqa_groups(args.policyqa, embedder) + [question_group(questions, settings, embedder)]
    repeats = [1] * (len(groups) - 1) + [args.repeat]
    matrix = train_query_adapter(groups, repeats=repeats, epochs=args.epochs)
    names = " + ".join(name for name, listed in answerable.items() if listed)
    trained_on = f"{args.policyqa.name} ({len(groups) - 1} policies) + {names} x{args.repeat}"
    save_adapter(QueryAdapter(matrix, embedder.fingerprint, trained_on), args.out)
    print(f"trained on {trained_on} in {time.perf_counter() - started:.0f} s -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
