"""English words as the project reads them: stopwords, stems, the shipped word list, typing slips.

The foundation of every step that looks at single words: the lexical index and the query
expansion stem with `tokenize`; the store keeps the policy words that `is_content` accepts;
the word check asks how common a word is (`common_words`) and what it misspells
(`spellings`); the PDF reader asks whether the halves of a hyphenated line end are words
(`english_words`). Pure: no model, no index.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from functools import lru_cache
from pathlib import Path

import Stemmer

ENGLISH_WORDS_PATH = Path(__file__).resolve().parent / "data" / "english-words.txt"
# Words at least this frequent in English (wordfreq's Zipf scale: 4.5 is about once in
# 30,000 words) are too common to say what a question is about.
COMMON_ZIPF = 4.5
# Shorter unknown words are not checked for typing slips: too many real words lie one slip away.
TYPO_MIN_LETTERS = 5
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
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


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    # PyStemmer: Snowball's English stemmer in C. subtle: importing nltk costs ~2 s (it imports scipy and sklearn).
    return Stemmer.Stemmer("english")


@lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    return str(_stemmer().stemWord(word))


def tokenize(text: str) -> list[str]:
    """Stemmed content tokens: the one place words are normalised for lexical matching
    (lower case, letters and digits, stopwords dropped, Snowball stems).

    >>> tokenize("Who can see my bank details?")
    ['see', 'bank', 'detail']
    """
    return [_stem(w) for w in _WORD.findall(text.lower()) if w not in STOPWORDS and len(w) > 1]


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


def is_content(word: str) -> bool:
    """A word worth keeping from the policy: alphabetic, longer than two letters, not a stopword.

    >>> [w for w in ["the", "browsing", "c6", "id", "cookies"] if is_content(w)]
    ['browsing', 'cookies']
    """
    return word.isalpha() and len(word) > 2 and word not in STOPWORDS


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
