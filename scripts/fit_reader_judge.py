"""Fit the reader's judge (qa/data/reader/judge.json) on development questions of several policies.

    .venv/bin/python scripts/fit_reader_judge.py [--reader DIR] [--out qa/data/reader/judge.json] [--max-false 0.05]

Questions: the shipped policy's development sets (qa.evaluation.questions.DEVELOPMENT_SETS) and
eval/corpus.jsonl (16 real policies, tests/data/corpus). Each is answered by the search alone (the
reader off), its first `--candidates` clauses read by the reader (which never saw these policies'
questions: it is trained on PolicyQA and the shipped policy's development sets), and the features of
`qa.reader.judge` recorded. Then, for every policy in turn, the two models are fitted on the other
policies' questions, the covered threshold chosen there (at most --max-false of their answerable
questions marked), and the policy's own questions judged: the cross-validated figures printed and
written into the judge. Last, the judge is fitted on every question and written. The held-out sets
(eval/heldout*.jsonl) are never read.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from qa.answer import PolicyQA
from qa.coverage.asked_for import unstated
from qa.embedding.factory import create_index_embedder
from qa.evaluation.corpus import policy_indexes
from qa.evaluation.questions import DEVELOPMENT_SETS, GoldQuestion, development_problem, load_questions
from qa.reader.judge import Judge, clause_features, clause_order, fit_logistic, linear, sigmoid, threshold_for
from qa.reader.model import load_reader
from qa.reader.stage import Reading, judge_hits
from qa.settings import PACKAGE, ROOT, SHIPPED_NAME, Settings

CANDIDATES = 3
CORPUS_SET = ROOT / "eval" / "corpus.jsonl"
# A judge that decides nothing: the reader's scores are read before any judge is fitted.
BLANK = Judge((0.0,) * 10, (0.0,) * 5, 0.5, CANDIDATES)


@dataclass(frozen=True)
class Example:
    """One development question as the judge sees it."""

    policy: str
    answerable: bool
    question_features: tuple[float, ...]
    clause_features: np.ndarray  # (read, features) in the search's order
    clause_gold: np.ndarray  # (read,) bool
    first_gold: bool  # the search's first hit answers it


def examples_of(
    qa: PolicyQA, policy: str, questions: Sequence[tuple[str, tuple[str, ...]]], reading: Reading
) -> list[Example]:
    """Each (question, gold clause ids) answered by the search alone and read as `qa.reader.stage` reads."""
    found = []
    depth = qa.settings.asked_for_hits
    for question, gold in questions:
        answer = qa.ask(question, max(10, CANDIDATES, depth))
        asked = answer.corrected or question
        assert answer.coverage is not None
        best = [hit.text for hit in answer.hits[:depth]]
        judged = judge_hits(
            reading,
            asked,
            answer.hits,
            coverage=answer.coverage,
            asked_for_missing=bool(depth) and unstated(asked, best) is not None,
            sentences=len(qa.store.sentences),
        )
        read = answer.hits[:CANDIDATES]
        similarities = [hit.scores.get("similarity", 0.0) for hit in read]
        features = clause_features([hit.score for hit in read], judged.reader_logits, similarities)
        found.append(
            Example(
                policy,
                bool(gold),
                judged.question_features,
                features,
                np.array([hit.clause_id in gold for hit in read]),
                bool(answer.hits) and answer.hits[0].clause_id in gold,
            )
        )
    return found


def gather(settings: Settings, reading: Reading, corpus: Path) -> list[Example]:
    embedder = create_index_embedder(settings)
    plain = replace(settings, use_reader=False)
    found: list[Example] = []
    shipped = PolicyQA.load(settings=plain, embedder=embedder)
    dev = [q for path in DEVELOPMENT_SETS for q in load_questions(path)]
    found += examples_of(shipped, SHIPPED_NAME, [(q.question, q.answers) for q in dev], reading)
    questions: list[GoldQuestion] = list(load_questions(corpus))
    for name, store, asked in policy_indexes(questions, settings, embedder):
        about = [(q.question, gold) for q, gold in asked]
        found += examples_of(PolicyQA.over(store, embedder, plain), name, about, reading)
        print(f"fit: {name} read", file=sys.stderr, flush=True)
    return found


def fit(examples: Sequence[Example], max_false: float) -> Judge:
    """Both models and the threshold, fitted on `examples`."""
    answered = fit_logistic([e.question_features for e in examples], [int(e.answerable) for e in examples])
    rows = [e for e in examples if e.answerable]
    clause = fit_logistic(
        np.concatenate([e.clause_features for e in rows]), np.concatenate([e.clause_gold for e in rows]).astype(int)
    )
    probabilities = [sigmoid(linear(answered, e.question_features)) for e in rows]
    return Judge(answered, clause, threshold_for(probabilities, max_false=max_false), CANDIDATES)


def cross_validated(examples: Sequence[Example], max_false: float) -> dict[str, dict[str, float]]:
    """Each policy's questions judged by a judge fitted on the other policies: per group of policies,
    the share of unanswerable questions marked not covered, of answerable ones wrongly marked, Hit@1
    after the judge's reordering and before it."""
    marks, hits = [], []
    for policy in dict.fromkeys(e.policy for e in examples):
        judge = fit([e for e in examples if e.policy != policy], max_false)
        for e in (e for e in examples if e.policy == policy):
            marks.append(
                (e.policy, e.answerable, sigmoid(linear(judge.answered_weights, e.question_features)) < judge.threshold)
            )
            if e.answerable:
                order, _ = clause_order(judge, e.clause_features)
                hits.append((e.policy, bool(e.clause_gold[order[0]]), e.first_gold))
    report = {}
    for group, keep in (
        ("corpus", lambda p: p != SHIPPED_NAME),
        ("shipped", lambda p: p == SHIPPED_NAME),
        ("all", lambda p: True),
    ):
        m = [(a, x) for p, a, x in marks if keep(p)]
        h = [(x, y) for p, x, y in hits if keep(p)]
        report[group] = {
            "questions": len(m),
            "unanswerable_caught": round(float(np.mean([x for a, x in m if not a])), 4),
            "answerable_wrongly": round(float(np.mean([x for a, x in m if a])), 4),
            "hit@1_judged": round(float(np.mean([x for x, _ in h])), 4),
            "hit@1_search": round(float(np.mean([y for _, y in h])), 4),
        }
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reader", type=Path, default=PACKAGE / "data" / "reader")
    parser.add_argument("--out", type=Path, default=PACKAGE / "data" / "reader" / "judge.json")
    parser.add_argument("--corpus-questions", type=Path, default=CORPUS_SET)
    parser.add_argument("--max-false", type=float, default=0.05)
    args = parser.parse_args()
    if problem := development_problem([*DEVELOPMENT_SETS, args.corpus_questions], "fit the reader's judge"):
        parser.error(problem)
    started = time.perf_counter()
    settings = Settings.from_env()
    reading = Reading(load_reader(args.reader, threads=0), BLANK)
    examples = gather(settings, reading, args.corpus_questions)
    measured = cross_validated(examples, args.max_false)
    judge = fit(examples, args.max_false)
    sets = ", ".join(p.name for p in DEVELOPMENT_SETS)
    corpus = args.corpus_questions.name
    fitted_on = f"{len(examples)} development questions: {sets} (the shipped policy); {corpus} (16 policies)"
    args.out.write_text(replace(judge, fitted_on=fitted_on, measured=measured).dumps(), encoding="utf-8")
    print(json.dumps(measured, indent=2))
    print(f"threshold {judge.threshold}; wrote {args.out} in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
