from __future__ import annotations

import numpy as np

from qa.answer import PolicyQA
from qa.search.adapter import QueryAdapter
from qa.search.retriever import Retriever


def test_ranking_has_every_signal_for_every_clause(fake_settings, fake_embedder):
    qa = PolicyQA.load(settings=fake_settings, embedder=fake_embedder)
    ranking = qa.retriever.rank("cookies in my browser")
    n = len(qa.policy.clauses)
    assert set(ranking.parts) == {"dense", "dense_clause", "lexical", "lexical_sentence", "similarity"}
    assert all(values.shape == (n,) for values in ranking.parts.values())
    # without an adapter the plain similarity is the dense signal, and coverage is its maximum
    np.testing.assert_array_equal(ranking.parts["similarity"], ranking.parts["dense"])
    assert ranking.coverage == ranking.parts["dense"].max()
    for position, row in enumerate(ranking.best_row):
        assert qa.store.sentences[row].clause_id == qa.policy.clauses[position].id


def test_lexical_weight_alone_ranks_by_bm25(fake_settings, fake_embedder):
    qa = PolicyQA.load(settings=fake_settings, embedder=fake_embedder)
    only_lexical = {"dense": 0.0, "dense_clause": 0.0, "lexical": 1.0, "lexical_sentence": 0.0}
    retriever = Retriever(qa.store, fake_embedder, only_lexical)
    ranking = retriever.rank("trade shows and industry events")
    expected = np.argsort(-ranking.parts["lexical"], kind="stable")[:3]
    assert np.argsort(-ranking.fused, kind="stable")[:3].tolist() == expected.tolist()
    assert qa.policy.clauses[expected[0]].id == "A.5"


def test_defined_terms_carry_their_definitions_into_lexical_matching(fake_settings, fake_embedder):
    qa = PolicyQA.load(settings=fake_settings, embedder=fake_embedder)
    ranking = qa.retriever.rank("cheques")  # only A.3 says "cheques"; it defines Account Information
    ids = [qa.policy.clauses[i].id for i in np.flatnonzero(ranking.parts["lexical"] > 0)]
    assert {"A.3", "C.6", "E.p3", "G.p2"} <= set(ids)  # C.6, E.p3, G.p2 use "Account Information"
    hit = next(h for h in qa.ask("cheques", k=50).hits if h.clause_id == "C.6")
    assert ("Account Information", "A.3") in hit.terms


def test_adapter_changes_dense_but_not_similarity(fake_settings, fake_embedder):
    qa = PolicyQA.load(settings=fake_settings, embedder=fake_embedder)
    plain = qa.retriever.rank("bank password")
    flip = np.eye(fake_embedder.dimension, dtype=np.float32)[::-1]  # a permutation: a very different query
    adapted = Retriever(qa.store, fake_embedder, qa.settings.weights, adapter=QueryAdapter(flip, "f")).rank(
        "bank password"
    )
    np.testing.assert_allclose(adapted.parts["similarity"], plain.parts["similarity"])
    assert not np.allclose(adapted.parts["dense"], plain.parts["dense"])
    assert adapted.coverage == plain.coverage


def test_hits_list_cross_references(fake_settings, fake_embedder):
    qa = PolicyQA.load(settings=fake_settings, embedder=fake_embedder)
    hits = {h.clause_id: h for h in qa.ask("disclose", k=50).hits}
    assert hits["C.3"].references == ("B.9",)
    assert hits["F.p1"].references == ("D.p1", "D.p2", "D.p3", "D.p4")
    assert set(hits["C.6"].scores) == {"dense", "dense_clause", "lexical", "lexical_sentence", "similarity", "fused"}
