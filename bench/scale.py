"""The store's FAISS layer at 10k, 100k and 1M sentence-like vectors: build time, memory, recall, latency.

    .venv/bin/python bench/scale.py [--sizes 10000 100000 1000000] [--queries 200] [--out FILE]

Vectors (384 dims) are made to resemble real sentence embeddings. The real
ones are the shipped policy's sentence and clause vectors (from its index)
plus the sentences of the PolicyQA slice in tests/data, embedded by the model.
Each synthetic vector is
    normalise((1 - w) * a + w * b + s * noise),   a, b real embeddings drawn at random,
    w ~ U(0, 0.5), s ~ U(0.3, 0.8), noise ~ N(0, C)
where C is the covariance of the real embeddings, so the noise varies along the
directions real sentences vary in (not uniformly over the sphere). The result
is a continuum of paraphrase-like neighbours: median nearest-neighbour cosine
and median pairwise cosine are printed beside the real vectors' own.
Queries are real questions (eval/*.jsonl and the slice), embedded by the model,
never in the store. Recall@10 is against exact inner products (numpy), latency
is one query per `search` call, memory is the serialised index and the growth of
this process's resident memory while building it.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from qa.embedding.factory import create_embedder
from qa.settings import SHIPPED_INDEX, Settings
from qa.store.vectors import build_vector_index, index_kind, search_vectors

ROOT = Path(__file__).resolve().parent.parent

SLICE = ROOT / "tests" / "data" / "policyqa-slice.json"
QUESTION_FILES = (ROOT / "eval" / "questions.jsonl", ROOT / "eval" / "heldout.jsonl")
CHUNK = 100_000


def real_embeddings(settings: Settings) -> tuple[np.ndarray, np.ndarray]:
    """(passages (n, d), questions (m, d)): the shipped index's vectors, slice sentences and real questions."""
    shipped = []
    for name in ("index.faiss", "clauses.faiss"):
        index = faiss.read_index(str(SHIPPED_INDEX / name))
        shipped.append(index.reconstruct_n(0, index.ntotal))
    data = json.loads(SLICE.read_text(encoding="utf-8"))["data"]
    paragraphs = [p for policy in data for p in policy["paragraphs"]]
    sentences = [s for p in paragraphs for s in re.split(r"(?<=[.!?])\s+", p["context"]) if len(s) > 20]
    questions = [json.loads(line)["question"] for path in QUESTION_FILES for line in path.open(encoding="utf-8")]
    questions += sorted({qa["question"] for p in paragraphs for qa in p["qas"]})
    embedder = create_embedder(settings)
    passages = np.concatenate([*shipped, embedder.embed_passages(sentences)])
    return passages, embedder.embed_queries(questions)


def sentence_like(real: np.ndarray, n: int, *, seed: int) -> np.ndarray:
    """n unit vectors (n, d) float32 from the noise model in the module docstring, in chunks."""
    rng = np.random.default_rng(seed)
    _, spread, axes = np.linalg.svd(real - real.mean(axis=0), full_matrices=False)
    root = (axes.T * (spread / np.sqrt(len(real)))).astype(np.float32)  # root @ z ~ N(0, C)
    out = np.empty((n, real.shape[1]), dtype=np.float32)
    for start in range(0, n, CHUNK):
        m = min(CHUNK, n - start)
        a, b = rng.integers(0, len(real), (2, m))
        w = rng.uniform(0, 0.5, (m, 1)).astype(np.float32)
        s = rng.uniform(0.3, 0.8, (m, 1)).astype(np.float32)
        x = (1 - w) * real[a] + w * real[b] + s * (rng.standard_normal((m, len(spread)), dtype=np.float32) @ root.T)
        out[start : start + m] = x / np.linalg.norm(x, axis=1, keepdims=True)
    return out


def exact_top(vectors: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    """(m, k) rows of the k largest inner products per query, by numpy in chunks of the store."""
    best_scores = np.full((len(queries), 0), -np.inf, dtype=np.float32)
    best_rows = np.zeros((len(queries), 0), dtype=np.int64)
    for start in range(0, len(vectors), CHUNK):
        scores = queries @ vectors[start : start + CHUNK].T
        top = np.argpartition(-scores, min(k, scores.shape[1] - 1), axis=1)[:, :k]
        best_scores = np.concatenate([best_scores, np.take_along_axis(scores, top, axis=1)], axis=1)
        best_rows = np.concatenate([best_rows, top + start], axis=1)
        keep = np.argsort(-best_scores, axis=1, kind="stable")[:, :k]
        best_scores, best_rows = np.take_along_axis(best_scores, keep, 1), np.take_along_axis(best_rows, keep, 1)
    return best_rows


def resident_mb() -> float:
    """This process's resident memory now (Linux /proc; 0 elsewhere)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def nn_cosine(vectors: np.ndarray, sample: int = 2000) -> float:
    """Median cosine of a vector to its nearest other vector, over the first `sample` vectors."""
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    scores, _ = index.search(vectors[:sample], 2)
    return float(np.median(scores[:, 1]))


def measure(real: np.ndarray, queries: np.ndarray, size: int) -> dict[str, object]:
    vectors = sentence_like(real, size, seed=size)
    before = resident_mb()
    start = time.perf_counter()
    index = build_vector_index(vectors)
    build_s = time.perf_counter() - start
    growth = resident_mb() - before
    latencies = []
    for query in np.concatenate([queries[:20], queries]):
        start = time.perf_counter()
        search_vectors(index, query, 10)
        latencies.append(time.perf_counter() - start)
    latencies = latencies[20:]  # the first 20 warm the caches
    _, rows = search_vectors(index, queries, 10)
    truth = exact_top(vectors, queries, 10)
    recall = float(np.mean([len(set(r) & set(t)) / 10 for r, t in zip(rows, truth, strict=True)]))
    return {
        "rows": size,
        "kind": index_kind(size),
        "lists": int(getattr(index, "nlist", 0)),
        "probes": int(getattr(index, "nprobe", 0)),
        "build_s": round(build_s, 2),
        "index_mb": round(faiss.serialize_index(index).nbytes / 1e6, 1),
        "rss_growth_mb": round(growth, 1),
        "recall_at_10": round(recall, 4),
        "search_median_ms": round(1000 * statistics.median(latencies), 3),
        "search_p95_ms": round(1000 * float(np.percentile(latencies, 95)), 3),
        "nn_cosine_median": round(nn_cosine(vectors), 3),
    }


def table(report: dict[str, Any]) -> str:
    """The sizes as a markdown table."""
    header = "| vectors (384 dims) | index | lists / probes | build | index size | RSS growth | recall@10 | "
    lines = [header + f"search median / p95 ({report['queries']} queries) |", "|" + " --- |" * 8]
    for r in report["sizes"]:
        probes = f"{r['lists']} / {r['probes']}" if r["lists"] else "-"
        lines.append(
            f"| {r['rows']:,} | {r['kind']} | {probes} | {r['build_s']:.1f} s | {r['index_mb']:.0f} MB | "
            f"{r['rss_growth_mb']:.0f} MB | {r['recall_at_10']:.3f} | "
            f"{r['search_median_ms']:.2f} / {r['search_p95_ms']:.2f} ms |"
        )
    synthetic = ", ".join(f"{r['nn_cosine_median']:.2f}" for r in report["sizes"])
    lines.append(
        f"\nReal embeddings: {report['real_vectors']} (nearest-neighbour cosine median "
        f"{report['real_nn_cosine_median']:.2f}, pairwise {report['real_pairwise_cosine_median']:.2f}); "
        f"synthetic nearest-neighbour cosine median by size: {synthetic}."
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--out", type=Path, default=None, help="write the results here as JSON")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a markdown table")
    args = parser.parse_args(argv)
    real, questions = real_embeddings(Settings.from_env())
    queries = questions[: args.queries]
    report: dict[str, Any] = {
        "real_vectors": len(real),
        "queries": len(queries),
        "real_nn_cosine_median": round(nn_cosine(real, len(real)), 3),
        "real_pairwise_cosine_median": round(float(np.median(real @ real.T)), 3),
        "sizes": [],
    }
    for size in args.sizes:
        row = measure(real, queries, size)
        report["sizes"].append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)
    text = json.dumps(report, indent=2)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
    print(text if args.json else table(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
