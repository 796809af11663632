"""The reader's training: pairs, batches, schedule and loss against values worked out by hand, the sidecar
`load_reader` accepts, and a two-step training that exports a model the runtime loads."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from qa.reader.model import SIDECAR, load_reader, read_sidecar
from qa.reader.passages import reader_pairs
from qa.reader.training.candidates import Candidate, RankedQuestion, counts
from qa.reader.training.config import TrainConfig, linear_schedule, total_steps, warmup_steps
from qa.reader.training.data import Group, batches, flatten, training_group, training_groups
from qa.reader.training.export import differences, out_problem, write_files
from qa.reader.training.sidecar import Provenance, sidecar

TEXT = "We collect your name. We share it with banks. You can object at any time."


def _ranked(*ids: str) -> tuple[Candidate, ...]:
    return tuple(Candidate(i, f"Title {i}", f"Clause {i} text.", 0, len(f"Clause {i} text.")) for i in ids)


def test_group_takes_gold_in_rank_order_capped_then_the_best_other_clauses():
    question = RankedQuestion("Who gets my data?", _ranked("a", "b", "c", "d", "e", "f"), ("e", "b", "f"), "policyqa")
    group = training_group(question, negatives=2, max_positives=2, max_tokens=96)
    assert group is not None
    # gold in ranking order b, e (f is the third, over the cap); then the two best non-gold a, c
    assert group.passages == tuple(f"Title {i}: Clause {i} text." for i in "beac")
    assert group.labels == (1, 1, 0, 0)


def test_group_passages_are_the_readers_own():
    start = TEXT.index("We share")
    end = start + len("We share it with banks.")
    question = RankedQuestion("Who do you share with?", (Candidate("x", "Sharing", TEXT, start, end),), ("x",), "q")
    group = training_group(question, negatives=0, max_positives=1, max_tokens=96)
    assert group is not None
    assert group.passages == (reader_pairs("Who do you share with?", [("Sharing", TEXT, start, end)], 96)[0][1],)
    assert group.passages[0] == f"Sharing: {TEXT}"  # all of it fits in the budget, in document order


def test_unanswerable_question_gives_negatives_only_and_an_empty_one_nothing():
    unanswerable = RankedQuestion("q", _ranked("a", "b", "c"), (), "calibration.jsonl", weight=2.0)
    group = training_group(unanswerable, negatives=2, max_positives=2, max_tokens=96)
    assert group is not None and group.labels == (0, 0) and group.weight == 2.0
    empty = RankedQuestion("q", (), ("a",), "policyqa")
    assert training_groups([empty, unanswerable], negatives=2, max_positives=2, max_tokens=96) == [group]


def test_counts_by_source_and_kind():
    questions = [RankedQuestion("q", (), ("a",), "policyqa")] * 3 + [RankedQuestion("r", (), (), "questions.jsonl")]
    assert counts(questions) == {"policyqa": 3, "questions.jsonl": 1, "answerable": 3, "unanswerable": 1}


def test_batches_cover_every_group_once_and_depend_only_on_seed_and_epoch():
    groups = [Group(str(i), ("p",), (0,)) for i in range(10)]
    first = batches(groups, 4, 0, 0)
    assert [len(b) for b in first] == [4, 4, 2]
    assert sorted(g.question for b in first for g in b) == sorted(g.question for g in groups)
    assert first == batches(groups, 4, 0, 0)
    assert first != batches(groups, 4, 0, 1) and first != batches(groups, 4, 1, 0)


def test_flatten():
    pairs, labels, owner, weights = flatten([Group("q", ("a", "b"), (1, 0), 2.0), Group("r", ("c",), (0,))])
    assert pairs == [("q", "a"), ("q", "b"), ("r", "c")]
    assert (labels, owner, weights) == ([1, 0, 0], [0, 0, 1], [2.0, 1.0])


@pytest.mark.parametrize(
    ("step", "factor"),
    # total 10, warm-up 2: (s + 1) / 2 while warming up, then (10 - s) / 8
    [(0, 0.5), (1, 1.0), (2, 1.0), (6, 0.5), (9, 0.125), (10, 0.0), (12, 0.0)],
)
def test_linear_schedule(step, factor):
    assert linear_schedule(step, 10, 2) == pytest.approx(factor)


def test_steps():
    # the shipped run: 2,736 questions in batches of 8 -> 342 steps, 34 of them warming up
    assert total_steps(2736, 8, 1) == 342 and warmup_steps(342, 0.1) == 34
    assert total_steps(16, 8, 1) == 2 and total_steps(17, 8, 3) == 9 and warmup_steps(5, 0.1) == 1


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"loss": "hinge"}, "loss must be one of bce, list, both"),
        ({"layers": 0}, "layers must be at least 1"),
        ({"layers": 7}, "layers must be at most 6"),
        ({"negatives": -1}, "negatives must be 0 or more"),
        ({"threads": 0}, "threads must be at least 1"),
    ],
)
def test_config_problems(change, problem):
    assert TrainConfig().problem() is None
    assert (TrainConfig(**change).problem() or "").startswith(problem)


def test_loss_against_hand_worked_values():
    torch = pytest.importorskip("torch")
    from qa.reader.training.loop import pair_loss

    log2 = math.log(2)
    zero = torch.zeros(2)
    # logits [0, 0], labels [1, 0], one group: each pair's BCE is log 2; the listwise term
    # log(e^0 + e^0) - log(e^0) is log 2 too.
    assert float(pair_loss(zero, [1, 0], [0, 0], [1.0], "bce")) == pytest.approx(log2)
    assert float(pair_loss(zero, [1, 0], [0, 0], [1.0], "list")) == pytest.approx(log2)
    assert float(pair_loss(zero, [1, 0], [0, 0], [1.0], "both")) == pytest.approx(2 * log2)
    # logits [2, 0, 0] labels [1, 0, 0]: list = log(e^2 + 2) - 2 = 0.2395 (log 9.389 = 2.2395)
    assert float(pair_loss(torch.tensor([2.0, 0.0, 0.0]), [1, 0, 0], [0] * 3, [1.0], "list")) == pytest.approx(
        math.log(math.exp(2) + 2) - 2
    )
    # two groups weighted 1 and 3: BCE pair [0] (label 1, logit 0) = log 2; pair [1] (label 0, logit 2)
    # = log(1 + e^2) = 2.1269; weighted mean (log 2 + 3 * 2.1269) / 4
    two = pair_loss(torch.tensor([0.0, 2.0]), [1, 0], [0, 1], [1.0, 3.0], "bce")
    assert float(two) == pytest.approx((log2 + 3 * math.log(1 + math.exp(2))) / 4)
    # a group of one kind has nothing to rank: no listwise term
    assert float(pair_loss(torch.tensor([0.0, 2.0]), [1, 0], [0, 1], [1.0, 3.0], "list")) == 0.0


def test_differences():
    # |gap| = [0, 0.5, 0]; correlation = cov 2/3 / sqrt(2/3 * 13/18) = 0.96077
    assert differences(np.array([0.0, 1.0, 2.0]), np.array([0.0, 1.5, 2.0])) == {
        "max_abs": 0.5,
        "mean_abs": 0.16667,
        "correlation": 0.96077,
    }


def _provenance() -> Provenance:
    return Provenance(
        policyqa_file="tiny.json",
        policyqa_sha256="0" * 64,
        question_sets=("questions.jsonl",),
        questions={"policyqa": 1, "answerable": 1, "unanswerable": 0},
        groups=1,
        pairs=2,
        steps=1,
        final_loss=0.5,
        train_seconds=1.0,
        command="scripts/train_reader.py --policyqa tiny.json",
        date="2026-12-02",
        negatives_from="a test",
        base_fingerprint="f" * 64,
    )


def test_sidecar_is_what_load_reader_reads(tmp_path):
    record = sidecar(TrainConfig(), _provenance(), onnx="reader-int8.onnx", sha256="a" * 64, size=3, checks={})
    (tmp_path / SIDECAR).write_text(json.dumps(record), encoding="utf-8")
    loaded = read_sidecar(tmp_path)
    assert loaded["onnx"] == "reader-int8.onnx" and loaded["max_tokens"] == TrainConfig().max_tokens == 64
    assert loaded["base_model"]["licence"] == "Apache-2.0" and "MIT" in loaded["training_data"]["policyqa"]
    assert loaded["hyper_parameters"]["lr"] == 2e-4 and "heldout" in loaded["training_data"]["never"]


def test_out_must_be_a_folder(tmp_path):
    assert out_problem(tmp_path / "new") is None and out_problem(tmp_path) is None
    (tmp_path / "file").write_text("x")
    assert "not a folder" in (out_problem(tmp_path / "file") or "")


def test_write_files_replaces_its_own_and_keeps_the_others(tmp_path):
    (tmp_path / "judge.json").write_text("kept")
    (tmp_path / "reader.json").write_text("old")
    write_files({"reader-int8.onnx": b"model", "reader.json": b"new"}, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["judge.json", "reader-int8.onnx", "reader.json"]
    assert (tmp_path / "reader.json").read_text() == "new" and (tmp_path / "judge.json").read_text() == "kept"


def _tiny_groups() -> list[Group]:
    """16 questions, one gold passage and two unrelated ones each: two steps of 8."""
    topics = ["cookies", "bank details", "deletion", "children", "retention", "security", "marketing", "location"]
    groups = []
    for i in range(16):
        topic, other = topics[i % 8], topics[(i + 3) % 8]
        passages = (f"About {topic}: we explain {topic} here.", f"About {other}: nothing else.", "Contact us by post.")
        groups.append(Group(f"What about {topic}?", passages, (1, 0, 0), 1.0 + i % 2))
    return groups


@pytest.mark.model
def test_two_steps_train_and_export_a_model_the_runtime_loads(tmp_path):
    pytest.importorskip("torch")
    from qa.reader.training.export import export_reader
    from qa.reader.training.loop import train

    config = TrainConfig(layers=1, max_tokens=32, epochs=1, threads=2)
    trained = train(_tiny_groups(), config)
    assert trained.steps == 2 and all(math.isfinite(loss) for loss in trained.losses)
    out = tmp_path / "reader"
    out.mkdir()
    (out / "judge.json").write_text("{}")  # fitted on the reader's scores elsewhere; the export leaves it
    sample = [("What about cookies?", "About cookies: we explain cookies here.")]
    record = export_reader(trained.model, out, config=config, provenance=_provenance(), sample=sample)
    assert sorted(p.name for p in out.iterdir()) == ["judge.json", "reader-int8.onnx", "reader.json"]
    assert record["checks"]["fp32_vs_torch"]["max_abs"] <= 1e-3
    reader = load_reader(out)
    assert reader.max_tokens == 32
    logits = reader.logits([("q?", "a passage"), ("What about cookies?", "About cookies: we explain cookies here.")])
    assert logits.shape == (2,) and logits.dtype == np.float32 and np.isfinite(logits).all()


@pytest.mark.model
def test_training_is_the_same_for_the_same_seed():
    torch = pytest.importorskip("torch")
    from qa.reader.training.loop import train

    config = TrainConfig(layers=1, max_tokens=24, epochs=1, batch_groups=16, threads=1)
    first, again = train(_tiny_groups(), config), train(_tiny_groups(), config)
    assert first.steps == 1 and first.losses == again.losses
    assert all(torch.equal(a, b) for a, b in zip(first.model.parameters(), again.model.parameters(), strict=True))
    other = train(_tiny_groups(), TrainConfig(layers=1, max_tokens=24, epochs=1, batch_groups=16, threads=1, seed=1))
    assert not torch.equal(first.model.head.weight, other.model.head.weight)  # dropout draws differ
