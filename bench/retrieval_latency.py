"""Latency cost of hybrid retrieval over the dense-only search, measured in one run.

    .venv/bin/python bench/retrieval_latency.py [eval/questions.jsonl] [--repeat 5]

For each question, alternately: (a) dense only: embed the question, search the
sentence vectors, best sentence per clause, top k; (b) `PolicyQA.ask`: the
same embedding plus the adapter, clause vectors, BM25 and fusion. Prints the
median and p95 of each and the median of the per-question difference (ms).
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
from qa.evaluation.questions import load_questions
from qa.search.fusion import best_per_group, scatter_scores, top_k


def dense_only(qa: PolicyQA, question: str, k: int) -> np.ndarray:
    query = qa.embedder.embed_queries([question])[0]
    n = len(qa.store.sentences)
    scores, rows = qa.store.search(query, n)
    best, _ = best_per_group(scatter_scores(rows, scores, n), qa.retriever.row_clause, len(qa.policy.clauses))
    return top_k(best, k)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("questions", type=Path, nargs="?", default=Path("eval/questions.jsonl"))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    qa = PolicyQA.load()
    questions = [q.question for q in load_questions(args.questions)]
    for question in questions[:10]:  # warm up
        qa.ask(question, 5)
        dense_only(qa, question, 5)
    dense_ms, full_ms = [], []
    for _ in range(args.repeat):
        for question in questions:
            start = time.perf_counter()
            dense_only(qa, question, 5)
            middle = time.perf_counter()
            qa.ask(question, 5)
            dense_ms.append((middle - start) * 1000)
            full_ms.append((time.perf_counter() - middle) * 1000)
    diff = [f - d for f, d in zip(full_ms, dense_ms, strict=True)]
    result = {
        "questions": len(questions),
        "runs": len(dense_ms),
        "dense_only_median_ms": round(statistics.median(dense_ms), 2),
        "dense_only_p95_ms": round(float(np.percentile(dense_ms, 95)), 2),
        "ask_median_ms": round(statistics.median(full_ms), 2),
        "ask_p95_ms": round(float(np.percentile(full_ms, 95)), 2),
        "added_median_ms": round(statistics.median(diff), 2),
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
