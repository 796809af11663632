"""The PolicyQA benchmark: segment retrieval on a SQuAD-style file, the project beside two baselines.

Each policy's segments are indexed on their own (one clause per segment). For
each distinct (policy, question) pair the relevant segments are those holding
any of its answers. Four systems rank the segments of the pair's policy:
    policyqa  the project: `PolicyQA.ask` over a store built by the same pipeline,
              with a query adapter trained on the other folds' policies only
    policyqa-no-adapter  the same without the adapter (hybrid retrieval alone)
    bm25      bm25s over whole segments (segments without a query term are not retrieved)
    dense     the embedding model alone: best raw sentence per segment, no section prefix
and, when asked (`shipped=True`, `policyqa eval --policyqa FILE --shipped`):
    policyqa-shipped  the shipped query adapter and reader exactly as installed, nothing trained
              on the file; a fair figure only on a file they never saw (PolicyQA's test split,
              not the dev split the reader was trained on)
The model is loaded once by the caller; each question is embedded once, up front.
The file is read and checked by `qa.evaluation.policyqa_file.load_policyqa`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import bm25s
import numpy as np

from qa.answer import PolicyQA
from qa.embedding.base import Embedder
from qa.evaluation.metrics import (
    CHART_COLUMNS,
    CUTOFF,
    DEFINITIONS,
    LEGEND,
    Chart,
    Metrics,
    Outcome,
    aggregate,
    aggregate_by,
    chart_groups,
    citation_correct,
    format_table,
    timing,
    timing_text,
)
from qa.evaluation.policyqa_file import BenchPolicy
from qa.read.documents import policy_from_segments
from qa.search.adapter import QueryAdapter, TrainingGroup, train_query_adapter, training_group
from qa.search.fusion import best_per_group, top_k
from qa.settings import Settings
from qa.store.build import build_store
from qa.store.manifest import sha256_hex
from qa.store.records import Store
from qa.types import Embedded, Progress, no_progress

SYSTEMS = ("policyqa", "policyqa-no-adapter", "bm25", "dense")
SHIPPED = "policyqa-shipped"
# The project's query adapter is trained per fold: policy i is answered by an adapter
# that never saw policy i (cross-validation over policies).
FOLDS = 5


class QueryCache:
    """An `Embedder` that embeds each distinct query once: `prime` batches them up front.
    Texts that were not primed (a store's sentences) are embedded on each call, not kept."""

    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder
        self._embedded: dict[str, Embedded] = {}
        self.name, self.dimension, self.fingerprint = embedder.name, embedder.dimension, embedder.fingerprint

    def prime(self, texts: Sequence[str]) -> None:
        missing = sorted(set(texts) - self._embedded.keys())
        if missing:
            self._embedded.update(zip(missing, self._embedder.embed_with_words(missing), strict=True))

    def embed_with_words(self, texts: list[str]) -> list[Embedded]:
        missing = sorted(set(texts) - self._embedded.keys())
        fresh = dict(zip(missing, self._embedder.embed_with_words(missing), strict=True))
        return [self._embedded.get(text) or fresh[text] for text in texts]

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        self.prime(texts)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([self._embedded[text].vector for text in texts])

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._embedder.embed_passages(texts)


def ranked(scores: np.ndarray, k: int) -> tuple[int, ...]:
    """`top_k` as a tuple of ints: the positions of the `k` highest finite scores, best first."""
    return tuple(int(i) for i in top_k(scores, k))


def bm25_rankings(segments: Sequence[str], questions: Sequence[str], k: int) -> list[tuple[int, ...]]:
    """BM25 (bm25s, English stopwords) over whole segments: top-k positions per question."""
    quiet: dict[str, Any] = {"stopwords": "en", "return_ids": False, "show_progress": False}
    model = bm25s.BM25()
    model.index(bm25s.tokenize(list(segments), **quiet), show_progress=False)
    tokens = bm25s.tokenize(list(questions), **quiet)
    # A zero score means no query term occurs in the segment: it is not retrieved.
    return [ranked(np.where(scores > 0, scores, -np.inf), k) for scores in map(model.get_scores, tokens)]


def dense_rankings(store: Store, questions: Sequence[str], embedder: Embedder, k: int) -> list[tuple[int, ...]]:
    """The embedding model alone: cosine of the question to each raw sentence, best per segment.

    The store of an untitled segment policy embeds exactly the raw sentences, so its vectors are reused.
    """
    position = {clause.id: i for i, clause in enumerate(store.policy.clauses)}
    owner = np.array([position[s.clause_id] for s in store.sentences], dtype=np.int64)
    scores = embedder.embed_queries(list(questions)) @ store.index.reconstruct_n(0, store.index.ntotal).T
    n_segments = len(store.policy.clauses)
    return [ranked(best_per_group(row, owner, n_segments)[0], k) for row in scores]


@dataclass(frozen=True)
class Prepared:
    """One benchmark policy indexed by the project's pipeline, with its adapter training data."""

    bench: BenchPolicy
    store: Store
    group: TrainingGroup

    def gold(self) -> list[tuple[str, tuple[str, ...]]]:
        """Each question with the ids of the clauses (its policy's segments) that answer it."""
        ids = [clause.id for clause in self.store.policy.clauses]
        return [(q.question, tuple(ids[j] for j in q.relevant)) for q in self.bench.questions]


def prepare(bench: BenchPolicy, embedder: Embedder) -> Prepared:
    policy = policy_from_segments(bench.title, list(bench.segments))
    store = build_store(policy, embedder, policy_sha256=sha256_hex(policy.text.encode()))
    queries = embedder.embed_queries([q.question for q in bench.questions])
    return Prepared(bench, store, training_group(store, queries, [list(q.relevant) for q in bench.questions]))


def cross_validated_adapters(prepared: Sequence[Prepared], embedder: Embedder, folds: int) -> list[QueryAdapter | None]:
    """For policy i, an adapter trained only on the policies outside i's fold (i % folds).

    Fewer than two policies leave nothing to train on: every entry is None.
    """
    folds = min(folds, len(prepared))
    if folds < 2:
        return [None] * len(prepared)
    adapters: list[QueryAdapter | None] = [None] * len(prepared)
    for fold in range(folds):
        train = [p.group for i, p in enumerate(prepared) if i % folds != fold]
        adapter = QueryAdapter(train_query_adapter(train), embedder.fingerprint, f"policyqa fold {fold + 1}/{folds}")
        for i in range(fold, len(prepared), folds):
            adapters[i] = adapter
    return adapters


def score_policy(
    prepared: Prepared,
    embedder: Embedder,
    settings: Settings,
    adapter: QueryAdapter | None,
    *,
    shipped: bool = False,
) -> dict[str, list[Outcome]]:
    """Outcomes of the systems (see `SYSTEMS`, and `SHIPPED` when `shipped`) on one policy's questions."""
    bench, store = prepared.bench, prepared.store
    ids = [clause.id for clause in store.policy.clauses]
    questions = [q.question for q in bench.questions]
    project = {
        "policyqa": PolicyQA(store, embedder, settings, adapter=adapter),
        "policyqa-no-adapter": PolicyQA(store, embedder, settings),
    }
    if shipped:
        project[SHIPPED] = PolicyQA.over(store, embedder, settings)
    answers = {name: [qa.ask(question, CUTOFF) for question in questions] for name, qa in project.items()}
    baselines = {
        "bm25": bm25_rankings(bench.segments, questions, CUTOFF),
        "dense": dense_rankings(store, questions, embedder, CUTOFF),
    }
    scored: dict[str, list[Outcome]] = {name: [] for name in (*project, *baselines)}
    golds = [gold for _, gold in prepared.gold()]
    for i, question in enumerate(bench.questions):
        gold = golds[i]
        row = (question.id, question.question, "answerable" if gold else "unanswerable", bench.title, gold)
        for name, rows in answers.items():
            answer = rows[i]
            ranked = tuple(hit.clause_id for hit in answer.hits)
            scored[name].append(Outcome(*row, ranked, answer.covered, citation_correct(answer, store.policy, gold)))
        for name, rankings in baselines.items():
            scored[name].append(Outcome(*row, tuple(ids[j] for j in rankings[i])))
    return scored


def run_benchmark(
    policies: Sequence[BenchPolicy],
    embedder: Embedder,
    settings: Settings,
    *,
    shipped: bool = False,
    progress: Progress = no_progress,
) -> dict[str, tuple[Outcome, ...]]:
    """Outcomes per system (see `SYSTEMS`; `SHIPPED` too when `shipped`) over every pair of `policies`."""
    cache = QueryCache(embedder)
    cache.prime([q.question for policy in policies for q in policy.questions])
    total = 2 * sum(len(policy.questions) for policy in policies)
    prepared, done = [], 0
    for policy in policies:
        prepared.append(prepare(policy, cache))
        done += len(policy.questions)
        progress(done / total, f"policyqa: {done:,} of {total:,} steps")
    adapters = cross_validated_adapters(prepared, cache, FOLDS)
    outcomes: dict[str, list[Outcome]] = {}
    for item, adapter in zip(prepared, adapters, strict=True):
        for name, rows in score_policy(item, cache, settings, adapter, shipped=shipped).items():
            outcomes.setdefault(name, []).extend(rows)
        done += len(item.bench.questions)
        progress(done / total, f"policyqa: {done:,} of {total:,} steps")
    return {name: tuple(rows) for name, rows in outcomes.items()}


@dataclass(frozen=True)
class BenchmarkReport:
    """PolicyQA outcomes per system (the project and two baselines) over the same pairs."""

    source: str
    settings: dict[str, object]
    systems: dict[str, tuple[Outcome, ...]]
    counts: dict[str, int]
    seconds: float
    chart_name = "systems.png"

    def by_policy(self) -> dict[str, dict[str, Metrics]]:
        """Policy title -> system -> metrics, policies in file order."""
        per_system = {name: aggregate_by(rows, lambda o: o.group) for name, rows in self.systems.items()}
        titles = next(iter(per_system.values()), {})
        return {title: {name: rows[title] for name, rows in per_system.items()} for title in titles}

    def to_json(self) -> dict[str, object]:
        by_policy = self.by_policy()
        return {
            "set": "policyqa",
            "source": self.source,
            "settings": self.settings,
            "counts": self.counts,
            "systems": {name: aggregate(rows).to_json() for name, rows in self.systems.items()},
            "by_policy": {title: {n: m.to_json() for n, m in row.items()} for title, row in by_policy.items()},
            "timing": timing(self.seconds, self.counts["pairs"]),
            "definitions": DEFINITIONS,
        }

    def to_text(self) -> str:
        counts = ", ".join(f"{value} {name}" for name, value in self.counts.items())
        used = ", ".join(f"{name} {value}" for name, value in self.settings.items())
        table = format_table({name: aggregate(rows) for name, rows in self.systems.items()}, label="system")
        lines = [f"PolicyQA {self.source}: {counts}; {used}", "", table, LEGEND, ""]
        lines.append(f"MRR@10 by policy ({' / '.join(self.systems)}):")
        for title, row in self.by_policy().items():
            cells = "  ".join("-" if m.mrr_at_10 is None else f"{m.mrr_at_10:.3f}" for m in row.values())
            lines.append(f"  {title:<24} {next(iter(row.values())).questions:>4}  {cells}")
        return "\n".join([*lines, "", timing_text(self.seconds, self.counts["pairs"], "pairs")])

    def chart(self) -> tuple[str, Chart]:
        """Metric -> system -> value, so each metric shows the three systems side by side."""
        rows = chart_groups({name: aggregate(rows) for name, rows in self.systems.items()}, CHART_COLUMNS)
        groups = {title: {name: row[title] for name, row in rows.items()} for _, title in CHART_COLUMNS}
        return "PolicyQA segment retrieval: the project beside two baselines", groups


def evaluate_policyqa(
    policies: Sequence[BenchPolicy],
    embedder: Embedder,
    settings: Settings,
    *,
    source: str = "",
    shipped: bool = False,
    progress: Progress = no_progress,
) -> BenchmarkReport:
    """Run the systems on `policies` and report their metrics, counts and timing."""
    start = time.perf_counter()
    systems = run_benchmark(policies, embedder, settings, shipped=shipped, progress=progress)
    counts = {
        "policies": len(policies),
        "segments": sum(len(p.segments) for p in policies),
        "pairs": sum(len(p.questions) for p in policies),
    }
    used: dict[str, object] = {"model": settings.model, "k": CUTOFF, "covered_threshold": settings.covered_threshold}
    if shipped:
        used["shipped"] = f"adapter {settings.use_adapter}, reader {settings.use_reader}"
    return BenchmarkReport(source, used, systems, counts, time.perf_counter() - start)
