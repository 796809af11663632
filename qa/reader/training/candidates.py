"""The reader's training questions: each with its policy's clauses as the pipeline ranked them, best first.

The ranking comes from the pipeline WITHOUT the query adapter (no learned part), so the hard negatives a
question gets do not depend on anything trained on the same questions. `scripts/train_reader.py` makes
them with `PolicyQA`; everything here is plain data.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from qa.types import Hit

POLICYQA = "policyqa"


@dataclass(frozen=True)
class Candidate:
    """One ranked clause: its id, section title, text, and its best sentence's span in that text."""

    clause_id: str
    title: str
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class RankedQuestion:
    """One training question, its policy's clauses ranked best first, the ids of those that answer it
    (empty: unanswerable), where it comes from ("policyqa" or a question set's file name), and its
    weight in the loss."""

    question: str
    ranked: tuple[Candidate, ...]
    gold: tuple[str, ...]
    source: str
    weight: float = 1.0


def candidates_of(hits: Sequence[Hit]) -> tuple[Candidate, ...]:
    """An answer's hits as candidates, in the answer's order."""
    return tuple(Candidate(h.clause_id, h.section_title, h.text, h.sentence_start, h.sentence_end) for h in hits)


def counts(questions: Sequence[RankedQuestion]) -> dict[str, int]:
    """Questions per source, and how many of them are answerable, for the sidecar.

    >>> q = RankedQuestion("q", (), ("a",), "policyqa")
    >>> counts([q, q, RankedQuestion("r", (), (), "questions.jsonl")])
    {'policyqa': 2, 'questions.jsonl': 1, 'answerable': 2, 'unanswerable': 1}
    """
    by_source = Counter(q.source for q in questions)
    answerable = sum(1 for q in questions if q.gold)
    return {**by_source, "answerable": answerable, "unanswerable": len(questions) - answerable}
