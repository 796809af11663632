"""The reader's judge and its stage in answering, with a fake reader model: order, confidence, covered."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from qa.answer import PolicyQA
from qa.errors import ModelUnavailable
from qa.reader.judge import CLAUSE_FEATURES, QUESTION_FEATURES, Judge, fit_logistic, linear, sigmoid, threshold_for
from qa.reader.stage import Reading, judge_hits, load_reading
from qa.types import Coverage, Hit


class ReaderByWord:
    """A fake reader: a passage that holds `word` scores 5, any other -5."""

    max_tokens = 96

    def __init__(self, word: str) -> None:
        self.word = word
        self.seen: list[list[tuple[str, str]]] = []

    def logits(self, pairs):  # noqa: ANN001, ANN201
        self.seen.append(list(pairs))
        return np.array([5.0 if self.word in passage else -5.0 for _, passage in pairs], dtype=np.float32)


# A judge that trusts the reader alone: P(answered) rises with the best reader logit; a clause's
# chance with its reader logit (the other features weigh nothing).
TRUSTING = Judge(
    answered_weights=(0.0,) * (QUESTION_FEATURES.index("reader_best")) + (1.0, 0.0, 0.0),
    clause_weights=(0.0, 1.0, 0.0, 0.0, 0.0),
    threshold=0.5,
    candidates=3,
)


def hit(rank: int, clause_id: str, text: str, score: float) -> Hit:
    return Hit(
        rank, clause_id, "A", "Title", None, f"§A {clause_id}", text, text, 0, len(text), score, {"similarity": 0.5}
    )


HITS = [
    hit(1, "A.p1", "We keep logs.", 3.0),
    hit(2, "A.p2", "You may delete your account at any time.", 2.0),
    hit(3, "A.p3", "We use cookies.", 1.0),
    hit(4, "A.p4", "We share data.", 0.5),
]
COVERAGE = Coverage(0.5, 0.3)


def test_the_read_clause_that_answers_comes_first_and_confidences_never_rise():
    judged = judge_hits(
        Reading(ReaderByWord("delete"), TRUSTING), "Can I delete my account?", HITS,
        coverage=COVERAGE, asked_for_missing=False, sentences=40,
    )  # fmt: skip
    assert judged.order == (1, 0, 2, 3)  # the reader moved the answering clause up; the unread one stays last
    assert judged.covered and judged.answered == pytest.approx(sigmoid(5.0), abs=1e-6)
    assert judged.confidences[0] == judged.answered
    assert list(judged.confidences) == sorted(judged.confidences, reverse=True) and judged.confidences[1] < 0.01
    assert judged.reader_logits == (-5.0, 5.0, -5.0)


def test_no_clause_answers_so_the_policy_does_not_cover_it():
    judged = judge_hits(
        Reading(ReaderByWord("fingerprints"), TRUSTING), "Do you keep my fingerprints?", HITS,
        coverage=COVERAGE, asked_for_missing=False, sentences=40,
    )  # fmt: skip
    assert not judged.covered and judged.answered == pytest.approx(sigmoid(-5.0), abs=1e-6)
    assert judged.order == (0, 1, 2, 3)  # all equal: the search's order stands


def test_the_reader_reads_the_question_with_each_clause_in_one_batch():
    model = ReaderByWord("delete")
    judge_hits(
        Reading(model, TRUSTING), "Can I delete it?", HITS, coverage=COVERAGE, asked_for_missing=False, sentences=4
    )
    assert len(model.seen) == 1 and [q for q, _ in model.seen[0]] == ["Can I delete it?"] * 3
    assert model.seen[0][1][1] == "Title: You may delete your account at any time."


# A judge that keeps the search's first clause first (as the fitted one does).
KEEPING = replace(TRUSTING, clause_weights=(0.0, 0.0, 0.0, 10.0, 0.0))


def test_a_clause_the_expansion_brought_first_gives_way_when_the_reader_rejects_it():
    """Hit 3 is what the search puts first without the expansion: it is read apart (a batch of its own),
    and goes on top when the reader rejects the expansion's first and scores it higher."""
    model = ReaderByWord("share")
    judged = judge_hits(
        Reading(model, KEEPING), "Do you share my data?", HITS,
        coverage=COVERAGE, asked_for_missing=False, sentences=40, unexpanded_first=3,
    )  # fmt: skip
    assert judged.order == (3, 0, 1, 2)
    assert [len(batch) for batch in model.seen] == [3, 1] and "We share data." in model.seen[1][0][1]
    assert list(judged.confidences) == sorted(judged.confidences, reverse=True)
    assert judged.reader_logits == (-5.0, -5.0, -5.0)  # the judge's features are the 3 read clauses' only


@pytest.mark.parametrize(("word", "unexpanded"), [("logs", 1), ("nothing", 1), ("delete", 0)])
def test_the_expansion_s_first_stays_unless_rejected_for_a_better_one(word, unexpanded):
    """Kept: the reader does not reject the first ("logs"); it rejects both ("nothing"); the search's
    first is the same with or without the expansion (no hit to put back, 0)."""
    judged = judge_hits(
        Reading(ReaderByWord(word), KEEPING), "Do you keep logs?", HITS,
        coverage=COVERAGE, asked_for_missing=False, sentences=40, unexpanded_first=unexpanded,
    )  # fmt: skip
    assert judged.order[0] == 0


def test_a_judge_round_trips_and_refuses_other_features():
    data = json.loads(TRUSTING.dumps())
    assert Judge.from_json(data) == TRUSTING
    with pytest.raises(ValueError, match="other features"):
        Judge.from_json(data | {"question_features": ["similarity"]})
    with pytest.raises(ValueError, match="do not match"):
        Judge((0.0,), (0.0,) * (len(CLAUSE_FEATURES) + 1), 0.5, 3)


def test_fitted_weights_separate_and_the_threshold_keeps_the_false_share():
    rows = [[x] for x in np.linspace(-3, 3, 40)]
    labels = [int(r[0] > 0) for r in rows]
    weights = fit_logistic(rows, labels)
    assert all((sigmoid(linear(weights, r)) > 0.5) == bool(y) for r, y in zip(rows, labels, strict=True))
    probabilities = [0.9, 0.8, 0.7, 0.2, 0.95, 0.85, 0.6, 0.99, 0.75, 0.65]
    threshold = threshold_for(probabilities, max_false=0.1)
    assert sum(p < threshold for p in probabilities) <= 1 and threshold == 0.6


def test_policyqa_with_the_reader_orders_confides_and_decides(fake_settings, fake_embedder):
    plain = PolicyQA.load(settings=fake_settings, embedder=fake_embedder)
    read = PolicyQA(plain.store, fake_embedder, fake_settings, reading=Reading(ReaderByWord("banks"), TRUSTING))
    answer = read.ask("bank account", 5)
    assert answer.covered and answer.hits[0].confidence == answer.coverage.answered
    assert "banks" in answer.hits[0].text or "banks" in answer.hits[0].sentence
    assert [h.rank for h in answer.hits] == [1, 2, 3, 4, 5]
    confidences = [h.confidence for h in answer.hits]
    assert confidences == sorted(confidences, reverse=True)
    assert answer.to_json()["hits"][0]["confidence"] == answer.hits[0].confidence
    refused = PolicyQA(plain.store, fake_embedder, fake_settings, reading=Reading(ReaderByWord("zzz"), TRUSTING))
    not_covered = refused.ask("bank account", 3)
    assert not not_covered.covered and not_covered.reason and not_covered.summary.answered is False
    assert all(h.confidence is None for h in plain.ask("bank account", 3).hits)  # the reader off


def test_a_missing_reader_says_how_to_go_on_without_it(fake_settings, tmp_path):
    with pytest.raises(ModelUnavailable, match="POLICYQA_USE_READER=0"):
        load_reading(replace(fake_settings, use_reader=True, reader_path=tmp_path / "nothing"))
    assert load_reading(replace(fake_settings, use_reader=False)) is None
