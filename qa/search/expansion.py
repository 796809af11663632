"""Query rewriting: misspellings corrected, and the policy's own words for the question's words it never uses.

"Will the cops get my info?" never says "law enforcement", and the policy never says "cops",
so BM25 cannot connect them. The word look-up of `qa.coverage.words` (contextual token vectors, from
the one model run per question) gives each question word the policy never uses its nearest
policy word occurrences; those at least `Settings.expand_threshold` similar (the word check's
threshold: a policy word that close is the question word's match) join the BM25 query, one per
stem. A misspelling of a policy word ("pasword") brings that word. Before any of that, `corrected`
spells the question's unambiguous misspellings right ("Do you use cookeis?"), so that the question
can be embedded again as meant. Pure: no model, no index.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from qa.coverage.words import Neighbours, is_salient, rounded
from qa.types import Expanded
from qa.vocabulary import spellings, spelt_as, text_words, tokenize


def corrected(question: str, found: Neighbours, policy_words: Collection[str]) -> str | None:
    """`question` with each of `found`'s words (the ones the policy never uses) that misspells exactly
    one policy word, or else exactly one common English word, spelt as that word (`spellings`); None
    when there is nothing to correct.

    >>> import numpy as np
    >>> found = Neighbours(("cookeis", "fingerprints"), (), np.zeros((2, 1)))
    >>> corrected("Do you use Cookeis, or fingerprints?", found, {"cookies", "use"})
    'Do you use cookies, or fingerprints?'
    >>> corrected("Do you collect fingerprints?", Neighbours(("fingerprints",), (), np.zeros((1, 1))), set()) is None
    True
    """
    fixes = {}
    for word in found.words:
        candidates = spellings(word, policy_words)
        if len(candidates) == 1:
            fixes[word] = candidates[0]
    if not fixes:
        return None
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, fixes)) + r")\b", re.IGNORECASE)
    # subtle: IGNORECASE also matches look-alikes ("ſ" for "s") whose lower case is no key: left as typed.
    fixed = pattern.sub(lambda match: fixes.get(match.group(0).lower(), match.group(0)), question)
    return fixed if fixed != question else None


def one_per_stem(words: Sequence[str], taken: Collection[str] = ()) -> list[str]:
    """`words` in order, keeping the first of each stem and dropping stopwords and stems in `taken`.

    >>> one_per_stem(["minors", "minor", "their", "enforcement"], taken={"enforc"})
    ['minors']
    """
    seen = set(taken)
    kept = []
    for word in words:
        stems = tokenize(word)
        if stems and stems[0] not in seen:
            seen.add(stems[0])
            kept.append(word)
    return kept


def brand_words(title: str) -> frozenset[str]:
    """The words of a policy's title that name the company rather than say anything ("mistral" of
    "Mistral AI Privacy Policy"): the salient ones (`qa.coverage.words.is_salient`). An expansion never brings one:
    every clause names the company, so it would only lift the clauses that name it most.

    >>> sorted(brand_words("Mistral AI Privacy Policy"))
    ['mistral']
    """
    return frozenset(word for word in text_words(title) if is_salient(word))


def expand(
    found: Neighbours,
    policy_words: Collection[str],
    *,
    per_word: int,
    threshold: float,
    skip: Collection[str] = (),
    avoid: Collection[str] = (),
) -> tuple[Expanded, ...]:
    """For each of `found`'s question words not in `skip` (once each): the policy words it misspells
    (`spelt_as`), then its first `per_word` nearest policy words at least `threshold` similar, one per
    stem, never one of `avoid` (`brand_words`). Words that get none are left out; `per_word` 0 turns
    the expansion off."""
    if per_word <= 0:
        return ()
    expanded: dict[str, Expanded] = {}
    for word, nearest, scores in zip(found.words, found.nearest, found.scores, strict=True):
        if word in skip or word in expanded:
            continue
        close = [near for near, score in zip(nearest[:per_word], scores, strict=False) if rounded(score) >= threshold]
        kept = [near for near in one_per_stem([*spelt_as(word, policy_words), *close]) if near not in avoid]
        if kept:
            expanded[word] = Expanded(word, tuple(kept))
    return tuple(expanded.values())


def query_words(question: str, expanded: Sequence[Expanded]) -> list[str]:
    """The words the expansion adds to the BM25 query of `question`: one per stem, none the question has.

    >>> query_words("Do the police see my info?", [Expanded("police", ("enforcement",)),
    ...     Expanded("info", ("information",)), Expanded("see", ("viewed", "see"))])
    ['enforcement', 'information', 'viewed']
    """
    return one_per_stem([word for item in expanded for word in item.policy_words], taken=tokenize(question))
