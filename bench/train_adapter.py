"""Train the query adapter shipped in models/ (a development step, not run by users).

    .venv/bin/python bench/train_adapter.py --policyqa PATH/TO/policyqa/dev.json \
        [--questions DEVELOPMENT SETS] --out models/query-adapter.npy

Training data: every (policy, question) pair of the PolicyQA file (each policy
indexed on its own by the project's pipeline) plus the answerable development
questions about the shipped policy (counted `--repeat` times). The held-out sets
(eval/heldout*.jsonl) are never used here: they measure the result. On PolicyQA itself the adapter is
measured by cross-validation over policies (`policyqa eval --policyqa`).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa.adapter import QueryAdapter, TrainingGroup, save_adapter, train_query_adapter, training_group  # noqa: E402
from qa.answer import open_index  # noqa: E402
from qa.embed import Embedder, SentenceTransformerEmbedder  # noqa: E402
from qa.evaluate import DEVELOPMENT_SETS, GoldQuestion, development_problem, load_questions  # noqa: E402
from qa.parse import policy_from_segments  # noqa: E402
from qa.policyqa_file import load_policyqa  # noqa: E402
from qa.settings import Settings  # noqa: E402
from qa.store import build_store  # noqa: E402


def policyqa_groups(path: Path, embedder: Embedder) -> list[TrainingGroup]:
    groups = []
    for bench in load_policyqa(path):
        policy = policy_from_segments(bench.title, list(bench.segments))
        store = build_store(policy, embedder, policy_sha256=hashlib.sha256(policy.text.encode()).hexdigest())
        queries = embedder.embed_queries([q.question for q in bench.questions])
        groups.append(training_group(store, queries, [list(q.relevant) for q in bench.questions]))
    return groups


def question_group(questions: list[GoldQuestion], settings: Settings, embedder: Embedder) -> TrainingGroup:
    """The answerable `questions` about the shipped policy as one training group."""
    store = open_index(settings, embedder)
    position = {clause.id: i for i, clause in enumerate(store.policy.clauses)}
    queries = embedder.embed_queries([q.question for q in questions])
    return training_group(store, queries, [[position[a] for a in q.answers] for q in questions])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--policyqa", type=Path, required=True)
    parser.add_argument("--questions", type=Path, nargs="+", default=list(DEVELOPMENT_SETS))
    parser.add_argument("--repeat", type=int, default=10, help="weight of the project's questions")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("models/query-adapter.npy"))
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
