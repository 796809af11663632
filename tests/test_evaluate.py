"""Evaluation: pure metrics against hand-worked values, data loading, both runs, the CLI."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from qa.answer import PolicyQA
from qa.cli import ProgressLine
from qa.errors import EvalInputError, PolicyError
from qa.evaluation.benchmark import (
    SHIPPED,
    SYSTEMS,
    QueryCache,
    bm25_rankings,
    dense_rankings,
    evaluate_policyqa,
    ranked,
)
from qa.evaluation.metrics import (
    Outcome,
    aggregate,
    aggregate_by,
    citation_correct,
    format_table,
    hit_at_k,
    misses,
    reciprocal_rank,
)
from qa.evaluation.policyqa_file import load_policyqa
from qa.evaluation.question_report import evaluate_questions
from qa.evaluation.questions import DEVELOPMENT_SETS, HELDOUT_SETS, held_out, load_questions, plain_question
from qa.evaluation.report import write_outputs
from qa.read.documents import policy_from_segments
from qa.settings import ROOT, Settings
from qa.store.build import build_store
from qa.types import Answer, Hit
from tests.conftest import DATA

SLICE = DATA / "policyqa-slice.json"
QUESTIONS = ROOT / "eval" / "questions.jsonl"
REPORT_KEYS = {"set", "source", "settings", "metrics", "by_kind", "by_section", "missed", "timing", "definitions"}
METRIC_KEYS = {"questions", "answerable", "hit@1", "hit@3", "hit@5", "mrr@10", "citation_accuracy"} | {
    "abstained_unanswerable",
    "abstained_answerable",
}


# --- pure metrics -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ranked", "gold", "k", "expected"),
    [
        (["a", "b", "c"], {"a"}, 1, 1.0),
        (["a", "b", "c"], {"c"}, 2, 0.0),
        (["a", "b", "c"], {"c"}, 3, 1.0),
        (["a"], {"a"}, 5, 1.0),  # fewer hits than k
        ([], {"a"}, 5, 0.0),  # no hits
        (["a", "b"], set(), 5, 0.0),  # no gold
        (["x", "b", "a"], {"a", "b"}, 2, 1.0),  # any gold id counts
    ],
)
def test_hit_at_k(ranked, gold, k, expected):
    assert hit_at_k(ranked, gold, k) == expected


@pytest.mark.parametrize(
    ("ranked", "gold", "cutoff", "expected"),
    [
        (["a", "b", "c"], {"a"}, 10, 1.0),
        (["a", "b", "c"], {"c"}, 10, 1 / 3),
        (["a", "b", "c", "d"], {"d", "b"}, 10, 1 / 2),  # the first gold counts, not the best
        (["a", "b", "c"], {"c"}, 2, 0.0),  # beyond the cutoff
        ([], {"c"}, 10, 0.0),
    ],
)
def test_reciprocal_rank(ranked, gold, cutoff, expected):
    assert reciprocal_rank(ranked, gold, cutoff) == pytest.approx(expected)


def test_metric_arguments_are_checked():
    with pytest.raises(ValueError):
        hit_at_k(["a"], {"a"}, 0)
    with pytest.raises(ValueError):
        reciprocal_rank(["a"], {"a"}, cutoff=0)


def _outcomes() -> list[Outcome]:
    eleven = tuple("xyzwvutsrq") + ("b",)
    return [
        Outcome("q1", "Q1", "direct", "A", ("a",), ("a", "b", "c"), covered=True, cited=True),  # gold at rank 1
        Outcome("q2", "Q2", "direct", "A", ("b", "z"), ("x", "y", "b"), covered=True, cited=False),  # rank 3
        Outcome("q3", "Q3", "paraphrase", "B", ("b",), ("x", "y", "z", "w", "b"), covered=False, cited=False),  # 5
        Outcome("q4", "Q4", "paraphrase", "B", ("b",), eleven, covered=True, cited=False),  # rank 11: past 10
        Outcome("u1", "U1", "unanswerable", "none", (), ("a",), covered=False, cited=False),
        Outcome("u2", "U2", "unanswerable", "none", (), ("c",), covered=True, cited=False),
    ]


def test_aggregate_against_hand_worked_values():
    metrics = aggregate(_outcomes())
    # Four answerable questions with first gold ranks 1, 3, 5 and 11:
    #   Hit@1 = 1/4 (rank 1)                 = 0.25
    #   Hit@3 = 2/4 (ranks 1, 3)             = 0.5
    #   Hit@5 = 3/4 (ranks 1, 3, 5)          = 0.75
    #   MRR@10 = (1 + 1/3 + 1/5 + 0) / 4 = (15/15 + 5/15 + 3/15) / 4 = 23/60 = 0.38333
    #   citation: only q1's top hit is gold and cited correctly -> 1/4 = 0.25
    #   answerable marked covered=False: q3 -> 1/4 = 0.25; unanswerable marked so: u1 -> 1/2 = 0.5
    assert (metrics.questions, metrics.answerable) == (6, 4)
    assert (metrics.hit_at_1, metrics.hit_at_3, metrics.hit_at_5) == (0.25, 0.5, 0.75)
    assert metrics.mrr_at_10 == pytest.approx(23 / 60)
    assert metrics.citation_accuracy == 0.25
    assert (metrics.abstained_answerable, metrics.abstained_unanswerable) == (0.25, 0.5)
    assert metrics.to_json()["mrr@10"] == 0.3833
    assert set(metrics.to_json()) == METRIC_KEYS


def test_aggregate_by_group_and_without_decisions():
    by_group = aggregate_by(_outcomes(), lambda o: o.group)
    assert list(by_group) == ["A", "B", "none"]
    # A: ranks 1 and 3 -> MRR (1 + 1/3) / 2 = 2/3; B: ranks 5 and 11 -> (1/5 + 0) / 2 = 0.1
    assert by_group["A"].mrr_at_10 == pytest.approx(2 / 3)
    assert by_group["B"].mrr_at_10 == pytest.approx(0.1)
    assert by_group["none"].hit_at_1 is None and by_group["none"].abstained_unanswerable == 0.5
    baseline = [Outcome("q", "Q", "direct", "A", ("a",), ("a",))]  # no covered / cited decision
    metrics = aggregate(baseline)
    assert metrics.hit_at_1 == 1.0
    assert (metrics.citation_accuracy, metrics.abstained_answerable, metrics.abstained_unanswerable) == (None,) * 3
    assert aggregate([]).hit_at_1 is None


def test_misses_list_wrong_top_hits_and_answered_unanswerables():
    found = misses(_outcomes())
    assert [(m.id, m.first, m.gold_rank) for m in found] == [
        ("q2", "x", 3),
        ("q3", "x", 5),
        ("q4", "x", 11),
        ("u2", "c", None),
    ]


def test_misses_list_answerable_questions_marked_not_covered_with_why():
    right_but_uncovered = Outcome("q5", "Q5", "direct", "A", ("a",), ("a",), covered=False, why="similarity 0.2")
    found = misses([*_outcomes(), right_but_uncovered])
    assert (found[-1].id, found[-1].gold_rank, found[-1].covered) == ("q5", 1, False)
    assert found[-1].to_json()["why"] == "similarity 0.2"


def test_format_table_shows_dashes_for_missing_values():
    table = format_table({"all": aggregate(_outcomes()), "none": aggregate(_outcomes()[4:])}, label="rows")
    header, first, second = table.splitlines()
    assert header.split()[:3] == ["rows", "n", "Hit@1"]
    assert first.split()[:4] == ["all", "6", "0.250", "0.500"]
    assert second.split()[:3] == ["none", "2", "-"]


def _hit(clause_id: str, citation: str) -> Hit:
    return Hit(1, clause_id, "C", "", 6, citation, "", "", 0, 0, 0.9)


def test_citation_correct_needs_a_gold_top_hit_cited_as_the_policy_cites_it(policy):
    right = Answer("q", True, (_hit("C.6", "§C.6 Disclosure of Personal Data"),))
    assert citation_correct(right, policy, {"C.6"})
    assert not citation_correct(right, policy, {"C.4"})
    assert not citation_correct(Answer("q", True, (_hit("C.6", "§C.6 Disclosure"),)), policy, {"C.6"})
    assert not citation_correct(Answer("q", False, ()), policy, {"C.6"})


def test_rank_top_matches_a_stable_argsort():
    rng = np.random.default_rng(0)
    scores = rng.integers(0, 5, size=40).astype(float)  # many ties
    assert ranked(scores, 10) == tuple(np.argsort(-scores, kind="stable")[:10].tolist())


# --- data: policy segments, question sets, PolicyQA files ---------------------------------------


def test_policy_from_segments_ids_spans_and_citations():
    policy = policy_from_segments("example.com", ["We use cookies.", "We share data.\n"])
    assert [c.id for c in policy.clauses] == ["S.p1", "S.p2"]
    assert [(s.letter, s.title) for s in policy.sections] == [("S", "")]
    assert policy.title == "example.com"
    for clause in policy.clauses:
        assert policy.text[clause.start : clause.end] == clause.text
    assert policy.clauses[1].citation == "§S ¶2"
    with pytest.raises(PolicyError, match="no segments"):
        policy_from_segments("x", [])
    with pytest.raises(PolicyError, match="segment 2"):
        policy_from_segments("x", ["text", "  "])


def test_gold_question_set_meets_the_issue(policy):
    questions = load_questions(QUESTIONS)
    assert len(questions) >= 80
    kinds = Counter(q.kind for q in questions)
    assert kinds["paraphrase"] >= 15 and kinds["unanswerable"] >= 12
    known = {clause.id for clause in policy.clauses}
    assert {a for q in questions for a in q.answers} <= known
    per_section = Counter(s for q in questions for s in {policy.clause(a).section for a in q.answers})
    assert {section.letter for section in policy.sections} <= set(per_section)  # the preamble P included
    assert all(per_section[letter] >= 3 for letter in "ABCEG")


@pytest.mark.parametrize("path", HELDOUT_SETS, ids=lambda path: path.name)
def test_heldout_sets_are_valid_and_apart_from_every_development_set(policy, path):
    heldout = load_questions(path)
    known = {clause.id for clause in policy.clauses}
    assert {a for q in heldout for a in q.answers} <= known
    assert {q.kind for q in heldout} == {"direct", "paraphrase", "unanswerable"}
    # No question of a development set with the same words, whatever the case or punctuation.
    developed = {plain_question(q.question) for development in DEVELOPMENT_SETS for q in load_questions(development)}
    assert not developed & {plain_question(q.question) for q in heldout}


def test_no_two_question_sets_share_a_question():
    seen: dict[str, str] = {}
    for path in (*DEVELOPMENT_SETS, *HELDOUT_SETS):
        for question in load_questions(path):
            key = plain_question(question.question)
            assert key not in seen, f"{path.name} {question.id} repeats {seen.get(key)}"
            seen[key] = f"{path.name} {question.id}"


def test_a_copy_or_part_of_a_held_out_set_counts_as_held_out(tmp_path):
    part = tmp_path / "part.jsonl"
    part.write_text(HELDOUT_SETS[1].read_text(encoding="utf-8").splitlines()[3] + "\n", encoding="utf-8")
    assert held_out([*DEVELOPMENT_SETS, part, *HELDOUT_SETS]) == [part, *HELDOUT_SETS]


def test_development_sets_are_valid_and_distinct(policy):
    questions = [q for path in DEVELOPMENT_SETS for q in load_questions(path)]
    known = {clause.id for clause in policy.clauses}
    assert {a for q in questions for a in q.answers} <= known
    assert len({q.id for q in questions}) == len(questions)
    assert len({plain_question(q.question) for q in questions}) == len(questions)  # none counted twice


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "holds no questions"),
        ("{not json\n", ":1: not valid JSON"),
        ('["a list"]\n', "not a JSON object"),
        ('{"id": "q1", "answers": [], "kind": "unanswerable"}\n', "question must be a non-empty string"),
        ('{"id": "q1", "question": "Q?", "answers": "A.1", "kind": "direct"}\n', "answers must be a list"),
        ('{"id": "q1", "question": "Q?", "answers": ["A.1"], "kind": "other"}\n', "kind must be one of"),
        ('{"id": "q1", "question": "Q?", "answers": [], "kind": "direct"}\n', "empty exactly when"),
        ('{"id": "q1", "question": "Q?", "answers": [], "kind": "unanswerable"}\n' * 2, "appears twice"),
    ],
)
def test_bad_question_files_say_what_to_fix(tmp_path, content, message):
    path = tmp_path / "questions.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(EvalInputError, match=message):
        load_questions(path)


def test_missing_question_file(tmp_path):
    with pytest.raises(EvalInputError, match="not found; pass a .jsonl file"):
        load_questions(tmp_path / "nope.jsonl")


def _squad(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "pqa.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_policyqa_questions_are_grouped_by_text_with_the_union_of_segments(tmp_path):
    def qa(question: str, qa_id: str) -> dict[str, object]:
        return {"question": question, "id": qa_id, "answers": [{"text": "x", "answer_start": 0}]}

    paragraphs = [
        {"context": "first x", "index": 0, "qas": [qa("Q1?", "a"), qa("Q2?", "b")]},
        {"context": "second x", "index": 1, "qas": [qa("Q1? ", "c")]},
        {"context": "third", "index": 2, "qas": []},
    ]
    path = _squad(tmp_path, {"data": [{"title": "t.com", "paragraphs": paragraphs}]})
    (policy,) = load_policyqa(path)
    assert policy.segments == ("first x", "second x", "third")
    assert [(q.id, q.question, q.relevant) for q in policy.questions] == [("a", "Q1?", (0, 1)), ("b", "Q2?", (0,))]
    assert [len(p.questions) for p in load_policyqa(path, limit=1)] == [1]


def test_policyqa_slice_counts():
    policies = load_policyqa(SLICE)
    assert [(p.title, len(p.segments), len(p.questions)) for p in policies] == [
        ("sci-news.com", 12, 56),
        ("cbsinteractive.com", 8, 46),
    ]
    assert [len(p.questions) for p in load_policyqa(SLICE, limit=60)] == [56, 4]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"version": "v1"}, "has no data"),
        ({"data": [{"title": "t"}]}, r"data\[0\] needs a title and paragraphs"),
        ({"data": [{"title": "t", "paragraphs": [{"context": " ", "qas": []}]}]}, "non-empty context"),
        ({"data": [{"title": "t", "paragraphs": [{"context": "c", "qas": [{"id": "1"}]}]}]}, "need a question"),
    ],
)
def test_bad_policyqa_files_say_what_is_wrong(tmp_path, data, message):
    with pytest.raises(EvalInputError, match=message):
        load_policyqa(_squad(tmp_path, data))


def test_missing_or_broken_policyqa_file(tmp_path):
    with pytest.raises(EvalInputError, match="not found"):
        load_policyqa(tmp_path / "nope.json")
    (tmp_path / "bad.json").write_text("{", encoding="utf-8")
    with pytest.raises(EvalInputError, match="not readable JSON"):
        load_policyqa(tmp_path / "bad.json")


# --- systems and runs with the fake embedder -----------------------------------------------------


def test_bm25_ranks_matching_segments_and_skips_the_rest():
    segments = ["We set a cookie in your browser.", "Your bank account details.", "Nothing relevant."]
    assert bm25_rankings(segments, ["cookie browser", "bank", "zebra"], 10) == [(0,), (1,), ()]


def test_dense_baseline_takes_the_best_raw_sentence_per_segment(fake_embedder):
    policy = policy_from_segments("t", ["General words. Your bank account.", "Cookies cookies.", "Email us."])
    store = build_store(policy, fake_embedder, policy_sha256="x")
    assert dense_rankings(store, ["bank account"], fake_embedder, 2) == [(0, 2)]


def test_query_cache_embeds_each_query_once(fake_embedder):
    cache = QueryCache(fake_embedder)
    cache.prime(["bank", "cookies", "bank"])
    calls = fake_embedder.calls
    vectors = cache.embed_queries(["cookies", "bank"])
    assert fake_embedder.calls == calls
    np.testing.assert_allclose(vectors, fake_embedder.embed_queries(["cookies", "bank"]))
    assert cache.embed_queries([]).shape == (0, fake_embedder.dimension)


def test_policyqa_benchmark_end_to_end_on_the_slice(fake_embedder, tmp_path):
    report = evaluate_policyqa(load_policyqa(SLICE), fake_embedder, Settings(), source="slice")
    assert tuple(report.systems) == SYSTEMS
    assert report.counts == {"policies": 2, "segments": 20, "pairs": 102}
    golds = {name: [o.gold for o in rows] for name, rows in report.systems.items()}
    assert golds["policyqa"] == golds["bm25"] == golds["dense"]
    for rows in report.systems.values():
        metrics = aggregate(rows)
        assert metrics.answerable == 102
        assert 0 <= metrics.hit_at_1 <= metrics.hit_at_3 <= metrics.hit_at_5 <= 1  # type: ignore[operator]
        assert all(len(o.ranked) <= 10 and all(r.startswith("S.p") for r in o.ranked) for o in rows)
    document = report.to_json()
    assert set(document) == {"set", "source", "settings", "counts", "systems", "by_policy", "timing", "definitions"}
    assert list(document["by_policy"]) == ["sci-news.com", "cbsinteractive.com"]
    assert "policyqa" in report.to_text() and "bm25" in report.to_text()
    written = write_outputs(report, tmp_path / "out")
    assert [p.name for p in written] == ["report.json", "systems.png"]
    assert written[1].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads(written[0].read_text())["counts"]["pairs"] == 102


def test_question_set_end_to_end_with_the_fake_embedder(policy, fake_embedder, tmp_path):
    store = build_store(policy, fake_embedder, policy_sha256="test")
    qa = PolicyQA(store, fake_embedder, Settings())
    questions = load_questions(QUESTIONS)
    report = evaluate_questions(qa, questions, source="questions")
    document = report.to_json()
    assert set(document) == REPORT_KEYS
    assert document["metrics"]["questions"] == len(questions)  # type: ignore[index]
    assert set(document["by_kind"]) == {"direct", "paraphrase", "unanswerable"}  # type: ignore[arg-type]
    sections = list(document["by_section"])  # type: ignore[arg-type]
    assert sections[0] == "P" and sections[-1] == "none"
    assert all(miss["id"] for miss in document["missed"])  # type: ignore[attr-defined]
    written = write_outputs(report, tmp_path)
    assert written[1].name == "hits-by-group.png" and written[1].stat().st_size > 1000


def test_gold_ids_unknown_to_the_policy_are_refused(policy, fake_embedder, tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text('{"id": "q1", "question": "Q?", "answers": ["Z.9"], "kind": "direct"}\n', encoding="utf-8")
    qa = PolicyQA(build_store(policy, fake_embedder, policy_sha256="test"), fake_embedder, Settings())
    with pytest.raises(EvalInputError, match="clause Z.9"):
        evaluate_questions(qa, load_questions(path))


def test_progress_prints_every_tenth_when_not_a_terminal():
    stream = io.StringIO()
    progress = ProgressLine(stream=stream)
    for done in range(1, 101):
        progress(done / 100, f"questions: {done} of 100 asked")
    lines = stream.getvalue().splitlines()
    assert len(lines) == 10
    assert lines[0] == "[ 10%] questions: 10 of 100 asked" and lines[-1] == "[100%] questions: 100 of 100 asked"


# --- the command line ----------------------------------------------------------------------------


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = dict(os.environ) | (env or {})
    return subprocess.run([sys.executable, "-m", "qa", "eval", *args], capture_output=True, text=True, env=environ)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "give a questions .jsonl file or --policyqa FILE"),
        (("q.jsonl", "--policyqa", "x.json"), "not both or neither"),
        (("missing.jsonl",), "questions file missing.jsonl not found"),
        (("--policyqa", "missing.json"), "PolicyQA file missing.json not found"),
        ((str(QUESTIONS), "--limit", "0"), "--limit must be 1 or more"),
        ((str(QUESTIONS), "--shipped"), "--shipped scores a PolicyQA file; give --policyqa FILE"),
    ],
)
def test_cli_errors_are_one_line_and_status_2(args, message):
    result = run(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.model
def test_cli_policyqa_slice_json_and_files(tmp_path):
    result = run("--policyqa", str(SLICE), "--json", "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)  # progress went to stderr, not into the JSON
    assert set(document["systems"]) == set(SYSTEMS)
    assert all(set(metrics) == METRIC_KEYS for metrics in document["systems"].values())
    assert document["counts"] == {"policies": 2, "segments": 20, "pairs": 102}
    assert (tmp_path / "out" / "report.json").exists() and (tmp_path / "out" / "systems.png").exists()


@pytest.mark.model
def test_cli_policyqa_scores_the_shipped_models_as_they_are_beside_the_cross_validated_ones():
    result = run("--policyqa", str(SLICE), "--json", "--limit", "20", "--shipped")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert set(document["systems"]) == {*SYSTEMS, SHIPPED}
    assert document["settings"]["shipped"] == "adapter True, reader True"
    shipped, project = document["systems"][SHIPPED], document["systems"]["policyqa"]
    assert shipped["questions"] == project["questions"] == 20
    assert shipped["hit@1"] is not None and 0 <= shipped["hit@1"] <= shipped["hit@3"] <= 1


@pytest.mark.model
def test_cli_question_set_json(tmp_path):
    result = run(str(QUESTIONS), "--json", "--limit", "12")  # the shipped policy and index, as installed
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert set(document) == REPORT_KEYS
    assert set(document["metrics"]) == METRIC_KEYS and document["metrics"]["questions"] == 12
    assert document["settings"]["k"] == 10
