"""What kind of fact a question asks for, and whether a clause states one.

"How long do you keep my data?" asks for a time period; "How much does it cost?"
for an amount; "What's the phone number for customer support?" for a phone number.
Clauses about the topic can be very similar to such a question without ever giving
such a fact, and then the policy does not answer it. This is the classic
expected-answer-type check of question answering, kept to the kinds whose evidence
a pattern can recognise reliably. It can only turn `covered` off, never on.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_NUMBER = (
    r"(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen"
    r"|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|ninety|hundred)(?:\s*\(\d+\))?"
)
_UNIT = r"(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?)"
# Things whose length is counted in characters or words, not in time.
_TEXTS = (
    r"(?:password|passphrase|passcode|pin|user ?name|display name|name|review|message|comment|description|title"
    r"|bio|reply|answer|text)s?"
)


@dataclass(frozen=True)
class AskedFor:
    """One kind of fact: how a question asks for it, how a clause states it, and what to tell the user."""

    name: str
    question: re.Pattern[str]
    evidence: re.Pattern[str]
    missing: str
    # Question words that only say which kind of fact is wanted ("hours", "cost"). The lexical
    # search does not expand them into the policy's words (`cue_words`), or it would fetch
    # whichever clause states any such fact ("fee", "immediately") and the check would pass.
    cues: frozenset[str] = frozenset()


PERIOD = AskedFor(
    name="period",
    question=re.compile(
        # "How long must my password be?" asks for a length of text, not of time.
        rf"\bhow long\b(?!\s+(?:must|should|can|may|could|will|would)\s+(?:my|the|a|an|your)\s+(?:\w+\s+)?"
        rf"{_TEXTS}\s+be\s*(?:\?|$|in characters|at least|at most))"
        rf"|\bhow (?:soon|quickly)\b|\bhow many (?:business |calendar |working )?{_UNIT}|\bwithin how\b",
        re.IGNORECASE,
    ),
    evidence=re.compile(
        rf"\b(?:{_NUMBER}|a|an|several|a few)[\s-]+(?:business |calendar |working )?{_UNIT}\b"
        r"|\bas long as\b|\bperiods?\b|\bretention\b|\bdurations?\b|\bindefinite(?:ly)?\b|\bpermanent(?:ly)?\b"
        r"|\buntil\b|\bexpir(?:e|es|ed|y|ation)\b|\bpromptly\b|\bimmediately\b|\breasonable time\b"
        r"|\bno longer (?:than|needed|necessary|required)\b|\bwithout undue delay\b"
        r"|\bas soon as (?:reasonably )?(?:practicable|possible)\b"
        r"|\bwhile your account (?:is|remains) (?:active|open)\b",
        re.IGNORECASE,
    ),
    missing="None of the closest clauses states a time period.",
    cues=frozenset(
        (  # noqa: SIM905 - a word list reads best as text
            "long soon quickly many second seconds minute minutes hour hours day days week weeks month months "
            "year years business calendar working"
        ).split()
    ),
)

AMOUNT = AskedFor(
    name="amount",
    question=re.compile(
        r"\bhow much (?:money\b|(?:do|does|did|will|would|is|are|can|could|should)\b[^?.]*"
        r"\b(?:cost|costs|pay|charge|charges|fee|fees|price|make|earn|worth)\b)"
        r"|\bwhat(?:'s| is| are) the (?:\w+ ){0,2}(?:fees?|prices?|costs?)\b",
        re.IGNORECASE,
    ),
    evidence=re.compile(
        r"[$€£¥]\s?\d|\d\s?[€£¥]|\b(?:usd|eur|gbp|rmb|cny|hk\$)\s?\d"
        r"|\b\d[\d,.]*\s?(?:usd|eur|gbp|dollars?|euros?|pounds?|rmb|yuan|cents?)\b"
        r"|\b(?:free of charge|without charge|for free|(?:do|does|will) not charge"
        r"|no (?:additional )?(?:cost|charge|fee)s?|at no (?:additional )?cost"
        r"|(?:a|any|reasonable|administrative|nominal|small|processing) fees?)\b",
        re.IGNORECASE,
    ),
    missing="None of the closest clauses states an amount or a fee.",
    cues=frozenset("much money cost costs pay charge charges fee fees price prices make earn worth".split()),  # noqa: SIM905
)

PHONE = AskedFor(
    name="phone",
    question=re.compile(
        # "What's the phone number for customer support?", "Which number do I call?"; not a question
        # about the user's own number ("Do you collect my phone number?").
        r"\bwhat(?:'s| is| are)\s+(?:the|your|their|its|alibaba's)\b(?:(?!\bmy\b)[^?.])*?"
        r"\b(?:phone|telephone|fax|hotline|helpline|contact|customer (?:service|support|care))\s+numbers?\b"
        r"(?!\s+(?:i|we)\s+(?:gave|give|provided|entered|registered|used))"
        r"|\b(?:which|what)\s+(?:phone\s+)?number\s+(?:do|should|can|could)\s+i\s+(?:call|ring|phone|dial)\b"
        r"|\bhow\s+(?:do|can|could)\s+i\s+(?:call|ring|phone|telephone)\s+(?:you|your|the|customer)\b",
        re.IGNORECASE,
    ),
    evidence=re.compile(
        r"(?:\+|\b)\d(?:[\s().-]*\d){6,}\b|\b(?:call|phone|telephone|fax)\s+(?:us\s+)?(?:at|on)\s+\+?\d"
    ),
    missing="None of the closest clauses gives a phone number.",
    cues=frozenset("number numbers call ring dial hotline helpline".split()),  # noqa: SIM905
)

KINDS = (PERIOD, AMOUNT, PHONE)


def asked_for(question: str) -> AskedFor | None:
    """The kind of fact `question` asks for, or None when it asks for no kind checked here.

    >>> asked_for("How long do you keep my data?").name
    'period'
    >>> asked_for("Who can see my bank details?") is None
    True
    """
    return next((kind for kind in KINDS if kind.question.search(question)), None)


def cue_words(question: str) -> frozenset[str]:
    """The words of `question` that only say which kind of fact it asks for (`AskedFor.cues`).

    >>> sorted(cue_words("How much does a membership cost?") & {"much", "cost", "membership"})
    ['cost', 'much']
    >>> cue_words("Who can see my bank details?")
    frozenset()
    """
    kind = asked_for(question)
    return kind.cues if kind is not None else frozenset()


def unstated(question: str, texts: Sequence[str]) -> AskedFor | None:
    """The kind of fact `question` asks for when none of `texts` states one; otherwise None.

    >>> unstated("How long do you keep my data?", ["We keep it.", "We share it."]).name
    'period'
    >>> unstated("How long do you keep my data?", ["We keep it for 30 days."]) is None
    True
    """
    kind = asked_for(question)
    if kind is None or any(kind.evidence.search(text) for text in texts):
        return None
    return kind
