"""The query expansion (qa/search/expansion.py): which policy words join the BM25 query, and reference answers."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from qa.answer import PolicyQA
from qa.coverage.words import Neighbours, neighbours
from qa.search.expansion import brand_words, corrected, expand, one_per_stem, query_words
from qa.search.followup import with_earlier_topic
from qa.types import Embedded, Expanded
from tests.conftest import looked_up

WORDS = ("will", "the", "cops", "get", "my", "information", "many", "hours", "law")


def _found(scores, nearest, policy=frozenset({"law"})):
    embedded = Embedded(np.eye(len(WORDS))[0], WORDS, np.eye(len(WORDS)))
    nearest_words, seen = looked_up(scores, nearest)
    return neighbours(embedded, nearest_words, policy, 2), seen


def test_each_question_word_the_policy_never_uses_gets_its_close_policy_words():
    found, seen = _found(
        [[0.54, 0.30], [0.63, 0.62], [0.70, 0.20], [0.50, 0.45]],
        [["enforcement", "law"], ["obtaining", "available"], ["time", "year"], ["immediately", "time"]],
    )
    # Looked up once: not stopwords, not "information" (generic), not "law" (the policy uses it).
    assert seen == [([2, 3, 6, 7], 2)] and found.words == ("cops", "get", "many", "hours")
    expanded = expand(found, {"law"}, per_word=2, threshold=0.41, skip={"many", "hours"})
    assert expanded == (Expanded("cops", ("enforcement",)), Expanded("get", ("obtaining", "available")))
    one = expand(found, {"law"}, per_word=1, threshold=0.41)
    assert [item.policy_words for item in one] == [("enforcement",), ("obtaining",), ("time",), ("immediately",)]
    assert expand(found, {"law"}, per_word=0, threshold=0.41) == ()


def test_the_threshold_compares_what_it_shows_and_each_stem_counts_once():
    found, _ = _found(
        [[np.float32(0.4107), 0.40], [0.9, 0.8], [0.1, 0.1], [0.1, 0.1]],
        [["enforcement", "law"], ["minors", "minor"], ["a", "b"], ["c", "d"]],
    )
    expanded = expand(found, set(), per_word=2, threshold=0.4107)  # float32(0.4107) < 0.4107 as a float
    assert expanded == (Expanded("cops", ("enforcement",)), Expanded("get", ("minors",)))


def test_a_misspelling_brings_the_policy_word_first_and_stopwords_never():
    embedded = Embedded(np.eye(3)[0], ("is", "pasword", "thier", "safe"), np.eye(4))
    nearest_words, _ = looked_up([[0.35], [0.2], [0.67]], [["account"], ["account"], ["risk"]])
    found = neighbours(embedded, nearest_words, {"password", "their", "risk"}, 1)
    expanded = expand(found, {"password", "their", "risk"}, per_word=1, threshold=0.41)
    assert expanded == (Expanded("pasword", ("password",)), Expanded("safe", ("risk",)))


def test_the_company_name_is_never_an_expansion():
    found, _ = _found(
        [[0.60, 0.50], [0.1, 0.1], [0.1, 0.1], [0.1, 0.1]],
        [["mistral", "sell"], ["a", "b"], ["c", "d"], ["e", "f"]],
    )
    assert brand_words("Mistral AI Privacy Policy") == {"mistral"}
    avoided = expand(found, set(), per_word=2, threshold=0.41, avoid=brand_words("Mistral AI Privacy Policy"))
    assert avoided == (Expanded("cops", ("sell",)),)
    assert expand(found, set(), per_word=2, threshold=0.41)[0] == Expanded("cops", ("mistral", "sell"))


def test_the_query_gets_each_added_stem_once_and_none_of_the_questions_own():
    expanded = [Expanded("kid", ("minors",)), Expanded("child", ("minor",)), Expanded("info", ("information",))]
    assert query_words("Can my kid give you information?", expanded) == ["minors"]
    assert one_per_stem([]) == []


def test_only_an_unambiguous_misspelling_is_corrected():
    found = Neighbours(("zates", "pasword", "fingerprints"), (), np.zeros((3, 1)))
    # "zates" is one slip from both "dates" and "rates"; "fingerprints" is an English word.
    fixed = corrected("Are ZATES and my Pasword kept, or fingerprints?", found, {"dates", "rates", "password"})
    assert fixed == "Are ZATES and my password kept, or fingerprints?"
    assert corrected("Is my password safe?", Neighbours((), (), np.zeros((0, 1))), {"password"}) is None


@pytest.mark.model
def test_a_misspelt_question_is_searched_as_meant(real_qa):
    answer = real_qa.ask("Do you use cookeis?", k=3)
    assert answer.question == "Do you use cookeis?" and answer.corrected == "Do you use cookies?"
    right = real_qa.ask("Do you use cookies?", k=3)
    assert answer.covered and [h.clause_id for h in answer.hits] == [h.clause_id for h in right.hits]
    assert right.corrected == "" and answer.to_json()["corrected"] == "Do you use cookies?"


# Reference answers on the shipped policy: colloquial words found through the policy's own ones
# (question, the question word, the policy word it brings, the clauses that answer it). Without the
# expansion the search puts another clause first (A.4, G.p2 and B.8; the reader, off here, rescues some).
EXPANDED = [
    ("Can the sheriff get my details?", "sheriff", "enforcement", {"C.3"}),  # "law enforcement agencies"
    ("Can a kid sign up?", "kid", "minors", {"F.p1"}),  # "not targeted to minors"
    ("Can I fix mistakes in my profile?", "mistakes", "correction", {"D.p1", "D.p2"}),  # "request correction"
]


@pytest.mark.model
@pytest.mark.parametrize(("question", "word", "policy_word", "answers"), EXPANDED)
def test_the_lexical_search_also_looks_for_the_policys_own_words(real_qa, question, word, policy_word, answers):
    answer = real_qa.ask(question, k=3)
    assert policy_word in dict((item.word, item.policy_words) for item in answer.expansion)[word]
    assert answer.hits[0].clause_id in answers
    searched = replace(real_qa.settings, expand_neighbours=0, use_reader=False)
    plain = PolicyQA.over(real_qa.store, real_qa.embedder, searched)
    first = plain.ask(question, k=3).hits[0].clause_id
    assert first not in answers
    # the search says which clause it would put first without the expansion (for the reader's guard)
    assert real_qa.policy.clauses[real_qa.retriever.rank(question).unexpanded_first].id == first


@pytest.mark.model
def test_words_that_ask_for_an_amount_are_not_expanded(real_qa):
    answer = real_qa.ask("How much does a Gold Supplier membership cost per year?", k=3)
    assert "cost" not in {item.word for item in answer.expansion}
    assert not answer.covered and answer.reason == "None of the closest clauses states an amount or a fee."


# --- follow-up questions (qa.search.followup) ------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "earlier", "searched"),
    [
        ("Can I opt out of that?", "Do you use cookies?", "Can I opt out of that? (cookies)"),
        (
            "What about my IP address?",
            "Do you record my browsing activity?",
            "What about my IP address? (record browsing activity)",
        ),
        ("And to mobile websites?", "Does this policy apply to the mobile app?", "And to mobile websites? (apply app)"),
        ("Do you sell my data?", "Do you use cookies?", ""),  # stands on its own
        ("Can I opt out of that?", "", ""),  # nothing earlier
        ("Is that free?", "Is it free?", ""),  # the earlier question names no topic
    ],
)
def test_a_follow_up_is_searched_with_the_earlier_topic(question, earlier, searched):
    assert with_earlier_topic(question, earlier) == searched
