"""The sentences the project says to people about an answer, for the CLI, the app and `--json` alike."""

from __future__ import annotations

from collections.abc import Sequence

from qa.types import Expanded, Hit, Summary

NOT_COVERED = "The policy does not seem to cover this."
# A quote longer than this many characters is cut at a word, with an ellipsis.
MAX_QUOTE = 400


def quoted_passage(hit: Hit) -> tuple[str, int, int]:
    r"""The passage of `hit`'s clause to quote: its best sentence, and when that only leads in to a list
    (it ends in ":"), what follows it too; with its span in the clause text.

    >>> from qa.types import Hit
    >>> hit = Hit(1, "A.1", "A", "T", 1, "§A.1 T", "We collect:\nName\nEmail", "We collect:", 0, 11, 1.0)
    >>> quoted_passage(hit)
    ('We collect: Name, Email', 0, 22)
    """
    start, end = hit.sentence_start, hit.sentence_end
    if hit.sentence.rstrip().endswith(":"):
        end = min(len(hit.text), start + MAX_QUOTE)
    passage = hit.text[start:end]
    items = [line.strip() for line in passage.split("\n") if line.strip()]
    text = items[0] + (" " + ", ".join(items[1:]) if len(items) > 1 else "") if items else passage
    if len(text) > MAX_QUOTE:
        text = text[:MAX_QUOTE].rsplit(" ", 1)[0] + " …"
    return text, start, end


def summary_of(hits: Sequence[Hit], *, covered: bool, reason: str) -> Summary | None:
    """The direct answer: the best clause's passage quoted with its citation; when the policy does not
    cover the question, that it does not say, why if known, and the clause that came closest.

    >>> from qa.types import Hit
    >>> text = "We may tell banks."
    >>> hit = Hit(1, "C.6", "C", "Disclosure", 6, "§C.6 Disclosure", text, text, 0, 18, 1.0)
    >>> summary_of([hit], covered=True, reason="").text
    '“We may tell banks.” (§C.6 Disclosure)'
    >>> summary_of([hit], covered=False, reason="").text
    'The policy does not say. The closest it comes is §C.6 Disclosure: “We may tell banks.”'
    """
    if not hits:
        return None
    best = hits[0]
    quote, start, end = quoted_passage(best)
    if covered:
        text = f"“{quote}” ({best.citation})"
    else:
        closest = f"The closest it comes is {best.citation}: “{quote}”"
        text = " ".join(filter(None, ["The policy does not say.", reason, closest]))
    return Summary(covered, text, quote, best.clause_id, best.citation, start, end)


def expansion_text(expansion: Sequence[Expanded]) -> str:
    """The note on the policy words the search added for question words the policy never uses.

    >>> expansion_text([Expanded("cops", ("enforcement",)), Expanded("get", ("obtaining", "available"))])
    'Also searched for the policy’s own words: “enforcement” for “cops”; “obtaining”, “available” for “get”.'
    """
    parts = [", ".join(f"“{w}”" for w in item.policy_words) + f" for “{item.word}”" for item in expansion]
    return "Also searched for the policy’s own words: " + "; ".join(parts) + "."


def follows_text(earlier: str) -> str:
    """The note on a follow-up question that was searched with the earlier question's topic.

    >>> follows_text("Do you use cookies?")
    'Read with your earlier question: “Do you use cookies?”'
    """
    return f"Read with your earlier question: “{earlier}”"


def corrected_text(corrected: str) -> str:
    """The note on a question that was searched with its misspellings corrected.

    >>> corrected_text("Do you use cookies?")
    'Searched as “Do you use cookies?” (spelling corrected).'
    """
    return f"Searched as “{corrected}” (spelling corrected)."
