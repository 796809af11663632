"""qa.catalog: policies loaded once and shared; adding one while others keep answering."""

from __future__ import annotations

import threading

import pytest

from qa.catalog import Catalog, add_policy
from qa.errors import PolicyError
from qa.library import list_policies
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
    settings, store = add_policy(
        DATA / "docs" / "acme.md", "acme", fake_settings, KeywordEmbedder(), lambda *a: steps.append(a)
    )
    assert settings.index_dir.name == "acme" and len(store.policy.clauses) == 8
    assert steps[0] == (0.0, "checking acme.md") and steps[-1] == (1.0, "done")
    assert [f for f, _ in steps] == sorted(f for f, _ in steps)

    class Broken(KeywordEmbedder):
        def embed_passages(self, texts):
            raise OSError("disk on fire")

    with pytest.raises(OSError, match="disk on fire"):
        add_policy(DATA / "docs" / "northwind.html", "northwind", fake_settings, Broken())
    assert [i.name for i in list_policies(fake_settings)] == ["policy", "acme"]
