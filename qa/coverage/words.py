"""Does the policy mention what the question is about? A word-level check for "not covered".

A question about something the policy never mentions ("Do you collect fingerprints?",
"How do I cook rice in a microwave?") can still be close to some clause as a whole
sentence. Word by word it is not: "fingerprints" or "microwave" has no close match
among the policy's words. Words are compared as the model's contextual token vectors
(last layer, word pieces averaged), so "promos" matches "promotions" and "chatted"
matches "communication" without a synonym list.

Only salient question words count: alphabetic, longer than two letters, not a stopword,
not one of the words every privacy question uses (`GENERIC`), and not among the
3,000 or so most common English words (`qa.vocabulary.common_words`, from wordfreq).
A word that is not English at all (not in that list) but one typing slip away from a
policy word or a common word is taken for a misspelling of it and is not salient either:
"Who can see my bank detials?" is about details, not about "detials".
The same look-up of the question's words (`neighbours`) also gives the query expansion
(`qa.search.expansion`) its policy words. The model calls live in `qa.embedding`
(`embed_with_words`); this module is the pure part.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

import numpy as np

from qa.types import Embedded
from qa.vocabulary import common_words, is_content, spellings

# Words nearly every question about a privacy policy uses, whether or not the policy
# spells them the same way ("website" for "Sites"): they say nothing about the topic.
GENERIC = frozenset(
    (  # noqa: SIM905 - a word list reads best as text
        "information data personal policy privacy use used collect collected share shared site sites website "
        "account user users"
    ).split()
)


@dataclass(frozen=True)
class WordMatch:
    """The question's least-matched salient word, the policy word closest to it, and their cosine."""

    word: str
    closest: str
    similarity: float


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
    both the word check (`match_words`) and the search's expansion (`qa.search.expansion`)."""
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
