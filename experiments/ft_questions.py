"""The development questions answered with each of several embedding models, no adapter (experiment 9).

    .venv/bin/python experiments/ft_questions.py --model all-MiniLM-L6-v2 --model models-ft/all \
        [--questions eval/questions.jsonl] [--index-root /tmp/exp9-index] [--json]

For each model the shipped policy is indexed into --index-root/<n> (torch backend, adapter
off) and every question is asked for 10 hits. Prints Hit@k and MRR@10 overall and by kind,
abstention at the shipped covered threshold and at a threshold cross-validated the way
an earlier experiments/cross_validate.py did (question i in fold i % 5; each fold's similarity
threshold chosen by `choose_threshold` on the other folds' answerable questions, the word check
as shipped), and the median latency of `ask` (one thread, as shipped). A file holding held-out
questions is refused.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from qa.answer import PolicyQA
from qa.evaluation.metrics import Outcome, aggregate, aggregate_by, format_table
from qa.evaluation.question_report import evaluate_questions
from qa.evaluation.questions import development_problem, load_questions
from qa.evaluation.thresholds import choose_threshold
from qa.settings import Settings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", action="append", required=True)
    parser.add_argument("--questions", type=Path, default=Path("eval/questions.jsonl"))
    parser.add_argument("--index-root", type=Path, default=Path("/tmp/exp9-index"))
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--max-false", type=float, default=0.05)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if problem := development_problem([args.questions], "choose a threshold"):
        parser.error(problem)
    questions = load_questions(args.questions)
    report = {}
    for n, model in enumerate(args.model):
        root = args.index_root / str(n)
        settings = Settings(
            index_dir=root / "index", model=model, backend="torch", use_adapter=False, model_cache_dir=root / "models"
        )
        started = time.perf_counter()
        qa = PolicyQA.load(settings=settings)
        load_seconds = time.perf_counter() - started
        outcomes = evaluate_questions(qa, questions).outcomes
        coverage = {q.id: qa.retriever.rank(q.question).coverage for q in questions}
        cv = []  # the same outcomes, `covered` decided by a threshold the question's fold did not choose
        for i, (q, o) in enumerate(zip(questions, outcomes, strict=True)):
            train = [coverage[p.id] for j, p in enumerate(questions) if j % args.folds != i % args.folds and p.answers]
            threshold = choose_threshold(np.array(train), max_false=args.max_false)
            cv.append(Outcome(o.id, o.question, o.kind, o.group, o.gold, o.ranked, coverage[q.id] >= threshold))
        latency = []
        for q in questions:
            tick = time.perf_counter()
            qa.ask(q.question, 10)
            latency.append(1000 * (time.perf_counter() - tick))
        rows = {"all": aggregate(outcomes)} | aggregate_by(outcomes, lambda o: o.kind)
        rows["all, CV threshold"] = aggregate(cv)
        report[model] = {
            "metrics": {name: m.to_json() for name, m in rows.items()},
            "ask_ms_median": round(statistics.median(latency), 2),
            "index_build_s": round(load_seconds, 1),
        }
        if not args.json:
            print(format_table(rows, label=model))
            print(f"ask median {statistics.median(latency):.2f} ms; load + index {load_seconds:.0f} s\n")
    if args.json:
        print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
