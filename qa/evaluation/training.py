"""Training data for the query adapter: PolicyQA policies and the project's development questions."""

from __future__ import annotations

from pathlib import Path

from qa.embedding.base import Embedder
from qa.evaluation.benchmark import prepare
from qa.evaluation.policyqa_file import load_policyqa
from qa.evaluation.questions import GoldQuestion
from qa.library.names import locate
from qa.search.adapter import TrainingGroup, training_group
from qa.settings import Settings
from qa.store.build import open_index


def policyqa_groups(path: Path, embedder: Embedder) -> list[TrainingGroup]:
    """One training group per policy of a PolicyQA file, each indexed as `qa.evaluation.benchmark.prepare` does."""
    return [prepare(bench, embedder).group for bench in load_policyqa(path)]


def question_group(questions: list[GoldQuestion], settings: Settings, embedder: Embedder) -> TrainingGroup:
    """The answerable `questions` about the shipped policy as one training group."""
    store = open_index(locate(None, settings), embedder)
    position = {clause.id: i for i, clause in enumerate(store.policy.clauses)}
    queries = embedder.embed_queries([q.question for q in questions])
    return training_group(store, queries, [[position[a] for a in q.answers] for q in questions])
