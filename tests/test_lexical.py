from __future__ import annotations

import math

import numpy as np
import pytest

from qa.store.lexical import LexicalIndex
from qa.vocabulary import tokenize


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("Who can see my bank details?", ["see", "bank", "detail"]),
        ("COOKIES, cookie; Cookie!", ["cooki", "cooki", "cooki"]),
        ("", []),
        ("the of and", []),
        ("cost per year, via email, within days", ["cost", "year", "email", "day"]),  # function words
        ("Données personnelles 日本", ["donn", "es", "personnell"]),
    ],
)
def test_tokenize(text, tokens):
    assert tokenize(text) == tokens


def test_bm25_matches_a_hand_computed_score():
    index = LexicalIndex(["bank account", "cookie browser bank"])
    # "account": N=2, df=1 -> idf = ln(1 + (2 - 1 + 0.5) / (1 + 0.5)) = ln 2.
    # doc 0: tf=1, |d|=2, avgdl=2.5; Lucene's BM25 (bm25s default) drops the (k1+1) factor:
    #        tf / (tf + k1 (1 - b + b |d|/avgdl)) = 1 / (1 + 1.2 * (0.25 + 0.6)) = 1 / 2.02
    expected = math.log(2) / 2.02
    np.testing.assert_allclose(index.scores("account?"), [expected, 0.0], rtol=1e-5)


def test_unknown_words_and_empty_corpus_score_zero():
    assert LexicalIndex(["bank account"]).scores("zebra").tolist() == [0.0]
    assert LexicalIndex(["", "the"]).scores("bank").tolist() == [0.0, 0.0]
