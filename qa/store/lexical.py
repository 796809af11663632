"""Lexical scoring: BM25 (bm25s) over stemmed, stopword-free tokens (`qa.vocabulary.tokenize`)."""

from __future__ import annotations

import logging

import bm25s
import numpy as np

from qa.vocabulary import tokenize

# subtle: bm25s sets its own logger to DEBUG on import and then logs every index it builds.
logging.getLogger("bm25s").setLevel(logging.WARNING)


class LexicalIndex:
    """BM25 over a fixed list of documents; `scores` gives one float per document."""

    def __init__(self, documents: list[str], *, k1: float = 1.2, b: float = 0.75) -> None:
        tokens = [tokenize(doc) for doc in documents]
        self.size = len(documents)
        self.vocabulary = frozenset(token for doc in tokens for token in doc)
        self._bm25 = bm25s.BM25(k1=k1, b=b)
        # subtle: bm25s cannot index an empty corpus or an all-empty one.
        if self.vocabulary:
            self._bm25.index(tokens, show_progress=False)

    def scores(self, query: str) -> np.ndarray:
        """(size,) BM25 scores of `query` against every document; zeros if no word matches."""
        tokens = [t for t in tokenize(query) if t in self.vocabulary]
        if not tokens:
            return np.zeros(self.size, dtype=np.float64)
        return np.asarray(self._bm25.get_scores(tokens), dtype=np.float64)
