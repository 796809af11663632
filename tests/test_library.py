from __future__ import annotations

import pytest

from qa.answer import PolicyQA
from qa.errors import PolicyError
from qa.library.files import MAX_POLICY_BYTES, add_policy, check_policy_file, remove_policy
from qa.library.names import list_policies, locate
from qa.store.build import PolicyFiles
from tests.conftest import DATA, KeywordEmbedder


def add_acme(settings, name="acme-cloud"):
    return add_policy(check_policy_file(DATA / "docs" / "acme.md", name, settings), settings, KeywordEmbedder())


def test_add_index_and_list_side_by_side(fake_settings, fake_embedder):
    PolicyQA.load(settings=fake_settings, embedder=fake_embedder)  # the default policy
    acme = add_acme(fake_settings).files
    assert acme == PolicyFiles(
        "acme-cloud", fake_settings.home / "policies" / "acme-cloud.md", fake_settings.index_dir / "acme-cloud"
    )
    qa = PolicyQA.load("acme-cloud", settings=fake_settings, embedder=fake_embedder)
    assert qa.policy.title == "Acme Cloud Privacy Policy"
    assert (acme.index_dir / "manifest.json").exists()
    infos = list_policies(fake_settings)
    assert [(i.name, i.title, i.clauses, i.indexed) for i in infos] == [
        ("policy", "Privacy Policy", 44, True),
        ("acme-cloud", "Acme Cloud Privacy Policy", 8, True),
    ]
    assert locate(None, fake_settings) == PolicyFiles(
        "policy", fake_settings.policy_path, fake_settings.index_dir / "policy"
    )


def test_adding_a_name_the_library_holds_needs_replace(fake_settings):
    add_acme(fake_settings)
    with pytest.raises(
        PolicyError, match="'acme-cloud' .Acme Cloud Privacy Policy. is already in the library; add --replace"
    ):
        add_acme(fake_settings)
    replaced = add_policy(
        check_policy_file(DATA / "docs" / "zephyr.md", "acme-cloud", fake_settings),
        fake_settings,
        KeywordEmbedder(),
        replace=True,
    )
    assert replaced.replaced is not None and replaced.replaced.title == "Acme Cloud Privacy Policy"
    assert (
        [i.title for i in list_policies(fake_settings)][1] == replaced.store.policy.title != "Acme Cloud Privacy Policy"
    )


@pytest.mark.parametrize("name", ["", "Acme", "../evil", "a/b", "a" * 64, "-x", "policy"])
def test_bad_names_are_refused(fake_settings, name):
    with pytest.raises(PolicyError):
        check_policy_file(DATA / "docs" / "acme.md", name, fake_settings)


def test_unknown_policy_names_the_command_to_add_it(fake_settings):
    with pytest.raises(PolicyError, match="policyqa index FILE --name nope"):
        locate("nope", fake_settings)


def test_files_are_type_and_size_checked(tmp_path, fake_settings):
    word = tmp_path / "p.docx"
    word.write_bytes(b"PK\x03\x04")
    with pytest.raises(PolicyError, match="unsupported file type"):
        check_policy_file(word, "p", fake_settings)
    big = tmp_path / "big.txt"
    big.write_bytes(b"a" * (MAX_POLICY_BYTES + 1))
    with pytest.raises(PolicyError, match="bytes are accepted"):
        check_policy_file(big, "big", fake_settings)
    with pytest.raises(PolicyError, match="cannot read"):
        check_policy_file(tmp_path / "missing.txt", "m", fake_settings)
    with pytest.raises(PolicyError, match="is a folder; give a policy file"):
        check_policy_file(tmp_path, "folder", fake_settings)
    empty = tmp_path / "empty.md"
    empty.write_text("\n  \n", encoding="utf-8")
    with pytest.raises(PolicyError, match="the file holds no text; choose the file with the policy in it"):
        check_policy_file(empty, "empty", fake_settings)


def test_remove_takes_out_the_file_and_the_index(fake_settings, fake_embedder):
    acme = add_acme(fake_settings).files
    PolicyQA.load("acme-cloud", settings=fake_settings, embedder=fake_embedder)
    assert acme.source.exists() and acme.index_dir.exists()
    remove_policy("acme-cloud", fake_settings)
    assert not acme.source.exists() and not acme.index_dir.exists()
    assert [i.name for i in list_policies(fake_settings)] == ["policy"]
    assert fake_settings.policy_path.exists()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("policy", "shipped policy; it cannot be removed"),
        ("nope", "no added policy named 'nope'"),
        ("../x", "not allowed"),
    ],
)
def test_remove_refuses_the_shipped_unknown_or_bad_names(fake_settings, name, message):
    with pytest.raises(PolicyError, match=message):
        remove_policy(name, fake_settings)
    assert fake_settings.policy_path.exists()
