from __future__ import annotations

import json

import pytest

from qa.read.sentences import split_sentences, split_text
from qa.types import Clause
from tests.conftest import DATA


def test_policy_sentences_match_golden_file(policy):
    golden = [json.loads(line) for line in (DATA / "alibaba-sentences.jsonl").read_text(encoding="utf-8").splitlines()]
    got = [
        {"clause_id": s.clause_id, "index": s.index, "start": s.start, "end": s.end, "text": s.text}
        for clause in policy.clauses
        for s in split_sentences(clause)
    ]
    assert got == golden


def test_joining_sentences_gives_back_each_clause(policy):
    for clause in policy.clauses:
        sentences = split_sentences(clause)
        rebuilt, cursor = "", 0
        for sentence in sentences:
            gap = clause.text[cursor : sentence.start]
            assert gap.strip() == "", (clause.id, gap)
            rebuilt += gap + sentence.text
            cursor = sentence.end
        assert rebuilt + clause.text[cursor:] == clause.text
        assert clause.text[cursor:].strip() == ""


def _texts(text: str) -> list[str]:
    return [text[a:b] for a, b in split_text(text)]


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("", []),
        ("One sentence without a stop", ["One sentence without a stop"]),
        ("We use cookies. They track visits.", ["We use cookies.", "They track visits."]),
        (
            "Write to Alibaba Advertising Co., Ltd., No. 699, Wangshang Road.",
            ["Write to Alibaba Advertising Co., Ltd., No. 699, Wangshang Road."],
        ),
        (
            "Save log-in information (e.g., user ID and password) there. Sign out.",
            ["Save log-in information (e.g., user ID and password) there.", "Sign out."],
        ),
        ("i) access data. ii) gather statistics.", ["i) access data.", "ii) gather statistics."]),
        ("Données « privées » — 日本語 texte. Ça va.", ["Données « privées » — 日本語 texte.", "Ça va."]),
        ("<b>Bold</b> text. <i>More</i>.", ["<b>Bold</b> text.", "<i>More</i>."]),
    ],
)
def test_split_edge_cases(text, sentences):
    assert _texts(text) == sentences


def test_sentence_records_carry_their_clause():
    clause = Clause("X.1", "X", "Test", 1, "First one. Second one.", 0, 22)
    assert [(s.clause_id, s.index, s.text, s.start, s.end) for s in split_sentences(clause)] == [
        ("X.1", 0, "First one.", 0, 10),
        ("X.1", 1, "Second one.", 11, 22),
    ]
