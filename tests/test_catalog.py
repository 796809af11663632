"""qa.catalog: policies loaded once and shared; adding one while others keep answering."""

from __future__ import annotations

import hashlib
import threading

import pytest

import qa.embedding.factory
import qa.read.documents
from qa.answer import PolicyQA
from qa.cli import main
from qa.errors import PolicyError
from qa.library.files import add_policy, check_policy_file, remove_policy
from qa.library.names import list_policies
from qa.web.catalog import Catalog
from tests.conftest import DATA, KeywordEmbedder


@pytest.fixture
def catalog(fake_settings) -> Catalog:
    return Catalog(fake_settings, KeywordEmbedder())


def test_each_policy_is_loaded_once(catalog):
    assert catalog.get() is catalog.get(None) is catalog.get("policy")
    with pytest.raises(PolicyError, match="no policy named 'nope'"):
        catalog.get("nope")


def test_adding_again_replaces_the_policy(catalog, tmp_path):
    first = catalog.add(DATA / "docs" / "acme.md", "acme")
    assert catalog.get("acme") is first and first.policy.title == "Acme Cloud Privacy Policy"
    revised = tmp_path / "acme.md"
    revised.write_text("# Acme Cloud Privacy Policy 2025\n\n## A. Cookies\n\nWe use no cookies at all.\n")
    second = catalog.add(revised, "acme")
    assert catalog.get("acme") is second and second.policy.title == "Acme Cloud Privacy Policy 2025"
    assert [i.name for i in catalog.policies()] == ["policy", "acme"]


def test_removed_policy_is_gone_from_memory_and_library(catalog):
    catalog.add(DATA / "docs" / "acme.md", "acme")
    catalog.remove("acme")
    assert [i.name for i in catalog.policies()] == ["policy"]
    with pytest.raises(PolicyError, match="no policy named 'acme'"):
        catalog.get("acme")
    with pytest.raises(PolicyError, match="cannot be removed"):
        catalog.remove("policy")
    assert catalog.get().policy.clauses  # the shipped one still answers


def test_a_policy_removed_from_the_library_behind_its_back_is_not_served(catalog):
    catalog.add(DATA / "docs" / "acme.md", "acme")
    remove_policy("acme", catalog.settings)  # as `policyqa remove acme` in another process
    with pytest.raises(PolicyError, match="no policy named 'acme'; it may have been removed"):
        catalog.get("acme")


def test_loaded_policies_answer_while_another_is_being_indexed(catalog):
    default = catalog.get()
    started, release = threading.Event(), threading.Event()
    embed = catalog.embedder.embed_passages

    def slow_embed(texts):
        started.set()
        release.wait(30)
        return embed(texts)

    catalog.embedder.embed_passages = slow_embed
    adding = threading.Thread(target=catalog.add, args=(DATA / "docs" / "acme.md", "acme"))
    adding.start()
    try:
        assert started.wait(30)
        assert catalog.get() is default and default.ask("cookies", 1).hits  # not blocked by the build
    finally:
        release.set()
        adding.join(30)
    assert catalog.get("acme").policy.title == "Acme Cloud Privacy Policy"


def test_add_policy_reports_progress_and_a_failed_build_leaves_nothing(fake_settings):
    steps: list[tuple[float, str]] = []
    checked = check_policy_file(DATA / "docs" / "acme.md", "acme", fake_settings)
    added = add_policy(checked, fake_settings, KeywordEmbedder(), lambda *a: steps.append(a))
    assert added.files.index_dir.name == "acme" and len(added.store.policy.clauses) == 8
    assert steps[0] == (0.0, "splitting 8 clauses into sentences") and steps[-1] == (1.0, "done")
    assert [f for f, _ in steps] == sorted(f for f, _ in steps)

    class Broken(KeywordEmbedder):
        def embed_passages(self, texts):
            raise OSError("disk on fire")

    with pytest.raises(OSError, match="disk on fire"):
        add_policy(
            check_policy_file(DATA / "docs" / "northwind.html", "northwind", fake_settings), fake_settings, Broken()
        )
    assert [i.name for i in list_policies(fake_settings)] == ["policy", "acme"]


def test_add_reports_checking_first_and_indexes_the_bytes_it_copied(catalog):
    steps: list[tuple[float, str]] = []
    added = catalog.add(DATA / "docs" / "acme.md", "acme", lambda *a: steps.append(a))
    assert steps[0] == (0.0, "checking acme.md") and steps[-1] == (1.0, "done")
    copied = catalog.settings.policies / "acme.md"
    assert copied.read_bytes() == (DATA / "docs" / "acme.md").read_bytes()
    assert added.store.manifest["policy_sha256"] == hashlib.sha256(copied.read_bytes()).hexdigest()
    calls = catalog.embedder.calls
    PolicyQA.load("acme", settings=catalog.settings, embedder=catalog.embedder)
    assert catalog.embedder.calls == calls  # the saved store matches the copied file: loaded, not rebuilt


@pytest.fixture
def parses(monkeypatch) -> list[str]:
    """Every policy text parsed from now on (qa.read.documents.parse_document is where every file's parse ends)."""
    seen: list[str] = []
    parse_document = qa.read.documents.parse_document

    def counted(text, kind, **options):
        seen.append(text)
        return parse_document(text, kind, **options)

    monkeypatch.setattr(qa.read.documents, "parse_document", counted)
    return seen


def test_the_app_parses_an_added_file_once(catalog, parses):
    catalog.add(DATA / "docs" / "acme.md", "acme")
    assert len(parses) == 1


def test_the_cli_parses_an_added_file_once(fake_settings, monkeypatch, parses, capsys):
    monkeypatch.setenv("POLICYQA_POLICY_PATH", str(fake_settings.policy_path))
    monkeypatch.setenv("POLICYQA_INDEX_DIR", str(fake_settings.index_dir))
    monkeypatch.setattr(qa.embedding.factory, "create_index_embedder", lambda settings: KeywordEmbedder())
    assert main(["index", str(DATA / "docs" / "acme.md"), "--name", "acme"]) == 0
    assert len(parses) == 1
    assert capsys.readouterr().out.startswith("indexed ")
