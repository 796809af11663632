"""Does the policy mention what the question is about? A word-level check for "not covered".

A question about something the policy never mentions ("Do you collect fingerprints?",
"How do I cook rice in a microwave?") can still be close to some clause as a whole
sentence. Word by word it is not: "fingerprints" or "microwave" has no close match
among the policy's words. Words are compared as the model's contextual token vectors
(last layer, word pieces averaged), so "promos" matches "promotions" and "chatted"
matches "communication" without a synonym list.

Only salient question words count: alphabetic, longer than two letters, not a stopword,
not one of the words every privacy question uses (`GENERIC`), and not among the
3,000 or so most common English words (qa/data/common-words.txt, from wordfreq).
The model calls live in `qa.embed` and `qa.onnx_embed` (`embed_with_words`); this module is the pure part.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from qa.lexical import STOPWORDS

COMMON_WORDS_PATH = Path(__file__).resolve().parent / "data" / "common-words.txt"
# Words nearly every question about a privacy policy uses, whether or not the policy
# spells them the same way ("website" for "Sites"): they say nothing about the topic.
GENERIC = frozenset(
    (  # noqa: SIM905 - a word list reads best as text
        "information data personal policy privacy use used collect collected share shared site sites website "
        "account user users"
    ).split()
)
# The tokenizer's markers, which are not words of the text.
SPECIAL_PIECES = frozenset(("[CLS]", "[SEP]", "[PAD]"))


@dataclass(frozen=True)
class Embedded:
    """One text run through the model once: its unit vector (as `embed_queries` gives it)
    and its words with their unit vectors, row i of `word_vectors` for `words[i]`."""

    vector: np.ndarray
    words: tuple[str, ...]
    word_vectors: np.ndarray


@dataclass(frozen=True)
class WordMatch:
    """The question's least-matched salient word, the policy word closest to it, and their cosine."""

    word: str
    closest: str
    similarity: float


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """The shipped list of common English words (comment lines start with #)."""
    lines = COMMON_WORDS_PATH.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def is_content(word: str) -> bool:
    """A word worth keeping from the policy: alphabetic, longer than two letters, not a stopword.

    >>> [w for w in ["the", "browsing", "c6", "id", "cookies"] if is_content(w)]
    ['browsing', 'cookies']
    """
    return word.isalpha() and len(word) > 2 and word not in STOPWORDS


def is_salient(word: str) -> bool:
    """A question word that says what it is about: a content word that is neither generic nor common.

    >>> [w for w in ["microwave", "information", "people", "fingerprints"] if is_salient(w)]
    ['microwave', 'fingerprints']
    """
    return is_content(word) and word not in GENERIC and word not in common_words()


def group_pieces(pieces: Sequence[str]) -> list[tuple[str, list[int]]]:
    """WordPiece tokens -> (word, token positions): "##" pieces join the word before them;
    the tokenizer's markers are skipped.

    >>> group_pieces(["[CLS]", "finger", "##prints", "?", "[SEP]", "[PAD]"])
    [('fingerprints', [1, 2]), ('?', [3])]
    """
    words: list[tuple[str, list[int]]] = []
    for position, piece in enumerate(pieces):
        if piece in SPECIAL_PIECES:
            continue
        if piece.startswith("##") and words:
            word, positions = words[-1]
            words[-1] = (word + piece[2:], [*positions, position])
        else:
            words.append((piece, [position]))
    return words


def unpadded(pieces: Sequence[str], mask: Sequence[int]) -> list[str]:
    """The pieces of one text with padding positions turned into "[PAD]" (which `word_vectors` skips).

    >>> unpadded(["[CLS]", "cookies", "[SEP]", "[SEP]"], [1, 1, 1, 0])
    ['[CLS]', 'cookies', '[SEP]', '[PAD]']
    """
    return [piece if on else "[PAD]" for piece, on in zip(pieces, mask, strict=True)]


def word_vectors(pieces: Sequence[str], tokens: np.ndarray) -> tuple[tuple[str, ...], np.ndarray]:
    """One text's words and their unit vectors: the token vectors (t, d) of each word's pieces averaged.

    >>> words, vectors = word_vectors(["[CLS]", "a", "##b", "c"], np.array([[9, 9], [3, 0], [1, 0], [0, 2.0]]))
    >>> words, vectors.tolist()
    (('ab', 'c'), [[1.0, 0.0], [0.0, 1.0]])
    """
    groups = group_pieces(pieces)
    if not groups:
        return (), np.zeros((0, tokens.shape[-1]), dtype=np.float32)
    average = np.zeros((len(groups), len(tokens)), dtype=np.float32)  # one matrix product, not a loop of means
    for row, (_, positions) in enumerate(groups):
        average[row, positions] = 1 / len(positions)
    matrix = average @ np.asarray(tokens, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return tuple(word for word, _ in groups), matrix / np.where(norms == 0, 1, norms)


def least_matched(words: Sequence[str], best: np.ndarray, closest: Sequence[str]) -> WordMatch | None:
    """The word whose best policy match is lowest (`best[i]`: its cosine with policy word `closest[i]`);
    None when there is no word.

    >>> least_matched(["promos", "fingerprints"], np.array([0.64, 0.33]), ["promotions", "identification"])
    WordMatch(word='fingerprints', closest='identification', similarity=0.33)
    """
    if not len(words):
        return None
    worst = int(np.argmin(best))
    return WordMatch(words[worst], closest[worst], round(float(best[worst]), 6))


# For vectors (m, dim): the cosine of each one's closest policy word, and that word (`Store.closest_words`).
ClosestWords = Callable[[np.ndarray], tuple[np.ndarray, list[str]]]


def match_words(embedded: Embedded, closest_words: ClosestWords) -> WordMatch | None:
    """The least-matched salient word of a question, given how to find the policy's closest words
    (`Store.closest_words`); None when the question has no salient word."""
    keep = [i for i, word in enumerate(embedded.words) if is_salient(word)]
    if not keep:
        return None
    best, closest = closest_words(embedded.word_vectors[keep])
    return least_matched([embedded.words[i] for i in keep], best, closest)
