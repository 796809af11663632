"""The reader as a stage of answering: read the search's top clauses, then judge (`qa.reader.judge`).

    reading = load_reading(settings)               # the shipped model and judge; None when turned off
    judged = judge_hits(reading, question, hits, coverage=..., asked_for_missing=..., sentences=...)

The same `judge_hits` serves answering and fitting the judge (scripts/fit_reader_judge.py), so the
features a judge was fitted on are the features it is given.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from qa.errors import ModelUnavailable
from qa.reader.judge import (
    Judge,
    clause_features,
    clause_order,
    confidences,
    guarded_order,
    linear,
    question_features,
    sigmoid,
)
from qa.reader.passages import reader_pairs
from qa.settings import Settings
from qa.types import Coverage, Hit

JUDGE_FILE = "judge.json"


class ReaderModel(Protocol):
    """(question, passage) pairs -> one logit each: does the passage answer the question?"""

    max_tokens: int

    def logits(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray: ...


@dataclass(frozen=True)
class Reading:
    """The reader's model and the judge fitted on its scores."""

    model: ReaderModel
    judge: Judge


@dataclass(frozen=True)
class Judged:
    """What the judge made of one question's hits: their new order (indices into the hits given),
    each one's confidence in that order, P(the policy answers), whether that clears the threshold,
    and the features it was computed from (for fitting and for the record)."""

    order: tuple[int, ...]
    confidences: tuple[float, ...]
    answered: float
    covered: bool
    question_features: tuple[float, ...]
    reader_logits: tuple[float, ...]


def load_reading(settings: Settings) -> Reading | None:
    """The shipped reader and judge (`Settings.reader_path`), or None when `Settings.use_reader` is off."""
    if not settings.use_reader:
        return None
    from qa.reader.model import load_reader  # subtle: onnxruntime's session only when the reader is on

    folder = settings.reader_path
    try:
        judge = Judge.from_json(json.loads((folder / JUDGE_FILE).read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ModelUnavailable(
            f"the reader's judge {folder / JUDGE_FILE} cannot be read ({error}); reinstall policyqa, "
            "or set POLICYQA_USE_READER=0 to answer without the reader"
        ) from None
    return Reading(load_reader(Path(folder), threads=settings.reader_threads), judge)


_LOADED: dict[tuple[Path, int], Reading] = {}
_LOCK = threading.Lock()


def cached_reading(settings: Settings) -> Reading | None:
    """`load_reading(settings)`, loaded once per process and folder (every policy shares one reader)."""
    if not settings.use_reader:
        return None
    key = (Path(settings.reader_path).resolve(), settings.reader_threads)
    with _LOCK:
        if key not in _LOADED:
            loaded = load_reading(settings)
            assert loaded is not None
            _LOADED[key] = loaded
        return _LOADED[key]


def _read(reading: Reading, question: str, hits: Sequence[Hit]) -> list[float]:
    """The reader's logit for each hit's passage with `question`, read as one batch."""
    spans = [(hit.section_title, hit.text, hit.sentence_start, hit.sentence_end) for hit in hits]
    return [float(v) for v in reading.model.logits(reader_pairs(question, spans, reading.model.max_tokens))]


def judge_hits(
    reading: Reading,
    question: str,
    hits: Sequence[Hit],
    *,
    coverage: Coverage,
    asked_for_missing: bool,
    sentences: int,
    unexpanded_first: int | None = None,
) -> Judged:
    """Read the first `Judge.candidates` of `hits` (the search's order, two or more) with `question`,
    and judge them: the read ones reordered, every hit's confidence, and whether the policy answers.
    `unexpanded_first` is the hit the search puts first without the query expansion, where that is not
    its first: it is read too, and goes on top if the reader rejects the first (`guarded_order`)."""
    judge = reading.judge
    read = hits[: judge.candidates]
    logits = _read(reading, question, read)
    similarities = [hit.scores.get("similarity", 0.0) for hit in hits]
    features = question_features(
        similarities=similarities,
        scores=[hit.score for hit in hits],
        word_similarity=coverage.word_similarity,
        asked_for_missing=asked_for_missing,
        sentences=sentences,
        reader_logits=logits,
    )
    answered = sigmoid(linear(judge.answered_weights, features))
    order, probabilities = clause_order(
        judge, clause_features([h.score for h in read], logits, similarities[: len(read)])
    )
    full = [*order, *range(len(read), len(hits))]
    if unexpanded_first is not None and unexpanded_first > 0:
        # subtle: read apart, as a batch of its own: int8 logits move a little with the batch they are in
        other = (
            logits[unexpanded_first]
            if unexpanded_first < len(read)
            else _read(reading, question, [hits[unexpanded_first]])[0]
        )
        guarded = guarded_order(full, logits[0], unexpanded_first, other)
        if guarded != full:  # the promoted hit takes the top clause probability, the others keep theirs
            by_hit = dict(zip(order, probabilities, strict=True))
            probabilities = [probabilities[0], *(by_hit.get(i, probabilities[-1]) for i in guarded[1 : len(order)])]
            full = guarded
    return Judged(
        order=tuple(full),
        confidences=tuple(confidences(answered, probabilities, len(hits))),
        answered=round(answered, 6),
        covered=answered >= judge.threshold,
        question_features=tuple(features),
        reader_logits=tuple(logits),
    )
