"""The sentences the project says to people about an answer, for the CLI, the app and `--json` alike."""

from __future__ import annotations

from collections.abc import Sequence

from qa.types import Expanded

NOT_COVERED = "The policy does not seem to cover this."


def expansion_text(expansion: Sequence[Expanded]) -> str:
    """The note on the policy words the search added for question words the policy never uses.

    >>> expansion_text([Expanded("cops", ("enforcement",)), Expanded("get", ("obtaining", "available"))])
    'Also searched for the policy’s own words: “enforcement” for “cops”; “obtaining”, “available” for “get”.'
    """
    parts = [", ".join(f"“{w}”" for w in item.policy_words) + f" for “{item.word}”" for item in expansion]
    return "Also searched for the policy’s own words: " + "; ".join(parts) + "."


def corrected_text(corrected: str) -> str:
    """The note on a question that was searched with its misspellings corrected.

    >>> corrected_text("Do you use cookies?")
    'Searched as “Do you use cookies?” (spelling corrected).'
    """
    return f"Searched as “{corrected}” (spelling corrected)."
