"""Lexical scoring: BM25 (bm25s) over stemmed, stopword-free tokens.

Tokenisation is the one place words are normalised for lexical matching:
lower case, letters and digits, English stopwords dropped, Snowball stems.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

import bm25s
import numpy as np
import Stemmer

# English stopwords, the pieces contractions leave ("aren't" is read as "aren", "t"; "you'll" as "you", "ll"),
# and the prepositions and conjunctions the usual list lacks: "per" in "cost per year" is not a topic to
# search for (the expansion took it for "fee").
STOPWORDS = frozenset(
    """
    a about above after again all am an and any are as at be because been before being below between
    both but by can could did do does doing down during each few for from further had has have
    having he her here hers him his how i if in into is it its itself just me more most my myself no
    nor not now of off on once only or other our ours out over own same she should so some such than
    that the their theirs them then there these they this those through to too under until up very
    was we were what when where which while who whom why will with would you your yours yourself
    yourselves us may might must shall also etc
    aren isn wasn weren don doesn didn hasn haven hadn won wouldn couldn shouldn mustn needn shan ain ll ve re
    per via upon within without across among amongst onto toward towards
    whether unless though although since till versus
    """.split()  # noqa: SIM905 - a word list reads best as text
)
_WORD = re.compile(r"[a-z0-9]+")
# subtle: bm25s sets its own logger to DEBUG on import and then logs every index it builds.
logging.getLogger("bm25s").setLevel(logging.WARNING)


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    # PyStemmer: Snowball's English stemmer in C. subtle: importing nltk costs ~2 s (it imports scipy and sklearn).
    return Stemmer.Stemmer("english")


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return str(_stemmer().stemWord(word))


def tokenize(text: str) -> list[str]:
    """Stemmed content tokens.

    >>> tokenize("Who can see my bank details?")
    ['see', 'bank', 'detail']
    """
    return [_stem(w) for w in _WORD.findall(text.lower()) if w not in STOPWORDS and len(w) > 1]


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
