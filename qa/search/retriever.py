"""Question -> clause scores: one embedder call, FAISS look-ups, BM25, then pure fusion.

Four signals are scored for every clause and fused (z-scored, weighted):
    dense            best sentence cosine (sentence under its section title)
    dense_clause     cosine with the whole clause
    lexical          BM25 over the clause plus the gists of the defined terms it uses
    lexical_sentence best BM25 over single sentences
Both BM25 signals search the question plus its `expansion`: the policy's own words for the
question's words it never uses ("cops" -> "enforcement"), found by contextual token vectors
(`qa.search.expansion`) from the same model run.
The weights live in `Settings` (chosen on the development questions). With a
query adapter the dense signals use the adapted question vector; `similarity`
(best-sentence cosine with the plain question vector, not fused) stays on the
model's own scale for the "covered" decision and the relevance labels.
`word_match` is the question's least-matched salient word (`qa.coverage.words`), from
the same model run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qa.coverage.asked_for import cue_words
from qa.coverage.words import Neighbours, WordMatch, match_words, neighbours
from qa.embedding.base import Embedder
from qa.read.terms import Definition, expansions, find_definitions, terms_used
from qa.search.adapter import QueryAdapter
from qa.search.expansion import brand_words, corrected, expand, query_words
from qa.search.fusion import best_per_group, fuse, scatter_scores
from qa.store.lexical import LexicalIndex
from qa.store.records import Store
from qa.types import Embedded, Expanded
from qa.vocabulary import text_words


@dataclass(frozen=True)
class Ranking:
    """Scores for every clause of the store, in clause order, plus each clause's best sentence row.

    `coverage` is the cosine of the closest sentence to the plain (unadapted)
    question vector: the evidence for "the policy covers this"; per clause it is
    `parts["similarity"]`. `word_match` is the salient question word with the
    least similar policy word (None when the question has no salient word). `expansion` holds
    the policy words the BM25 signals searched for besides the question's own, and
    `unexpanded_first` the clause that would be first without them, where that is another clause than
    the first (else -1): the reader may put it back on top (`qa.reader.stage.judge_hits`). `corrected`
    is the question as searched when its misspellings were corrected first (else empty).
    """

    fused: np.ndarray
    parts: dict[str, np.ndarray]
    best_row: np.ndarray
    coverage: float
    word_match: WordMatch | None = None
    expansion: tuple[Expanded, ...] = ()
    corrected: str = ""
    unexpanded_first: int = -1


def lexical_clause_text(title: str, text: str, gists: list[str]) -> str:
    """The clause as BM25 sees it: title, text, and what its defined terms stand for."""
    return " ".join([title, text, *gists])


class Retriever:
    """Scores clauses of one store for a question; shared read-only across threads."""

    def __init__(
        self,
        store: Store,
        embedder: Embedder,
        weights: dict[str, float],
        *,
        adapter: QueryAdapter | None = None,
        expand_neighbours: int = 0,
        expand_threshold: float = 1.0,
    ) -> None:
        """`expand_neighbours` and `expand_threshold` choose the BM25 query's expansion
        (`qa.search.expansion`; 0 neighbours, the default, turns it off)."""
        self.store = store
        self.embedder = embedder
        self.weights = weights
        self.adapter = adapter
        self.expand_neighbours = expand_neighbours
        self.expand_threshold = expand_threshold
        clauses = store.policy.clauses
        position = {clause.id: i for i, clause in enumerate(clauses)}
        self.row_clause = np.array([position[s.clause_id] for s in store.sentences], dtype=np.int64)
        self.policy_words = text_words(store.policy.text)
        self.brand_words = brand_words(store.policy.title)
        self.definitions: tuple[Definition, ...] = find_definitions(store.policy, store.sentences)
        self.terms = [terms_used(clause, self.definitions) for clause in clauses]
        gist = expansions(self.definitions, dict(zip((c.id for c in clauses), self.terms, strict=True)))
        self.lexical = LexicalIndex(
            [
                lexical_clause_text(c.section_title, c.text, [gist[t] for t, _ in used])
                for c, used in zip(clauses, self.terms, strict=True)
            ]
        )
        titles = [clauses[i].section_title for i in self.row_clause]
        self.lexical_sentences = LexicalIndex(
            [f"{title} {s.text}" for title, s in zip(titles, store.sentences, strict=True)]
        )

    def rank(self, question: str) -> Ranking:
        """Scores of every clause for `question`. The only model call is one query embedding, and a
        second one of the corrected question when it misspells words (`qa.search.expansion.corrected`)."""
        embedded = self.embedder.embed_with_words([question])[0]
        found = self.look_up(embedded)
        fixed = corrected(question, found, self.policy_words)
        if fixed is not None:
            question = fixed
            embedded = self.embedder.embed_with_words([question])[0]
            found = self.look_up(embedded)
        plain = embedded.vector[None, :]
        query = self.adapter.apply(plain)[0] if self.adapter is not None else plain[0]
        n_rows, n_clauses = len(self.store.sentences), len(self.store.policy.clauses)
        scores, rows = self.store.search(query, n_rows)
        dense_rows = scatter_scores(rows, scores, n_rows)
        if self.adapter is None:
            plain_rows = dense_rows
        else:
            plain_rows = scatter_scores(*self.store.search(plain[0], n_rows)[::-1], n_rows)
        scores, positions = self.store.search_clauses(query, n_clauses)
        expanded = expand(
            found,
            self.policy_words,
            per_word=self.expand_neighbours,
            threshold=self.expand_threshold,
            skip=cue_words(question),
            avoid=self.brand_words,
        )
        added = query_words(question, expanded)
        lexical_query = " ".join([question, *added])
        lexical_rows = self.lexical_sentences.scores(lexical_query)
        parts = {
            "dense": best_per_group(dense_rows, self.row_clause, n_clauses)[0],
            "dense_clause": scatter_scores(positions, scores, n_clauses),
            "lexical": self.lexical.scores(lexical_query),
            "lexical_sentence": best_per_group(lexical_rows, self.row_clause, n_clauses)[0],
            "similarity": best_per_group(plain_rows, self.row_clause, n_clauses)[0],
        }
        fused = fuse(parts, self.weights)
        unexpanded_first = -1
        if added:  # the first clause without the expansion's words
            alone = dict(parts, lexical=self.lexical.scores(question))
            alone["lexical_sentence"] = best_per_group(
                self.lexical_sentences.scores(question), self.row_clause, n_clauses
            )[0]
            first = int(np.argmax(fuse(alone, self.weights)))
            unexpanded_first = first if first != int(np.argmax(fused)) else -1
        # The evidence sentence: dense and lexical agreement within the clause.
        row_scores = fuse({"dense": dense_rows, "lexical": lexical_rows}, {"dense": 1.0, "lexical": 0.5})
        best_row = best_per_group(row_scores, self.row_clause, n_clauses)[1]
        coverage = float(parts["similarity"].max())
        word_match = match_words(found, self.policy_words)
        found_words = (word_match, expanded, fixed or "", unexpanded_first)
        return Ranking(fused, parts, best_row, coverage, *found_words)

    def look_up(self, embedded: Embedded) -> Neighbours:
        """The nearest policy words of the embedded question's words the policy never uses (`qa.coverage.words`):
        one look-up for the word check and the expansion."""
        return neighbours(embedded, self.store.nearest_words, self.policy_words, max(1, self.expand_neighbours))

    def word_match(self, embedded: Embedded) -> WordMatch | None:
        """The embedded question's least-matched salient word against this policy (`qa.coverage.words`)."""
        return match_words(self.look_up(embedded), self.policy_words)
