"""Does the policy mention what the question is about? A word-level check for "not covered".

A question about something the policy never mentions ("Do you collect fingerprints?",
"How do I cook rice in a microwave?") can still be close to some clause as a whole
sentence. Word by word it is not: "fingerprints" or "microwave" has no close match
among the policy's words. Words are compared as the model's contextual token vectors
(last layer, word pieces averaged), so "promos" matches "promotions" and "chatted"
matches "communication" without a synonym list.

Only salient question words count: alphabetic, longer than two letters, not a stopword,
not one of the words every privacy question uses (`GENERIC`), and not among the
3,000 or so most common English words (Zipf >= `COMMON_ZIPF` in qa/data/english-words.txt,
from wordfreq). A word that is not English at all (not in that list) but one typing slip
away from a policy word or a common word is taken for a misspelling of it and is not
salient either: "Who can see my bank detials?" is about details, not about "detials".
The same look-up of the question's words (`neighbours`) also gives the query expansion
(`qa.expansion`) its policy words. The model calls live in `qa.embed` and `qa.onnx_embed`
(`embed_with_words`); this module is the pure part.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from qa.lexical import STOPWORDS

ENGLISH_WORDS_PATH = Path(__file__).resolve().parent / "data" / "english-words.txt"
# Words at least this frequent in English (wordfreq's Zipf scale: 4.5 is about once in
# 30,000 words) are too common to say what a question is about.
COMMON_ZIPF = 4.5
# Shorter unknown words are not checked for typing slips: too many real words lie one slip away.
TYPO_MIN_LETTERS = 5
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
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
def english_words() -> dict[str, float]:
    """The shipped English words (Zipf frequency 3 or more) and their Zipf frequencies."""
    table = {}
    for line in ENGLISH_WORDS_PATH.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            word, zipf = line.split("\t")
            table[word] = float(zipf)
    return table


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """The English words at least `COMMON_ZIPF` frequent."""
    return frozenset(word for word, zipf in english_words().items() if zipf >= COMMON_ZIPF)


def text_words(text: str) -> frozenset[str]:
    """Every word of `text` as the tokenizer spells it: lower-cased, accents dropped.

    >>> sorted(text_words("Données: we keep Cookies, 2 cookies."))
    ['cookies', 'donnees', 'keep', 'we']
    """
    plain = "".join(c for c in unicodedata.normalize("NFD", text.lower()) if unicodedata.category(c) != "Mn")
    return frozenset(re.findall(r"[^\W\d_]+", plain))


@lru_cache(maxsize=1024)
def one_slip(word: str) -> frozenset[str]:
    """Every string one typing slip from `word`: a letter dropped, added, changed, or two swapped.
    Remembered: a question's unknown word is checked against several vocabularies.

    >>> sorted(w for w in one_slip("detials") if w in {"details", "dentals", "detail"})
    ['details']
    """
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    dropped = {a + b[1:] for a, b in splits if b}
    swapped = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    changed = {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
    added = {a + c + b for a, b in splits for c in _LETTERS}
    return frozenset((dropped | swapped | changed | added) - {word})


def spellings(word: str, policy_words: Collection[str]) -> list[str]:
    """What `word` is a misspelling of: the policy words one slip away, or else the common English
    words one slip away (`spelt_as`); empty when it is an English word or no such slip.

    >>> spellings("pasword", {"password"}), spellings("detials", set()), spellings("fingerprints", set())
    (['password'], ['details'], [])
    """
    return spelt_as(word, policy_words) or spelt_as(word, common_words())


def spelt_as(word: str, vocabulary: Collection[str]) -> list[str]:
    """The words of `vocabulary` that `word` misspells, in order: one slip away, when `word` is no English word.

    >>> spelt_as("pasword", {"password", "passport"}), spelt_as("password", {"passwords"})
    (['password'], [])
    """
    if len(word) < TYPO_MIN_LETTERS or word in english_words():
        return []
    return sorted(candidate for candidate in one_slip(word) if candidate in vocabulary)


def is_content(word: str) -> bool:
    """A word worth keeping from the policy: alphabetic, longer than two letters, not a stopword.

    >>> [w for w in ["the", "browsing", "c6", "id", "cookies"] if is_content(w)]
    ['browsing', 'cookies']
    """
    return word.isalpha() and len(word) > 2 and word not in STOPWORDS


def is_topic_word(word: str) -> bool:
    """A question word that may say what it is about: a content word that is not generic.

    >>> [w for w in ["the", "information", "people", "cops"] if is_topic_word(w)]
    ['people', 'cops']
    """
    return is_content(word) and word not in GENERIC


def is_salient(word: str) -> bool:
    """A question word that says what it is about: a topic word that is not common English.

    >>> [w for w in ["microwave", "information", "people", "fingerprints"] if is_salient(w)]
    ['microwave', 'fingerprints']
    """
    return is_topic_word(word) and word not in common_words()


def rounded(similarity: float) -> float:
    """A cosine as every threshold sees it: 6 decimals, so a value shown as 0.4107 is 0.4107.

    >>> rounded(np.float32(0.4107)), float(np.float32(0.4107)) >= 0.4107
    (0.4107, False)
    """
    return round(float(similarity), 6)


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
    """The pieces of one text with padding positions turned into "[PAD]" (which `group_pieces` skips).

    >>> unpadded(["[CLS]", "cookies", "[SEP]", "[SEP]"], [1, 1, 1, 0])
    ['[CLS]', 'cookies', '[SEP]', '[PAD]']
    """
    return [piece if on else "[PAD]" for piece, on in zip(pieces, mask, strict=True)]


def word_vectors(pieces: Sequence[str], tokens: np.ndarray) -> tuple[tuple[str, ...], np.ndarray]:
    """One text's words and their vectors: the token vectors (t, d) of each word's pieces averaged,
    not normalised (`qa.embed.embedded` scales them, with `normalize`).

    >>> words, vectors = word_vectors(["[CLS]", "a", "##b", "c"], np.array([[9, 9], [3, 0], [1, 0], [0, 2.0]]))
    >>> words, vectors.tolist()
    (('ab', 'c'), [[2.0, 0.0], [0.0, 2.0]])
    """
    groups = group_pieces(pieces)
    average = np.zeros((len(groups), len(tokens)), dtype=np.float32)  # one matrix product, not a loop of means
    for row, (_, positions) in enumerate(groups):
        average[row, positions] = 1 / len(positions)
    return tuple(word for word, _ in groups), average @ np.asarray(tokens, dtype=np.float32)


def least_matched(
    words: Sequence[str], best: np.ndarray, closest: Sequence[str], *, skip: Callable[[str], bool] = lambda w: False
) -> WordMatch | None:
    """The word whose best policy match is lowest (`best[i]`: its cosine with policy word `closest[i]`),
    passing over words `skip` rejects; None when no word is left. `skip` is asked about the
    least-matched words first and only until one is kept (it may be slow: `spellings`).

    >>> least_matched(["promos", "fingerprints"], np.array([0.64, 0.33]), ["promotions", "identification"])
    WordMatch(word='fingerprints', closest='identification', similarity=0.33)
    >>> typo = {"detials"}.__contains__
    >>> least_matched(["promos", "detials"], np.array([0.64, 0.2]), ["promotions", "account"], skip=typo)
    WordMatch(word='promos', closest='promotions', similarity=0.64)
    """
    for i in np.argsort(best, kind="stable"):
        if not skip(words[i]):
            return WordMatch(words[i], closest[i], rounded(best[i]))
    return None


# For vectors (m, dim) and k: the cosines (m, k) of each one's k nearest policy words, best first, and
# those words (`Store.nearest_words`).
NearestWords = Callable[[np.ndarray, int], tuple[np.ndarray, list[list[str]]]]


@dataclass(frozen=True)
class Neighbours:
    """The question's words that the policy never uses (content words, not generic), each with its
    nearest policy words, best first: row i of `nearest` and of `scores` (their cosines) for `words[i]`."""

    words: tuple[str, ...]
    nearest: tuple[tuple[str, ...], ...]
    scores: np.ndarray


def neighbours(embedded: Embedded, nearest_words: NearestWords, policy_words: Collection[str], k: int) -> Neighbours:
    """The `k` nearest policy word occurrences (`Store.nearest_words`) of each topic word of the
    embedded question that the policy never uses (not in `text_words` of its text): one look-up for
    both the word check (`match_words`) and the search's expansion (`qa.expansion`)."""
    keep = [i for i, word in enumerate(embedded.words) if is_topic_word(word) and word not in policy_words]
    if not keep:
        return Neighbours((), (), np.zeros((0, k), dtype=np.float32))
    scores, nearest = nearest_words(embedded.word_vectors[keep], k)
    return Neighbours(tuple(embedded.words[i] for i in keep), tuple(map(tuple, nearest)), scores)


def match_words(found: Neighbours, policy_words: Collection[str]) -> WordMatch | None:
    """The least-matched salient word of a question, from its words' `neighbours`; None when the
    question has no salient word the policy does not use. A word the policy uses is matched (it is not
    among `found`), even where a sentence too long for the model kept it out of the store's vectors;
    a misspelling of a policy word or of a common word is not salient."""
    keep = [i for i, word in enumerate(found.words) if is_salient(word)]
    if not keep:
        return None
    return least_matched(
        [found.words[i] for i in keep],
        found.scores[keep, 0],
        [found.nearest[i][0] for i in keep],
        skip=lambda word: bool(spellings(word, policy_words)),
    )
