"""End-to-end truth with the real embedding model."""

from __future__ import annotations

import numpy as np
import pytest

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


def test_shipped_index_is_current(real_qa):
    from qa.store import FORMAT_VERSION

    assert real_qa.store.manifest["format_version"] == FORMAT_VERSION
    assert real_qa.store.manifest["model_fingerprint"] == real_qa.embedder.fingerprint
