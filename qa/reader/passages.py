"""What the reader reads of a clause: its title, then its best sentence whole, then the sentence before
it and the text after it, as far as the reader's token budget allows. Pure: text only."""

from __future__ import annotations

import re
from collections.abc import Sequence

_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+")
# Word pieces per word, on average, for budgeting (MiniLM's WordPiece on English policy text).
TOKENS_PER_WORD = 1.3
MIN_WORDS = 16


def last_sentence(text: str) -> str:
    """The last sentence of `text` (split after . ! ? ; : and whitespace).

    >>> last_sentence("First one. Second one; third bit"), last_sentence("")
    ('third bit', '')
    """
    parts = [p for p in _SENTENCE_END.split(text.strip()) if p]
    return parts[-1] if parts else ""


def words_budget(question: str, title: str, max_tokens: int) -> int:
    """About how many passage words fit beside `question` and `title` in `max_tokens` word pieces
    ([CLS], two [SEP] and the title's ": " counted); at least `MIN_WORDS`.

    >>> words_budget("Do you sell my data?", "Sharing", 96)
    64
    """
    used = 3 + 1 + TOKENS_PER_WORD * (len(question.split()) + len(title.split()))
    return max(MIN_WORDS, int((max_tokens - used) / TOKENS_PER_WORD))


def passage(title: str, text: str, start: int, end: int, *, budget_words: int) -> str:
    """The clause as the reader sees it: "title: " and the best sentence `text[start:end]` kept whole (up
    to `budget_words`), then the sentence before it if it still fits, then the text after it up to the
    budget, in document order; the clause from its start when the span is not inside it.

    >>> passage("Cookies", "We use cookies. They track you. You can block them.", 16, 31, budget_words=8)
    'Cookies: We use cookies. They track you. You can'
    """
    prefix = f"{title}: " if title.strip() else ""
    if not 0 <= start < end <= len(text):
        return prefix + " ".join(text.split()[:budget_words])
    best = text[start:end].split()[:budget_words]
    left = budget_words - len(best)
    before = last_sentence(text[:start]).split()
    if len(before) > left:
        before = []
    left -= len(before)
    after = text[end:].split()[: max(left, 0)]
    return prefix + " ".join(before + best + after)


def reader_pairs(question: str, clauses: Sequence[tuple[str, str, int, int]], max_tokens: int) -> list[tuple[str, str]]:
    """(question, passage) for each (title, text, best-sentence start, end) of `clauses`, in order."""
    return [
        (question, passage(title, text, start, end, budget_words=words_budget(question, title, max_tokens)))
        for title, text, start, end in clauses
    ]
