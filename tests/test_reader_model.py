"""The reader at answer time: the shipped ONNX model through `OnnxReader`, and `load_reader`'s refusals."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest

from qa.errors import ModelUnavailable
from qa.reader.model import SHIPPED_READER, SIDECAR, OnnxReader, load_reader, read_sidecar
from qa.reader.passages import reader_pairs

# (question, the clause that answers it, an unrelated clause), each clause as (title, text).
EXAMPLES = [
    (
        "Do you use cookies?",
        ("Cookies", "We use cookies and web beacons to recognise your browser and remember your preferences."),
        ("Security", "We protect your personal data with encryption and access controls."),
    ),
    (
        "Can I opt out of marketing emails?",
        ("Marketing", "You can opt out of marketing emails by clicking unsubscribe in any email."),
        ("Security", "We protect your personal data with encryption and access controls."),
    ),
    (
        "Do you collect information from children?",
        ("Children", "We do not collect information from children under 13."),
        ("Contact", "You can write to our office in Dublin with any questions."),
    ),
]


@pytest.fixture(scope="module")
def shipped() -> OnnxReader:
    return load_reader(SHIPPED_READER)


def _pairs(question: str, *clauses: tuple[str, str], max_tokens: int) -> list[tuple[str, str]]:
    """`reader_pairs` with each clause's first sentence as its best one."""
    spans = [(title, text, 0, text.index(".") + 1) for title, text in clauses]
    return reader_pairs(question, spans, max_tokens)


@pytest.mark.model
def test_logits_are_finite_one_per_pair(shipped):
    pairs = [(q, f"{a[0]}: {a[1]}") for q, a, _ in EXAMPLES] + [("x", "y")]
    logits = shipped.logits(pairs)
    assert logits.shape == (4,) and logits.dtype == np.float32 and np.isfinite(logits).all()
    assert shipped.logits([]).shape == (0,)


@pytest.mark.model
def test_a_passage_far_over_the_token_budget_is_truncated(shipped):
    long = " ".join(["Law enforcement agencies may request data."] * 200)
    logits = shipped.logits([("Will the cops get my info?", long), ("?", "")])
    assert logits.shape == (2,) and np.isfinite(logits).all()


@pytest.mark.model
@pytest.mark.parametrize(("question", "answer", "unrelated"), EXAMPLES, ids=["cookies", "marketing", "children"])
def test_the_answering_clause_scores_above_an_unrelated_one(shipped, question, answer, unrelated):
    logits = shipped.logits(_pairs(question, answer, unrelated, max_tokens=shipped.max_tokens))
    assert logits[0] > logits[1]


@pytest.mark.model
def test_shipped_files_match_their_sidecar():
    sidecar = read_sidecar(SHIPPED_READER)
    onnx = SHIPPED_READER / sidecar["onnx"]
    assert hashlib.sha256(onnx.read_bytes()).hexdigest() == sidecar["sha256"]
    assert sidecar["max_tokens"] == load_reader(SHIPPED_READER).max_tokens
    assert sidecar["base_model"]["licence"] == "Apache-2.0"
    trained_on = sidecar["training_data"]["project_question_sets"]
    assert trained_on and not any("heldout" in name or "corpus" in name for name in trained_on)


def test_missing_folder_is_model_unavailable(tmp_path):
    with pytest.raises(ModelUnavailable, match="POLICYQA_USE_READER=0"):
        load_reader(tmp_path / "nowhere")


@pytest.mark.parametrize(
    "text",
    ["not json", "[]", json.dumps({"format": 99, "onnx": "r.onnx", "max_tokens": 96}), json.dumps({"format": 1})],
    ids=["garbage", "list", "format", "fields"],
)
def test_unreadable_sidecar_is_model_unavailable(tmp_path, text):
    (tmp_path / SIDECAR).write_text(text, encoding="utf-8")
    with pytest.raises(ModelUnavailable, match="reinstall"):
        load_reader(tmp_path)


def test_sidecar_naming_a_missing_or_outside_file_is_model_unavailable(tmp_path):
    for name in ("reader-int8.onnx", "../reader-int8.onnx"):
        (tmp_path / SIDECAR).write_text(json.dumps({"format": 1, "onnx": name, "max_tokens": 96}), encoding="utf-8")
        with pytest.raises(ModelUnavailable):
            load_reader(tmp_path)


def test_damaged_onnx_file_is_model_unavailable(tmp_path):
    (tmp_path / SIDECAR).write_text(json.dumps({"format": 1, "onnx": "r.onnx", "max_tokens": 96}), encoding="utf-8")
    (tmp_path / "r.onnx").write_bytes(b"\x00 not a model")
    with pytest.raises(ModelUnavailable, match="cannot load the reader"):
        load_reader(tmp_path)
