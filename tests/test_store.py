from __future__ import annotations

import json
import logging

import numpy as np
import pytest

from qa.answer import PolicyQA
from qa.errors import IndexCorrupt
from qa.read.documents import load_policy
from qa.store.build import build_index, build_store, open_index
from qa.store.manifest import expected_manifest, sha256_file
from qa.store.records import load_store, save_store
from tests.conftest import files_of, store_dir


def _build(settings, embedder):
    policy = load_policy(settings.policy_path)
    return build_store(policy, embedder, policy_sha256=sha256_file(settings.policy_path))


def test_save_load_round_trip(fake_settings, fake_embedder):
    store = _build(fake_settings, fake_embedder)
    save_store(store, store_dir(fake_settings))
    expected = expected_manifest(fake_embedder, sha256_file(fake_settings.policy_path))
    loaded = load_store(store_dir(fake_settings), expected=expected)
    assert loaded.sentences == store.sentences
    assert loaded.policy == store.policy
    assert loaded.index.ntotal == store.index.ntotal == len(store.sentences)
    query = fake_embedder.embed_queries(["bank account"])[0]
    for a, b in zip(loaded.search(query, 5), store.search(query, 5), strict=True):
        np.testing.assert_array_equal(a, b)
    assert loaded.words == store.words and all(w.isalpha() for w in loaded.words)
    words = fake_embedder.embed_queries(["banks", "minors"])
    assert loaded.nearest_words(words, 1)[1] == store.nearest_words(words, 1)[1] == [["banks"], ["minors"]]
    np.testing.assert_allclose(loaded.nearest_words(words, 1)[0], 1.0, rtol=1e-6)


def test_nearest_words_are_best_first_and_padded_past_the_stored_words(fake_settings, fake_embedder):
    store = _build(fake_settings, fake_embedder)
    words = fake_embedder.embed_queries(["banks", "minors"])
    scores, nearest = store.nearest_words(words, 3)
    assert scores.shape == (2, 3) and [row[0] for row in nearest] == ["banks", "minors"]
    assert np.all(np.diff(scores, axis=1) <= 0)
    past = store.nearest_words(words, len(store.words) + 2)
    assert past[0].shape == (2, len(store.words) + 2)
    assert list(past[0][:, -1]) == [-1.0, -1.0] and [row[-1] for row in past[1]] == ["", ""]


def test_manifest_records_what_built_it(fake_settings, fake_embedder):
    build_index(files_of(fake_settings), fake_embedder)
    manifest = json.loads((store_dir(fake_settings) / "manifest.json").read_text())
    assert manifest["format_version"] == 5
    assert manifest["model"] == "keyword-fake" and manifest["model_fingerprint"] == "keyword-fake-v1"
    assert manifest["dimension"] == fake_embedder.dimension
    assert manifest["count"] == 84 and manifest["clauses"] == 44
    assert manifest["policy_sha256"] == sha256_file(fake_settings.policy_path)
    assert {"faiss-cpu", "sentence-transformers", "nltk", "torch"} <= set(manifest["libraries"])
    assert set(manifest["files"]) == {
        "index.faiss",
        "clauses.faiss",
        "sentences.jsonl",
        "clauses.jsonl",
        "policy.txt",
        "words.faiss",
        "words.txt",
    }
    assert manifest["words"] == len((store_dir(fake_settings) / "words.txt").read_text().split()) > 500


def test_build_is_byte_identical(tmp_path, fake_settings, fake_embedder):
    build_index(files_of(fake_settings), fake_embedder)
    first = {p.name: p.read_bytes() for p in store_dir(fake_settings).iterdir()}
    build_index(files_of(fake_settings), fake_embedder)
    assert {p.name: p.read_bytes() for p in store_dir(fake_settings).iterdir()} == first
    assert [p.name for p in fake_settings.index_dir.iterdir()] == ["policy"]  # no leftovers


def test_missing_index_is_built_with_a_notice(fake_settings, fake_embedder, caplog):
    with caplog.at_level(logging.WARNING, logger="qa"):
        qa = PolicyQA.load(settings=fake_settings, embedder=fake_embedder)
    assert "building it now" in caplog.text
    assert (store_dir(fake_settings) / "manifest.json").exists()
    assert qa.ask("bank account", k=1).hits[0].clause_id


def test_stale_manifest_is_rebuilt(fake_settings, fake_embedder, caplog):
    build_index(files_of(fake_settings), fake_embedder)
    fake_settings.policy_path.write_text(
        fake_settings.policy_path.read_text(encoding="utf-8")
        .replace("Cookies", "Biscuits")
        .replace("COOKIES", "BISCUITS"),
        encoding="utf-8",
    )
    with caplog.at_level(logging.WARNING, logger="qa"):
        store = open_index(files_of(fake_settings), fake_embedder)
    assert "another policy sha256" in caplog.text
    assert store.policy.clause("E.p1").section_title == "Biscuits"
    manifest = json.loads((store_dir(fake_settings) / "manifest.json").read_text())
    assert manifest["policy_sha256"] == sha256_file(fake_settings.policy_path)


def test_index_for_another_model_is_rebuilt(fake_settings, fake_embedder, caplog):
    build_index(files_of(fake_settings), fake_embedder)
    fake_embedder.fingerprint = "another-model"
    with caplog.at_level(logging.WARNING, logger="qa"):
        open_index(files_of(fake_settings), fake_embedder)
    assert "another model fingerprint" in caplog.text


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda d: (d / "index.faiss").write_bytes(b"garbage"), "checksum"),
        (lambda d: (d / "sentences.jsonl").unlink(), "missing"),
        (lambda d: (d / "manifest.json").write_text("{not json"), "unreadable"),
        (lambda d: (d / "clauses.jsonl").write_bytes((d / "clauses.jsonl").read_bytes()[:-40]), "checksum"),
    ],
)
def test_corrupt_index_names_the_rebuild_command(fake_settings, fake_embedder, damage, message):
    build_index(files_of(fake_settings), fake_embedder)
    damage(store_dir(fake_settings))
    with pytest.raises(IndexCorrupt, match=message) as error:
        open_index(files_of(fake_settings), fake_embedder)
    assert "policyqa index" in str(error.value)


def test_count_disagreeing_with_faiss_is_corrupt(fake_settings, fake_embedder):
    build_index(files_of(fake_settings), fake_embedder)
    path = store_dir(fake_settings) / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest["count"] = 83
    path.write_text(json.dumps(manifest))
    with pytest.raises(IndexCorrupt, match="inconsistent"):
        open_index(files_of(fake_settings), fake_embedder)
