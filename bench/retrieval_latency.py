"""What answering a question costs, against the bare query embedding, measured in one run.

    .venv/bin/python bench/retrieval_latency.py [eval/questions.jsonl] [--repeat 5]

For each question, interleaved: (a) the bare ONNX query embedding; (b) dense only: embed, search the
sentence vectors, best sentence per clause, top k; (c) `PolicyQA.ask` with the reader off (the
adapter, clause vectors, BM25, fusion, the covered checks); (d) `PolicyQA.ask` as shipped, the
reader reading the top clauses. Prints the median and p95 of each (ms) and the ratios of the
medians of (c) and (d) to (a): the reader's budget is 4x the bare embedding.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from qa.answer import PolicyQA
from qa.evaluation.questions import load_questions
from qa.search.fusion import best_per_group, scatter_scores, top_k
from qa.settings import Settings


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
    settings = Settings.from_env()
    reader = PolicyQA.load(settings=replace(settings, use_reader=True))
    plain = PolicyQA.over(reader.store, reader.embedder, replace(settings, use_reader=False))
    questions = [q.question for q in load_questions(args.questions)]
    for question in questions[:10]:  # warm up
        reader.ask(question, 5)
        plain.ask(question, 5)
        dense_only(plain, question, 5)
    timings: dict[str, list[float]] = {"embedding": [], "dense_only": [], "ask_without_reader": [], "ask": []}
    steps = {
        "embedding": lambda q: reader.embedder.embed_queries([q]),
        "dense_only": lambda q: dense_only(plain, q, 5),
        "ask_without_reader": lambda q: plain.ask(q, 5),
        "ask": lambda q: reader.ask(q, 5),
    }
    for _ in range(args.repeat):
        for question in questions:  # interleaved, so a busy spell of the machine falls on every step
            for name, step in steps.items():
                start = time.perf_counter()
                step(question)
                timings[name].append((time.perf_counter() - start) * 1000)
    medians = {name: statistics.median(values) for name, values in timings.items()}
    result = {"questions": len(questions), "runs": len(timings["ask"])}
    for name, values in timings.items():
        result[f"{name}_median_ms"] = round(medians[name], 2)
        result[f"{name}_p95_ms"] = round(float(np.percentile(values, 95)), 2)
    result["ask_over_embedding"] = round(medians["ask"] / medians["embedding"], 2)
    result["ask_without_reader_over_embedding"] = round(medians["ask_without_reader"] / medians["embedding"], 2)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
