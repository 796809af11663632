"""Floors on answer quality with the real model, on question sets it was not tuned on.

The held-out sets about the shipped policy never chose anything; the sample policies' questions
(tests/data/questions/, hand-labelled) are about policies the thresholds never saw. Each floor sits
a couple of questions under the figure measured when it was set, so that a float difference on
another machine cannot fail it while a real loss of quality does; `policyqa eval` gives the figures.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.answer import PolicyQA
from qa.evaluation.metrics import aggregate
from qa.evaluation.question_report import evaluate_questions
from qa.evaluation.questions import HELDOUT_SETS, load_questions
from qa.read.documents import load_policy
from qa.settings import Settings
from qa.store.build import build_store
from qa.store.manifest import sha256_file
from tests.conftest import DATA

pytestmark = pytest.mark.model

SAMPLES = {"acme": "acme.md", "northwind": "northwind.html", "meridian": "meridian.md", "harborbank": "harborbank.html"}


def counts(outcomes) -> dict[str, int]:
    """Questions right at rank 1, unanswerable ones caught and answerable ones wrongly marked, as counts."""
    answerable = [o for o in outcomes if o.gold]
    unanswerable = [o for o in outcomes if not o.gold]
    return {
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "hit@1": sum(o.ranked[:1] and o.ranked[0] in o.gold for o in answerable),
        "hit@3": sum(bool(set(o.ranked[:3]) & set(o.gold)) for o in answerable),
        "caught": sum(o.covered is False for o in unanswerable),
        "wrongly marked": sum(o.covered is False for o in answerable),
    }


@pytest.fixture(scope="module")
def samples(torch_embedder, real_embedder, tmp_path_factory) -> dict[str, PolicyQA]:
    """Each sample policy indexed as `policyqa index` does (torch), asked as users ask (ONNX)."""
    settings = Settings(home=tmp_path_factory.mktemp("quality"))
    answering = {}
    for name, document in SAMPLES.items():
        path = DATA / "docs" / document
        store = build_store(load_policy(path), torch_embedder, policy_sha256=sha256_file(path))
        answering[name] = PolicyQA.over(store, real_embedder, settings)
    return answering


@pytest.fixture(scope="module")
def sample_outcomes(samples):
    return [
        outcome
        for name, qa in samples.items()
        for outcome in evaluate_questions(qa, load_questions(DATA / "questions" / f"{name}.jsonl")).outcomes
    ]


def test_sample_policies_floor(sample_outcomes):
    """Four sample policies, 28 answerable and 16 unanswerable questions. Measured when set:
    26 right at rank 1, 28 in the top 3, 8 unanswerable caught, 1 answerable wrongly marked."""
    found = counts(sample_outcomes)
    assert (found["answerable"], found["unanswerable"]) == (28, 16)
    assert found["hit@1"] >= 24 and found["hit@3"] >= 26, found
    assert found["caught"] >= 6 and found["wrongly marked"] <= 3, found


def test_every_not_covered_answer_says_why(samples):
    answers = [
        qa.ask(question.question, 3)
        for name, qa in samples.items()
        for question in load_questions(DATA / "questions" / f"{name}.jsonl")
    ]
    not_covered = [answer for answer in answers if not answer.covered]
    assert len(not_covered) >= 7 and all(answer.reason.endswith(".") for answer in not_covered)


def test_heldout_sets_floor(real_qa):
    """The three held-out sets pooled: 153 answerable, 33 unanswerable. Measured when set, with the
    reader: Hit@1 139, Hit@3 152, 29 caught, 12 wrongly marked (without it 19 and 2). The margins allow
    for answers near a threshold that another machine's arithmetic may tip."""
    outcomes = [o for path in HELDOUT_SETS for o in evaluate_questions(real_qa, load_questions(Path(path))).outcomes]
    found = counts(outcomes)
    assert (found["answerable"], found["unanswerable"]) == (153, 33)
    assert found["hit@1"] >= 136 and found["hit@3"] >= 148, found
    assert found["caught"] >= 26 and found["wrongly marked"] <= 14, found
    assert aggregate(outcomes).mrr_at_10 >= 0.93
