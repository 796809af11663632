"""Frozen dataclasses handed from one pipeline stage to the next.

Every record carries where it came from (clause id, section, span in the
cleaned policy text), so citations are derived, never re-parsed from strings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

# How a long step reports what it is doing: (fraction done from 0 to 1, what it is doing now).
Progress = Callable[[float, str], None]


def no_progress(fraction: float, step: str) -> None:
    """The default `Progress`: long steps run silently."""


@dataclass(frozen=True)
class Section:
    """A top-level part of the policy: "P" (preamble) or a letter "A".."I"."""

    letter: str
    title: str


# Between the titles of the headings a subsection sits under and its own: "Sharing Your Data › Service providers".
TITLE_PATH = " › "


@dataclass(frozen=True)
class Clause:
    """One numbered clause ("C.6") or unnumbered paragraph ("E.p2").

    `start`/`end` are character offsets of `text` in `Policy.text`.
    """

    id: str
    section: str
    section_title: str
    number: int | None
    text: str
    start: int
    end: int

    @property
    def own_title(self) -> str:
        """The title of the clause's own heading, without those it sits under: "Service providers"."""
        return self.section_title.rsplit(TITLE_PATH, 1)[-1]

    @property
    def citation(self) -> str:
        """Human citation: "§C.6 Disclosure of Personal Data", "§E ¶2 Cookies", "Preamble ¶1", or
        for a section whose heading has no number of its own, "Cookies ¶2"."""
        if self.section == "P":
            return f"Preamble ¶{self.id.split('.p')[-1]}"
        if self.section.startswith("S") and self.section[1:].isdigit():  # a heading without a number
            item = f"({self.number})" if self.number is not None else f"¶{self.id.split('.p')[-1]}"
            return f"{self.section_title} {item}"
        if self.number is not None:
            return f"§{self.id} {self.section_title}"
        return f"§{self.section} ¶{self.id.split('.p')[-1]} {self.section_title}".rstrip()


@dataclass(frozen=True)
class Policy:
    """A parsed policy: the cleaned text and its clauses in document order."""

    title: str
    updated: str | None
    sections: tuple[Section, ...]
    clauses: tuple[Clause, ...]
    text: str

    def clause(self, clause_id: str) -> Clause:
        for clause in self.clauses:
            if clause.id == clause_id:
                return clause
        raise KeyError(clause_id)

    def to_json(self) -> dict[str, object]:
        """The policy as plain JSON values (`from_json` reads it back)."""
        return {
            "title": self.title,
            "updated": self.updated,
            "sections": [[s.letter, s.title] for s in self.sections],
            "clauses": [asdict(c) for c in self.clauses],
            "text": self.text,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Policy:
        """The policy `to_json` wrote; KeyError, TypeError or ValueError if `data` is not one.

        >>> clause = Clause("P.p1", "P", "Preamble", None, "Hi.", 0, 3)
        >>> p = Policy("T", None, (Section("P", "Preamble"),), (clause,), "Hi.")
        >>> Policy.from_json(p.to_json()) == p
        True
        """
        return cls(
            str(data["title"]),
            None if data["updated"] is None else str(data["updated"]),
            tuple(Section(str(letter), str(title)) for letter, title in data["sections"]),
            tuple(Clause(**clause) for clause in data["clauses"]),
            str(data["text"]),
        )


@dataclass(frozen=True)
class Sentence:
    """One sentence of a clause; `start`/`end` are offsets into the clause text."""

    clause_id: str
    index: int
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Embedded:
    """One text run through the model once: its unit vector (as `embed_queries` gives it)
    and its words with their unit vectors, row i of `word_vectors` for `words[i]`."""

    vector: np.ndarray
    words: tuple[str, ...]
    word_vectors: np.ndarray


@dataclass(frozen=True)
class Hit:
    """One retrieved clause with the sentence that matched best."""

    rank: int
    clause_id: str
    section: str
    section_title: str
    clause: int | None
    citation: str
    text: str
    sentence: str
    sentence_start: int
    sentence_end: int
    score: float
    scores: dict[str, float] = field(default_factory=dict)
    terms: tuple[tuple[str, str], ...] = ()
    references: tuple[str, ...] = ()
    # The chance that this clause answers the question (the reader's judge, `qa.reader`); never higher
    # than a hit above it; None when the reader is off.
    confidence: float | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "rank": self.rank,
            "clause_id": self.clause_id,
            "section": self.section,
            "section_title": self.section_title,
            "clause": self.clause,
            "citation": self.citation,
            "sentence": self.sentence,
            "text": self.text,
            "score": round(self.score, 6),
            "scores": {name: round(value, 6) for name, value in self.scores.items()},
            "confidence": self.confidence,
            "terms": [{"term": term, "defined_in": where} for term, where in self.terms],
            "references": list(self.references),
        }


@dataclass(frozen=True)
class Expanded:
    """A question word the policy never uses and the policy's words the lexical search used for it
    ("cops" -> ("enforcement",)); see `qa.search.expansion`."""

    word: str
    policy_words: tuple[str, ...]


@dataclass(frozen=True)
class Coverage:
    """The evidence behind `Answer.covered`, with the thresholds it was held to.

    `similarity`: cosine of the closest sentence to the plain question vector. `word`: the
    question's salient word with the least similar policy word `closest` (cosine
    `word_similarity`); empty when the question has no salient word (`qa.coverage.words`).
    """

    similarity: float
    similarity_threshold: float
    word: str = ""
    closest: str = ""
    word_similarity: float | None = None
    word_threshold: float = 0.0
    # With the reader: the judge's probability that the policy answers the question, and its threshold.
    answered: float | None = None
    answered_threshold: float | None = None

    def describe(self) -> str:
        """One line for people.

        >>> Coverage(0.425, 0.3351, "hoover", "processing", 0.2643, 0.3854).describe()
        'similarity 0.425 (threshold 0.335); least-matched word “hoover” 0.264, closest “processing” (threshold 0.385)'
        """
        line = f"similarity {self.similarity:.3f} (threshold {self.similarity_threshold:.3f})"
        if self.answered is not None:
            line = f"answered {self.answered:.3f} (threshold {self.answered_threshold:.3f}); {line}"
        if self.word_similarity is None:
            return line + "; no salient word"
        return (
            f"{line}; least-matched word “{self.word}” {self.word_similarity:.3f}, closest “{self.closest}” "
            f"(threshold {self.word_threshold:.3f})"
        )

    def to_json(self) -> dict[str, object]:
        return {
            "similarity": round(self.similarity, 6),
            "similarity_threshold": self.similarity_threshold,
            "word": self.word,
            "closest": self.closest,
            "word_similarity": None if self.word_similarity is None else round(self.word_similarity, 6),
            "word_threshold": self.word_threshold,
            "answered": self.answered,
            "answered_threshold": self.answered_threshold,
        }


@dataclass(frozen=True)
class Summary:
    """The direct answer, shown first: `quote`, the passage of clause `clause_id` (cited as `citation`)
    that answers the question, at `start`:`end` of the clause's text; or, when the policy does not
    cover the question (`answered` False), the clause that came closest. `text` says it in one line."""

    answered: bool
    text: str
    quote: str
    clause_id: str
    citation: str
    start: int
    end: int

    def to_json(self) -> dict[str, object]:
        return {
            "answered": self.answered,
            "text": self.text,
            "quote": self.quote,
            "clause_id": self.clause_id,
            "citation": self.citation,
            "start": self.start,
            "end": self.end,
        }


@dataclass(frozen=True)
class Answer:
    """The result of one question: hits best first, and whether the policy covers it.

    `reason` says why a question is not covered when more than "the closest clauses
    are not similar enough" is known (for example: none of them states a time
    period); it is empty otherwise. `coverage` holds the scores the decision used.
    `expansion` holds the policy's own words that the lexical search added for question
    words the policy never uses ("cops" -> "enforcement"; see `qa.search.expansion`). `corrected` is the
    question as it was searched when its misspellings were corrected first ("Do you use cookeis?" ->
    "Do you use cookies?"), else empty; `question` is always the question as asked. `summary` is the
    direct answer to show first (None only when there is no hit at all). `follows` is the earlier question
    of the conversation whose topic this one was searched with (a follow-up), else empty.
    """

    question: str
    covered: bool
    hits: tuple[Hit, ...]
    reason: str = ""
    coverage: Coverage | None = None
    expansion: tuple[Expanded, ...] = ()
    corrected: str = ""
    summary: Summary | None = None
    follows: str = ""

    def to_json(self) -> dict[str, object]:
        return {
            "question": self.question,
            "covered": self.covered,
            "summary": None if self.summary is None else self.summary.to_json(),
            "reason": self.reason,
            "coverage": None if self.coverage is None else self.coverage.to_json(),
            "corrected": self.corrected,
            "follows": self.follows,
            "expansion": {expanded.word: list(expanded.policy_words) for expanded in self.expansion},
            "hits": [hit.to_json() for hit in self.hits],
        }
