"""End-to-end truth with the real embedding model."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import POLICY_PATH, SHIPPED_INDEX

pytestmark = pytest.mark.model


def test_seed_question_finds_bank_sharing_clause(real_qa):
    answer = real_qa.ask("Who can see my bank details?", k=5)
    assert answer.covered
    top3 = [hit.clause_id for hit in answer.hits[:3]]
    assert {"C.6", "C.4"} & set(top3)
    c6 = next(hit for hit in answer.hits if hit.clause_id == "C.6")
    assert c6.citation == "§C.6 Disclosure of Personal Data"
    assert "banks" in c6.sentence


def test_real_embeddings_are_unit_length_and_offline(real_embedder):
    vectors = real_embedder.embed_queries(["cookies", "bank account"])
    assert vectors.shape == (2, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    assert len(real_embedder.fingerprint) == 64


def test_shipped_index_is_current(real_embedder):
    """The committed index/ matches this code, model and policy (else every fresh clone rebuilds it)."""
    import json

    from qa.store.manifest import expected_manifest, sha256_file

    shipped = json.loads((SHIPPED_INDEX / "manifest.json").read_text(encoding="utf-8"))
    expected = expected_manifest(real_embedder, sha256_file(POLICY_PATH))
    assert {key: shipped.get(key) for key in expected} == expected


def test_seed_question_finds_both_disclosure_clauses(real_qa):
    ids = [hit.clause_id for hit in real_qa.ask("Who can see my bank details?", k=5).hits]
    assert ids[0] == "C.6"
    assert "C.4" in ids  # through "Personal Data", whose definition names Account Information


def test_phone_number_finds_clauses_whose_terms_list_it(real_qa):
    answer = real_qa.ask("what do you do with my phone number", k=5)
    ids = [hit.clause_id for hit in answer.hits]
    assert {"A.2", "A.5"} <= set(ids)  # Registration and Event Information list a phone number
    e3 = next((hit for hit in answer.hits if hit.clause_id == "E.p3"), None)
    assert e3 is None or ("Registration Information", "A.2") in e3.terms


def test_off_topic_question_is_not_covered_but_still_shows_clauses(real_qa):
    answer = real_qa.ask("Who won the last Champions League final?", k=3)
    assert not answer.covered
    assert len(answer.hits) == 3


def test_questions_asking_for_a_period_or_amount_the_policy_never_gives_are_not_covered(real_qa):
    """The policy keeps data but never says for how long, and prices nothing; it does mention a fee."""
    keep = real_qa.ask("How long do you keep my personal data after I close my account?", k=3)
    assert not keep.covered and "time period" in keep.reason and len(keep.hits) == 3
    cost = real_qa.ask("How much does a Gold Supplier membership cost per year?", k=3)
    assert not cost.covered and "amount" in cost.reason
    fee = real_qa.ask("How much will it cost me to see my personal data?", k=3)
    assert fee.covered and "D.p4" in [hit.clause_id for hit in fee.hits]  # "...charge you a reasonable fee..."
