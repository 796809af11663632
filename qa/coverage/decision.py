"""The covered decision: does the policy answer the question, and if not, why not.

Three checks, any of which turns `covered` off (`decide`):
1. the word check (`qa.coverage.words`): a salient question word has no close policy word;
2. the similarity threshold: even the closest sentence is too far from the question;
3. the asked-for check (`qa.coverage.asked_for`): the question asks for a time period, an
   amount or a phone number, and none of the best clauses states one.
Pure: the scores come in a `Coverage`, the best clauses as their texts.
"""

from __future__ import annotations

from collections.abc import Sequence

from qa.coverage.asked_for import unstated
from qa.types import Coverage


def unmentioned(word: str, closest: str) -> str:
    """Why a question whose `word` has no close match in the policy (`closest` is the nearest) is not covered.

    >>> unmentioned("fingerprints", "identification")
    'The policy does not seem to mention “fingerprints” or anything close to it (its closest word is “identification”).'
    """
    nearest = f" (its closest word is “{closest}”)" if closest else ""
    return f"The policy does not seem to mention “{word}” or anything close to it{nearest}."


# Why a question is not covered when no more is known than that every clause is far from it.
TOO_FAR = "No clause of the policy comes close to this question."
# Why, when the reader judged that none of the closest clauses answers it.
DOES_NOT_ANSWER = "The closest clauses speak of the subject but do not seem to answer the question."


def decide(question: str, coverage: Coverage, best: Sequence[str]) -> tuple[bool, str]:
    """Whether the policy covers `question`, and why not when that is known: the word check,
    then the similarity threshold, then the asked-for check over the texts of the `best` clauses."""
    similarity = coverage.word_similarity  # None: no salient word; a threshold of 0 turns the check off
    if coverage.word_threshold > 0 and similarity is not None and similarity < coverage.word_threshold:
        return False, unmentioned(coverage.word, coverage.closest)  # the reason holds whatever the cosine
    if coverage.similarity < coverage.similarity_threshold:
        return False, TOO_FAR
    missing = unstated(question, best) if best else None
    if missing is not None:
        return False, missing.missing
    return True, ""
