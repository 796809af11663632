"""Follow-up questions: "Can I opt out of that?" after "Do you use cookies?" is searched with "cookies".

A question that points back ("that", "it", "them"; or opens "and ...", "what about ...") and names
little of its own is read together with the earlier question's topic words. Pure: words only.
"""

from __future__ import annotations

import re

from qa.coverage.words import is_topic_word

# Words that point back to what an earlier question was about.
# Not "such" ("such as fingerprints") nor "there" ("Is there a way to ...?"): they rarely point back.
BACK_REFERENCES = frozenset("that this it its they them their those these".split())  # noqa: SIM905
# Openings that continue an earlier question.
CONTINUATIONS = ("and ", "what about ", "how about ", "what if ", "also ", "same for ")
# A question naming more topic words than this stands on its own.
MAX_OWN_TOPICS = 2
_WORD = re.compile(r"[a-z]+")


def topic_words(question: str) -> list[str]:
    """The question's words that may say what it is about, in order, once each.

    >>> topic_words("Do you use cookies to track my visits?")
    ['cookies', 'track', 'visits']
    """
    return list(dict.fromkeys(word for word in _WORD.findall(question.lower()) if is_topic_word(word)))


def reads_as_follow_up(question: str) -> bool:
    """Whether `question` leans on an earlier one: it points back, or opens as a continuation, and names
    at most `MAX_OWN_TOPICS` topic words of its own.

    >>> reads_as_follow_up("Can I opt out of that?"), reads_as_follow_up("Can I opt out of marketing emails?")
    (True, False)
    >>> reads_as_follow_up("Do you collect biometric data such as fingerprints?")
    False
    """
    text = question.strip().lower()
    words = set(_WORD.findall(text))
    leans = bool(words & BACK_REFERENCES) or text.startswith(CONTINUATIONS)
    return leans and len(topic_words(question)) <= MAX_OWN_TOPICS


def with_earlier_topic(question: str, earlier: str) -> str:
    """The text to search for `question` asked after `earlier`: the question and the earlier question's
    topic words it lacks, when it reads as a follow-up; else "" (search the question as it is).

    >>> with_earlier_topic("Can I opt out of that?", "Do you use cookies?")
    'Can I opt out of that? (cookies)'
    >>> with_earlier_topic("Do you sell my data?", "Do you use cookies?")
    ''
    """
    if not earlier.strip() or not reads_as_follow_up(question):
        return ""
    own = set(topic_words(question))
    extra = [word for word in topic_words(earlier) if word not in own]
    return f"{question} ({' '.join(extra)})" if extra else ""
