"""Cross-validated figures on the development questions (ranking and the covered decision).

    .venv/bin/python bench/cross_validate.py --policyqa PATH/TO/policyqa/dev.json \
        [--questions eval/questions.jsonl] [--extra eval/unanswerable_extra.jsonl] [--folds 5] [--json]

Question i of the set (file order) is in fold i % folds. Each fold is answered by
    - a query adapter trained the way bench/train_adapter.py trains the shipped one
      (every PolicyQA pair plus the other folds' answerable questions, x --repeat), and
    - a covered threshold chosen by bench/tune_threshold.py's rule (at most --max-false
      of the answerable questions uncovered, together with the word check at the shipped
      `word_match_threshold`, which PolicyQA chose) on the other folds' questions only,
so no figure below comes from a question that chose anything. Prints each fold and the
pooled held-out figures, overall and by kind. `--extra` adds unanswerable questions to
the folds the same way (they choose nothing: the threshold looks only at answerable ones).
About 6 minutes on the busy 2-core machine. eval/heldout.jsonl is never read here.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.train_adapter import policyqa_groups  # noqa: E402
from bench.tune_threshold import choose_threshold, word_similarity  # noqa: E402
from qa.adapter import QueryAdapter, train_query_adapter, training_group  # noqa: E402
from qa.answer import PolicyQA, open_index  # noqa: E402
from qa.embed import SentenceTransformerEmbedder  # noqa: E402
from qa.evaluate import GoldQuestion, check_gold, load_questions  # noqa: E402
from qa.metrics import CUTOFF, Metrics, Outcome, aggregate, aggregate_by, format_table  # noqa: E402
from qa.settings import Settings  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--policyqa", type=Path, required=True, help="PolicyQA file the adapters also train on")
    parser.add_argument("--questions", type=Path, default=Path("eval/questions.jsonl"))
    parser.add_argument("--extra", type=Path, help="more unanswerable questions (evaluated, never fitted)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=10, help="weight of the project's questions, as in training")
    parser.add_argument("--max-false", type=float, default=0.05)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    settings = Settings.from_env()
    embedder = SentenceTransformerEmbedder(settings.model)
    store = open_index(settings, embedder)
    questions = list(load_questions(args.questions))
    extra = list(load_questions(args.extra)) if args.extra else []
    if any(q.answers for q in extra):
        parser.error(f"{args.extra} must hold only unanswerable questions")
    check_gold(questions, store.policy)
    fold_of = {q.id: i % args.folds for i, q in enumerate(questions)}
    fold_of |= {q.id: i % args.folds for i, q in enumerate(extra)}
    if len(fold_of) != len(questions) + len(extra):
        parser.error("question ids must be distinct across --questions and --extra")
    position = {clause.id: i for i, clause in enumerate(store.policy.clauses)}
    groups = policyqa_groups(args.policyqa, embedder)
    vectors = embedder.embed_queries([q.question for q in questions])
    plain = PolicyQA(store, embedder, settings)  # the coverage signal does not depend on the adapter
    coverage = {q.id: plain.retriever.rank(q.question).coverage for q in questions}
    unmatched = {q.id: word_similarity(plain, q.question) < settings.word_match_threshold for q in questions}

    folds: list[tuple[float, Metrics]] = []
    outcomes: list[Outcome] = []
    for fold in range(args.folds):
        train = [i for i, q in enumerate(questions) if fold_of[q.id] != fold and q.answers]
        group = training_group(store, vectors[train], [[position[a] for a in questions[i].answers] for i in train])
        matrix = train_query_adapter([*groups, group], repeats=[1] * len(groups) + [args.repeat])
        adapter = QueryAdapter(matrix, embedder.fingerprint, f"fold {fold + 1}/{args.folds}")
        threshold = choose_threshold(
            np.array([coverage[questions[i].id] for i in train]),
            max_false=args.max_false,
            already=np.array([unmatched[questions[i].id] for i in train]),
        )
        qa = PolicyQA(store, embedder, replace(settings, covered_threshold=threshold), adapter=adapter)
        held = [q for q in [*questions, *extra] if fold_of[q.id] == fold]
        rows = [_outcome(qa, q) for q in held]
        outcomes.extend(rows)
        folds.append((threshold, aggregate(rows)))

    table = {f"fold {n} (t={threshold:.4f})": metrics for n, (threshold, metrics) in enumerate(folds, 1)}
    pooled = {"pooled": aggregate(outcomes)} | aggregate_by(outcomes, lambda o: o.kind)
    if extra:
        extra_ids = {q.id for q in extra}
        pooled["unanswerable, --questions"] = aggregate([o for o in outcomes if not o.gold and o.id not in extra_ids])
        pooled["unanswerable, --extra"] = aggregate([o for o in outcomes if o.id in extra_ids])
    seconds = time.perf_counter() - started
    if args.json:
        report = {
            "folds": [{"covered_threshold": t, "metrics": m.to_json()} for t, m in folds],
            "pooled": {name: m.to_json() for name, m in pooled.items()},
            "seconds": round(seconds, 1),
        }
        print(json.dumps(report, indent=2))
    else:
        sets = f"{args.questions}" + (f" + {args.extra}" if args.extra else "")
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
