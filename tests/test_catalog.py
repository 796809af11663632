"""qa.catalog: policies loaded once and shared; adding one while others keep answering."""

from __future__ import annotations

import hashlib
import threading
from dataclasses import replace

import pytest

import qa.embedding.factory
import qa.library.files
from qa.answer import PolicyQA
from qa.cli import main
from qa.errors import PolicyError
from qa.library.files import add_policy, check_policy_file, remove_policy
from qa.library.names import list_policies
from qa.web.catalog import Catalog, PolicyLoading
from tests.conftest import DATA, KeywordEmbedder


@pytest.fixture
def catalog(fake_settings) -> Catalog:
    catalog = Catalog(fake_settings, KeywordEmbedder())
    catalog.load()  # the default policy, as the app loads it before it serves
    return catalog


def test_each_policy_is_loaded_once(catalog):
    assert catalog.load() is catalog.get() is catalog.get(None) is catalog.get("policy")
    with pytest.raises(PolicyError, match="no policy named 'nope'"):
        catalog.get("nope")


def test_a_policy_not_loaded_yet_is_loaded_in_the_background(catalog, fake_settings):
    add_policy(check_policy_file(DATA / "docs" / "acme.md", "acme", fake_settings), fake_settings, KeywordEmbedder())
    with pytest.raises(PolicyLoading, match="'acme' is being loaded; ask again in a moment"):
        catalog.get("acme")  # the question path never waits for a load
    assert catalog.load("acme") is catalog.get("acme")  # the load it started, waited for


def test_adding_again_replaces_the_policy(catalog, tmp_path):
    first = catalog.add(DATA / "docs" / "acme.md", "acme")
    assert catalog.get("acme") is first and first.policy.title == "Acme Cloud Privacy Policy"
    revised = tmp_path / "acme.md"
    revised.write_text("# Acme Cloud Privacy Policy 2025\n\n## A. Cookies\n\nWe use no cookies at all.\n")
    second = catalog.add(revised, "acme")
    assert catalog.get("acme") is second and second.policy.title == "Acme Cloud Privacy Policy 2025"
    assert [i.name for i in catalog.policies()] == ["policy", "acme"]


def test_a_policy_replaced_on_disk_is_answered_from_its_new_files(catalog, fake_settings, tmp_path):
    """`policyqa index other.md --name acme --replace` in another process while the app has acme loaded."""
    catalog.add(DATA / "docs" / "acme.md", "acme")
    replacement = check_policy_file(DATA / "docs" / "zephyr.md", "acme", fake_settings)
    add_policy(replacement, fake_settings, KeywordEmbedder(), replace=True)
    with pytest.raises(PolicyLoading, match="has changed on disk and is being loaded again"):
        catalog.get("acme")
    assert catalog.load("acme").policy.title == replacement.policy.title != "Acme Cloud Privacy Policy"
    assert catalog.get("acme").policy.title == replacement.policy.title


def test_the_cache_keeps_the_default_and_the_most_recently_used(fake_settings):
    catalog = Catalog(replace(fake_settings, loaded_policies=2), KeywordEmbedder())
    catalog.load()
    for name in ("acme", "northwind"):
        source = DATA / "docs" / f"{name}.{'md' if name == 'acme' else 'html'}"
        catalog.add(source, name)
    assert catalog.loaded() == ["policy", "northwind"]  # acme dropped, the default kept
    catalog.load("acme")
    assert catalog.loaded() == ["policy", "acme"]


def test_removed_policy_is_gone_from_memory_and_library(catalog):
    catalog.add(DATA / "docs" / "acme.md", "acme")
    catalog.remove("acme")
    assert [i.name for i in catalog.policies()] == ["policy"]
    with pytest.raises(PolicyError, match="no policy named 'acme'"):
        catalog.get("acme")
    with pytest.raises(PolicyError, match="cannot be removed"):
        catalog.remove("policy")
    assert catalog.load().policy.clauses  # the shipped one still answers


def test_a_policy_removed_from_the_library_behind_its_back_is_not_served(catalog):
    catalog.add(DATA / "docs" / "acme.md", "acme")
    remove_policy("acme", catalog.settings)  # as `policyqa remove acme` in another process
    with pytest.raises(PolicyError, match="no policy named 'acme'; it may have been removed"):
        catalog.get("acme")
    assert "acme" not in catalog.loaded()


def test_loaded_policies_answer_while_another_is_being_indexed(catalog):
    default = catalog.load()
    started, release = threading.Event(), threading.Event()
    embed = catalog.embedder.embed_with_words

    def slow_embed(texts):
        started.set()
        release.wait(30)
        return embed(texts)

    catalog.embedder.embed_with_words = slow_embed
    adding = threading.Thread(target=catalog.add, args=(DATA / "docs" / "acme.md", "acme"))
    adding.start()
    try:
        assert started.wait(30)
        assert catalog.get() is default and default.ask("cookies", 1).hits  # not blocked by the build
    finally:
        release.set()
        adding.join(30)
    assert catalog.get("acme").policy.title == "Acme Cloud Privacy Policy"


def test_questions_to_the_default_do_not_wait_for_a_slow_load(catalog, fake_settings, monkeypatch):
    """A question to a policy that is not loaded yet starts its load and returns at once; while that
    load is held up, the default policy answers."""
    add_policy(check_policy_file(DATA / "docs" / "acme.md", "acme", fake_settings), fake_settings, KeywordEmbedder())
    default = catalog.load()
    started, release = threading.Event(), threading.Event()
    load = PolicyQA.load

    def slow_load(*args, **options):
        started.set()
        release.wait(30)
        return load(*args, **options)

    monkeypatch.setattr(PolicyQA, "load", slow_load)
    try:
        with pytest.raises(PolicyLoading):
            catalog.get("acme")
        assert started.wait(30)
        assert catalog.get() is default and default.ask("cookies", 1).hits
        with pytest.raises(PolicyLoading):
            catalog.get("acme")  # still loading: the same load, not a second one
    finally:
        release.set()
    assert catalog.load("acme").policy.title == "Acme Cloud Privacy Policy"


def test_add_policy_reports_progress_and_a_failed_build_leaves_nothing(fake_settings):
    steps: list[tuple[float, str]] = []
    checked = check_policy_file(DATA / "docs" / "acme.md", "acme", fake_settings)
    added = add_policy(checked, fake_settings, KeywordEmbedder(), lambda *a: steps.append(a))
    assert added.files.index_dir.name == "acme" and len(added.store.policy.clauses) == 8
    assert steps[0] == (0.0, "splitting 8 clauses into sentences") and steps[-1] == (1.0, "done")
    assert [f for f, _ in steps] == sorted(f for f, _ in steps)

    class Broken(KeywordEmbedder):
        def embed_with_words(self, texts):
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
    """The names of the files parsed from now on (every user's file is parsed in `qa.library.sandbox`)."""
    seen: list[str] = []
    parse_in_worker = qa.library.files.parse_in_worker

    def counted(name, data, **options):
        seen.append(name)
        return parse_in_worker(name, data, **options)

    monkeypatch.setattr(qa.library.files, "parse_in_worker", counted)
    return seen


def test_the_app_parses_an_added_file_once(catalog, parses):
    catalog.add(DATA / "docs" / "acme.md", "acme")
    assert parses == ["acme.md"]


def test_the_cli_parses_an_added_file_once(fake_settings, monkeypatch, parses, capsys):
    monkeypatch.setenv("POLICYQA_POLICY_PATH", str(fake_settings.policy_path))
    monkeypatch.setenv("POLICYQA_INDEX_DIR", str(fake_settings.index_dir))
    monkeypatch.setattr(qa.embedding.factory, "create_index_embedder", lambda settings: KeywordEmbedder())
    assert main(["index", str(DATA / "docs" / "acme.md"), "--name", "acme"]) == 0
    assert parses == ["acme.md"]
    assert capsys.readouterr().out.startswith("indexed ")
