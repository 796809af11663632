"""Cross-validated figures on the development questions (ranking and the covered decision).

    .venv/bin/python experiments/cross_validate.py --policyqa PATH/TO/policyqa/dev.json \
        [--questions DEVELOPMENT SETS (default: qa.evaluate.DEVELOPMENT_SETS)] [--folds 5] [--json]

Question i of each file (file order) is in fold i % folds. Each fold is answered by
    - a query adapter trained the way scripts/train_adapter.py trains the shipped one
      (every PolicyQA pair plus the other folds' answerable questions, x --repeat), and
    - the two covered thresholds chosen by scripts/tune_threshold.py's rule (at most --max-false
      of the answerable questions marked, as many unanswerable ones caught as possible) on the
      other folds' questions only, as that fold's adapter answers them,
so no figure below comes from a question that chose anything. Prints each fold and the pooled
held-out figures, overall, by kind and by file. About 3 minutes on the busy 2-core machine.
The held-out sets (eval/heldout*.jsonl) are never read here.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

from qa.answer import PolicyQA
from qa.embedding.torch_model import SentenceTransformerEmbedder
from qa.evaluation.metrics import CUTOFF, Metrics, Outcome, aggregate, aggregate_by, format_table
from qa.evaluation.questions import DEVELOPMENT_SETS, GoldQuestion, check_gold, development_problem, load_questions
from qa.evaluation.thresholds import choose_thresholds, gather_evidence
from qa.evaluation.training import policyqa_groups
from qa.library.names import locate
from qa.search.adapter import QueryAdapter, train_query_adapter, training_group
from qa.settings import Settings
from qa.store.build import open_index


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--policyqa", type=Path, required=True, help="PolicyQA file the adapters also train on")
    parser.add_argument("--questions", type=Path, nargs="+", default=list(DEVELOPMENT_SETS))
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=10, help="weight of the project's questions, as in training")
    parser.add_argument("--max-false", type=float, default=0.05)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if problem := development_problem(args.questions, "train the folds’ adapters or choose their thresholds"):
        parser.error(problem)
    started = time.perf_counter()
    settings = Settings.from_env()
    embedder = SentenceTransformerEmbedder(settings.model)
    store = open_index(locate(None, settings), embedder)
    by_file = {path: list(load_questions(path)) for path in args.questions}
    questions = [q for listed in by_file.values() for q in listed]
    check_gold(questions, store.policy)
    fold_of = {q.id: i % args.folds for listed in by_file.values() for i, q in enumerate(listed)}
    source = {q.id: path.name for path, listed in by_file.items() for q in listed}
    if len(fold_of) != len(questions):
        parser.error("question ids must be distinct across the question files")
    position = {clause.id: i for i, clause in enumerate(store.policy.clauses)}
    groups = policyqa_groups(args.policyqa, embedder)
    vectors = embedder.embed_queries([q.question for q in questions])

    folds: list[tuple[tuple[float, float], Metrics]] = []
    outcomes: list[Outcome] = []
    for fold in range(args.folds):
        train = [i for i, q in enumerate(questions) if fold_of[q.id] != fold]
        answered = [i for i in train if questions[i].answers]
        group = training_group(
            store, vectors[answered], [[position[a] for a in questions[i].answers] for i in answered]
        )
        matrix = train_query_adapter([*groups, group], repeats=[1] * len(groups) + [args.repeat])
        adapter = QueryAdapter(matrix, embedder.fingerprint, f"fold {fold + 1}/{args.folds}")
        evidence = gather_evidence(PolicyQA(store, embedder, settings, adapter=adapter), [questions[i] for i in train])
        word_threshold, covered_threshold = choose_thresholds(evidence, max_false=args.max_false)
        # The expansion shares the word threshold, as in the shipped settings.
        chosen = replace(
            settings,
            covered_threshold=covered_threshold,
            word_match_threshold=word_threshold,
            expand_threshold=word_threshold,
        )
        qa = PolicyQA(store, embedder, chosen, adapter=adapter)
        rows = [_outcome(qa, q) for q in questions if fold_of[q.id] == fold]
        outcomes.extend(rows)
        folds.append(((word_threshold, covered_threshold), aggregate(rows)))

    table = {f"fold {n} (words {w:.4f}, cosine {c:.4f})": metrics for n, ((w, c), metrics) in enumerate(folds, 1)}
    pooled = (
        {"pooled": aggregate(outcomes)}
        | aggregate_by(outcomes, lambda o: o.kind)
        | aggregate_by(outcomes, lambda o: source[o.id])
    )
    seconds = time.perf_counter() - started
    if args.json:
        report = {
            "folds": [
                {"word_match_threshold": w, "covered_threshold": c, "metrics": m.to_json()} for (w, c), m in folds
            ],
            "pooled": {name: m.to_json() for name, m in pooled.items()},
            "seconds": round(seconds, 1),
        }
        print(json.dumps(report, indent=2))
    else:
        sets = " + ".join(path.name for path in args.questions)
        print(f"{sets} in {args.folds} folds; adapters on {args.policyqa.name} + the other folds")
        print(format_table(table, label="held-out fold"))
        print(format_table(pooled, label="held-out, pooled"))
        print(f"{seconds:.0f} s")
    return 0


def _outcome(qa: PolicyQA, question: GoldQuestion) -> Outcome:
    answer = qa.ask(question.question, CUTOFF)
    ranked = tuple(hit.clause_id for hit in answer.hits)
    return Outcome(question.id, question.question, question.kind, "", question.answers, ranked, answer.covered)


if __name__ == "__main__":
    sys.exit(main())
