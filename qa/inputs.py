"""What `PolicyQA.ask` accepts: the question cleaned and checked, and k checked.

Every door (Python, CLI, chat box, `/ask`) goes through these, so a bad question gets the
same one-line `InvalidQuestion` everywhere.
"""

from __future__ import annotations

import operator
import re
import reprlib

from qa.errors import InvalidQuestion
from qa.settings import Settings

# Unicode category Cc (the C0 controls: NUL, tab, newline ...; DEL; the C1 controls) and the
# byte order mark, which editors put at the start of files.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ufeff]")


def clean_question(text: str) -> str:
    """`text` with each control character (NUL, tab, newline, DEL, C1) and byte order mark turned
    into a space, then stripped. Other format characters (right-to-left marks, emoji joiners) stay.

    >>> clean_question(" who\\x00sees\\tmy data?\\n")
    'who sees my data?'
    """
    return _CONTROL.sub(" ", text).strip()


def check_question(question: object, k: object, settings: Settings) -> tuple[str, int]:
    """The cleaned question (`clean_question`) and k as an int, or `InvalidQuestion` saying what to change."""
    if question is not None and not isinstance(question, str):
        raise InvalidQuestion(f"the question must be text, not {type(question).__name__}")
    try:
        (question or "").encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: undecodable bytes that reached us as str
        raise InvalidQuestion(
            "the question is not valid UTF-8 text; check the encoding of the terminal or file it came from"
        ) from None
    question = clean_question(question or "")
    if not question:
        raise InvalidQuestion("the question is empty; type a question about the policy")
    if len(question) > settings.max_question_chars:
        raise InvalidQuestion(
            f"the question has {len(question)} characters; keep it to at most {settings.max_question_chars:,}"
        )
    return question, check_k(k, settings)


def check_k(k: object, settings: Settings) -> int:
    """`k` as an int from 1 to `settings.max_k` (numpy integers too; bools, floats and text are refused)."""
    try:
        whole = operator.index(k) if not isinstance(k, bool) else None  # type: ignore[arg-type]
    except TypeError:
        whole = None
    if whole is None or not 1 <= whole <= settings.max_k:
        raise InvalidQuestion(f"k must be a whole number from 1 to {settings.max_k}, not {reprlib.repr(k)}")
    return whole
