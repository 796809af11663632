"""PolicyQA: load the store (building it if needed) and answer questions with citations."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import numpy as np

from qa.embed import Embedder, SentenceTransformerEmbedder
from qa.errors import InvalidQuestion
from qa.parse import load_policy
from qa.retrieve import best_per_group, scatter_scores, top_k
from qa.settings import Settings
from qa.store import IndexStale, Store, build_store, expected_manifest, load_store, save_store
from qa.types import Answer, Hit, Policy

log = logging.getLogger("qa")


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build_index(settings: Settings, embedder: Embedder) -> Store:
    """Parse, split, embed and save the policy's store to `settings.index_dir`."""
    policy = load_policy(settings.policy_path)
    store = build_store(policy, embedder, policy_sha256=file_sha256(settings.policy_path))
    save_store(store, settings.index_dir)
    return store


def open_index(settings: Settings, embedder: Embedder) -> Store:
    """The checked store; a missing or stale one is rebuilt with a one-line notice."""
    from qa.parse import PolicyError

    if not settings.policy_path.exists():
        raise PolicyError(f"policy file {settings.policy_path} not found; set POLICYQA_POLICY_PATH to an existing file")
    expected = expected_manifest(embedder, file_sha256(settings.policy_path))
    try:
        return load_store(settings.index_dir, expected=expected)
    except IndexStale as reason:
        log.warning("policyqa: %s; building it now", reason)
        return build_index(settings, embedder)


def check_question(question: object, k: object, settings: Settings) -> tuple[str, int]:
    """The stripped question and k, or `InvalidQuestion` saying what to change."""
    if not isinstance(question, str) or not question.strip():
        raise InvalidQuestion("the question is empty; type a question about the policy")
    question = question.strip()
    if len(question) > settings.max_question_chars:
        raise InvalidQuestion(
            f"the question has {len(question)} characters; keep it under {settings.max_question_chars}"
        )
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= settings.max_k:
        raise InvalidQuestion(f"k must be a whole number from 1 to {settings.max_k}, not {k!r}")
    return question, k


class PolicyQA:
    """Question answering over one policy's store."""

    def __init__(self, store: Store, embedder: Embedder, settings: Settings) -> None:
        self.store = store
        self.embedder = embedder
        self.settings = settings
        ids = [clause.id for clause in store.policy.clauses]
        position = {clause_id: i for i, clause_id in enumerate(ids)}
        self._sentence_clause = np.array([position[s.clause_id] for s in store.sentences], dtype=np.int64)

    @classmethod
    def load(cls, settings: Settings | None = None, *, embedder: Embedder | None = None) -> PolicyQA:
        """The shipped policy (or the one `settings` names), building its index if needed."""
        settings = settings or Settings.from_env()
        model: Embedder = embedder if embedder is not None else SentenceTransformerEmbedder(settings.model)
        return cls(open_index(settings, model), model, settings)

    @property
    def policy(self) -> Policy:
        return self.store.policy

    def ask(self, question: str, k: int | None = None) -> Answer:
        """The top-k clauses for `question`, best first, one hit per clause."""
        question, k = check_question(question, self.settings.k if k is None else k, self.settings)
        query = self.embedder.embed_queries([question])[0]
        n = len(self.store.sentences)
        scores, rows = self.store.search(query, n)
        dense = scatter_scores(rows, scores, n)
        clause_best, clause_row = best_per_group(dense, self._sentence_clause, len(self.policy.clauses))
        ranked = top_k(clause_best, k)
        hits = tuple(
            self._hit(rank, int(c), int(clause_row[c]), float(clause_best[c])) for rank, c in enumerate(ranked, 1)
        )
        covered = bool(hits) and hits[0].score >= self.settings.covered_threshold
        return Answer(question, covered, hits)

    def _hit(self, rank: int, clause_pos: int, row: int, score: float) -> Hit:
        clause = self.policy.clauses[clause_pos]
        sentence = self.store.sentences[row]
        return Hit(
            rank=rank,
            clause_id=clause.id,
            section=clause.section,
            section_title=clause.section_title,
            clause=clause.number,
            citation=clause.citation,
            text=clause.text,
            sentence=sentence.text,
            sentence_start=sentence.start,
            sentence_end=sentence.end,
            score=score,
            scores={"dense": score},
        )
