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
        ("x" * 2001, 5, "at most 2,000"),
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


def test_thread_counts_beyond_the_machines_cores_are_capped_and_negative_ones_refused(monkeypatch):
    from qa.errors import SettingsError
    from qa.settings import Settings

    monkeypatch.setattr("os.cpu_count", lambda: 2)
    settings = Settings.from_env({"POLICYQA_EMBED_THREADS": "99999", "POLICYQA_READER_THREADS": "0"})
    assert (settings.embed_threads, settings.reader_threads) == (2, 0)
    with pytest.raises(SettingsError, match="POLICYQA_EMBED_THREADS to 0"):
        Settings.from_env({"POLICYQA_EMBED_THREADS": "-3"})


def _tiny_qa(segments, embedder):
    from qa.read.documents import policy_from_segments
    from qa.settings import Settings
    from qa.store.build import build_store

    policy = policy_from_segments("tiny", segments)
    store = build_store(policy, embedder, policy_sha256="0" * 64)
    return PolicyQA(store, embedder, Settings(use_adapter=False))


TINY = [
    "We use cookies to remember your browser.",
    "Cookies help us show you relevant pages.",
    "We protect your password.",
]


def test_question_asking_for_a_period_is_not_covered_when_no_close_clause_states_one(fake_embedder):
    answer = _tiny_qa(TINY, fake_embedder).ask("How long do cookies stay in my browser?", k=2)
    assert not answer.covered
    assert answer.reason == "None of the closest clauses states a time period."
    assert [hit.clause_id for hit in answer.hits] == ["S.p1", "S.p2"]  # still shown, as the closest
    assert answer.to_json()["reason"] == answer.reason


def test_question_asking_for_a_period_is_covered_when_a_close_clause_states_one(fake_embedder):
    qa = _tiny_qa([*TINY, "Cookies expire from your browser after 30 days."], fake_embedder)
    answer = qa.ask("How long do cookies stay in my browser?", k=2)
    assert answer.covered and answer.reason == ""
    assert qa.ask("Why do you use cookies in my browser?").covered  # asks for no period: unaffected


def test_asked_for_check_is_off_at_zero_hits(fake_embedder):
    from dataclasses import replace

    qa = _tiny_qa(TINY, fake_embedder)
    qa = PolicyQA(qa.store, fake_embedder, replace(qa.settings, asked_for_hits=0))
    answer = qa.ask("How long do cookies stay in my browser?", k=2)
    assert answer.covered and answer.reason == ""
