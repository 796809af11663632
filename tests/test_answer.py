from __future__ import annotations

import pytest

from qa.answer import PolicyQA
from qa.errors import InvalidQuestion, QAError


@pytest.fixture
def fake_qa(fake_settings, fake_embedder):
    return PolicyQA.load(settings=fake_settings, embedder=fake_embedder)


def test_hits_are_clauses_best_first_one_per_clause(fake_qa):
    answer = fake_qa.ask("cookies cookies", k=5)
    ids = [hit.clause_id for hit in answer.hits]
    assert len(ids) == len(set(ids)) == 5
    assert [hit.rank for hit in answer.hits] == [1, 2, 3, 4, 5]
    scores = [hit.score for hit in answer.hits]
    assert scores == sorted(scores, reverse=True)
    assert answer.hits[0].section == "E"


def test_hit_fields(fake_qa):
    hit = fake_qa.ask("password", k=1).hits[0]
    assert (hit.clause_id, hit.section, hit.section_title, hit.clause) == ("G.p2", "G", "Security Measures", None)
    assert hit.citation == "§G ¶2 Security Measures"
    assert hit.sentence in hit.text
    assert hit.text[hit.sentence_start : hit.sentence_end] == hit.sentence
    assert set(hit.to_json()) >= {
        "rank",
        "clause_id",
        "section",
        "section_title",
        "clause",
        "citation",
        "sentence",
        "text",
        "score",
    }


@pytest.mark.parametrize(
    ("question", "k", "message"),
    [
        ("", 5, "empty"),
        ("   \n\t", 5, "empty"),
        ("x" * 2001, 5, "2000"),
        ("cookies?", 0, "k must be"),
        ("cookies?", 51, "k must be"),
        ("cookies?", -1, "k must be"),
        ("cookies?", "abc", "k must be"),
        ("cookies?", True, "k must be"),
        (None, 5, "empty"),
    ],
)
def test_bad_input_raises_one_project_error(fake_qa, question, k, message):
    with pytest.raises(InvalidQuestion, match=message) as error:
        fake_qa.ask(question, k=k)
    assert isinstance(error.value, QAError)


def test_k_larger_than_clauses_returns_all_clauses(fake_qa):
    hits = fake_qa.ask("information", k=50).hits
    assert sorted(h.clause_id for h in hits) == sorted(c.id for c in fake_qa.policy.clauses)


def test_settings_from_environment():
    from pathlib import Path

    from qa.errors import SettingsError
    from qa.settings import Settings

    settings = Settings.from_env(
        {"POLICYQA_K": "7", "POLICYQA_INDEX_DIR": "/tmp/x", "POLICYQA_COVERED_THRESHOLD": "0.5"}
    )
    assert (settings.k, settings.index_dir, settings.covered_threshold) == (7, Path("/tmp/x"), 0.5)
    assert Settings.from_env({}) == Settings()
    with pytest.raises(SettingsError, match="POLICYQA_K='abc'"):
        Settings.from_env({"POLICYQA_K": "abc"})
