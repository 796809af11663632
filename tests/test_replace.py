"""Replacing a policy is all or nothing, and policyqa deletes only what it wrote.

Each case reproduces a defect found by an attack test: a full disk or Ctrl-C during a replace lost the
policy; a read-only library gave a traceback; POLICYQA_INDEX_DIR pointing at a user's folder deleted
its contents.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

import qa.library.files
import qa.store.atomic
from qa.answer import PolicyQA
from qa.errors import IndexUnwritable, PolicyError
from qa.library.files import add_policy, check_policy_file
from qa.library.names import list_policies
from qa.read.documents import load_policy
from qa.settings import Settings
from tests.conftest import DATA, KeywordEmbedder, killed_at

ACME = DATA / "docs" / "acme.md"
ZEPHYR = DATA / "docs" / "zephyr.md"


def snapshot(*roots: Path) -> dict[str, bytes]:
    """Every file under `roots` (hidden ones too), with its bytes."""
    return {str(p): p.read_bytes() for root in roots if root.exists() for p in sorted(root.rglob("*")) if p.is_file()}


def answers(settings: Settings, name: str) -> list[tuple[str, str]]:
    qa = PolicyQA.load(name, settings=settings, embedder=KeywordEmbedder())
    return [(hit.clause_id, hit.text) for question in ("account data", "cookies") for hit in qa.ask(question, 3).hits]


@pytest.fixture
def library(fake_settings) -> Settings:
    """A library holding acme, added and indexed."""
    add_policy(check_policy_file(ACME, "acme", fake_settings), fake_settings, KeywordEmbedder())
    return fake_settings


def replace_acme(settings: Settings) -> None:
    add_policy(check_policy_file(ZEPHYR, "acme", settings), settings, KeywordEmbedder(), replace=True)


def failing_fsync(error: BaseException, *, after: int = 0):  # noqa: ANN201 - a test stand-in
    """An os.fsync that works `after` times, then raises `error` (a full disk, or Ctrl-C)."""
    real, calls = os.fsync, []

    def fsync(fd: int) -> None:
        calls.append(fd)
        if len(calls) > after:
            raise error
        real(fd)

    return fsync


@pytest.mark.parametrize("after", [0, 1, 4], ids=["staging-the-file", "writing-the-index", "late-in-the-index"])
@pytest.mark.parametrize(
    "error", [OSError(errno.ENOSPC, "No space left on device"), KeyboardInterrupt()], ids=["disk-full", "ctrl-c"]
)
def test_a_replace_that_fails_leaves_the_previous_policy_as_it_was(library, monkeypatch, error, after):
    before, answered = snapshot(library.home, library.index_dir), answers(library, "acme")
    monkeypatch.setattr(os, "fsync", failing_fsync(error, after=after))
    with pytest.raises((PolicyError, IndexUnwritable, KeyboardInterrupt)) as raised:
        replace_acme(library)
    monkeypatch.undo()
    if isinstance(error, OSError):
        assert "No space left" in str(raised.value) and "\n" not in str(raised.value)
    assert snapshot(library.home, library.index_dir) == before  # no temporary file left, nothing lost
    assert answers(library, "acme") == answered
    assert [info.name for info in list_policies(library)] == ["policy", "acme"]


def test_a_read_only_library_refuses_in_one_line_and_changes_nothing(library, monkeypatch):
    before = snapshot(library.home, library.index_dir)

    def read_only(data: bytes, target: Path) -> Path:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(qa.library.files, "stage_file", read_only)
    with pytest.raises(PolicyError, match="cannot write the policy into .*Read-only file system.*POLICYQA_HOME"):
        replace_acme(library)
    assert snapshot(library.home, library.index_dir) == before


# A replace in a child process that announces each step and waits at the one it was told to stop at,
# until the test SIGKILLs it (the hooks wrap os.fsync, os.replace and Path.rename; qa/ knows nothing of them).
CHILD = r"""
import os, pathlib, sys, time
stop_at = sys.argv[1]
real_fsync, real_replace, real_rename = os.fsync, os.replace, pathlib.Path.rename
def announce(step):
    print(step, flush=True)
    if step == stop_at:
        time.sleep(600)
def fsync(fd):
    real_fsync(fd)
    announce("wrote-" + os.path.basename(os.readlink(f"/proc/self/fd/{fd}")).split(".build-")[0])
def replace(a, b):
    real_replace(a, b)
    announce("renamed-file")
def rename(self, target):
    result = real_rename(self, target)
    announce("renamed-retire" if pathlib.Path(target).name.startswith(".") else "renamed-swap")
    return result
os.fsync, os.replace, pathlib.Path.rename = fsync, replace, rename
from qa.library.files import add_policy, check_policy_file
from qa.settings import Settings
from tests.conftest import DATA, KeywordEmbedder
settings = Settings.from_env()
announce("started")
add_policy(check_policy_file(DATA / "docs" / "zephyr.md", "acme", settings), settings, KeywordEmbedder(), replace=True)
announce("done")
"""
STEPS = ["started", "wrote-.acme.md", "wrote-manifest.json", "renamed-retire", "renamed-swap", "renamed-file"]


@pytest.mark.parametrize("step", STEPS)
def test_a_replace_killed_at_any_step_leaves_one_whole_policy(library, step):
    """Killed before the file is renamed, the old policy answers; after, the new one; never a mix,
    and the next add cleans up what the killed one left."""
    env = {
        **os.environ,
        "POLICYQA_HOME": str(library.home),
        "POLICYQA_INDEX_DIR": str(library.index_dir),
        "POLICYQA_POLICY_PATH": str(library.policy_path),
    }
    killed_at(step, CHILD, [step], env)
    title = PolicyQA.load("acme", settings=library, embedder=KeywordEmbedder()).policy.title
    assert title == (load_policy(ZEPHYR).title if step == "renamed-file" else "Acme Cloud Privacy Policy")
    assert [info.name for info in list_policies(library)] == ["policy", "acme"]
    add_policy(check_policy_file(ACME, "acme", library), library, KeywordEmbedder(), replace=True)
    left = [p.name for root in (library.policies, library.index_dir) for p in root.iterdir() if p.name.startswith(".")]
    assert left == []


def test_an_index_folder_of_the_users_files_is_never_replaced(fake_settings):
    """POLICYQA_INDEX_DIR=~/notes: indexes go into ~/notes/<name>; a folder there that holds a user's
    files is refused, and nothing of the user's is touched."""
    notes = fake_settings.index_dir
    (notes / "sub").mkdir(parents=True)
    (notes / "todo.txt").write_text("x")
    (notes / "projects").mkdir()
    (notes / "projects" / "plan.txt").write_text("mine")
    before = snapshot(notes)
    add_policy(check_policy_file(ACME, "acme", fake_settings), fake_settings, KeywordEmbedder())
    PolicyQA.load(settings=fake_settings, embedder=KeywordEmbedder())  # the default policy, built into notes/policy
    with pytest.raises(IndexUnwritable, match="holds files that policyqa did not write"):
        add_policy(check_policy_file(ACME, "projects", fake_settings), fake_settings, KeywordEmbedder())
    after = snapshot(notes)
    assert {name: data for name, data in after.items() if name in before} == before
    assert sorted(p.name for p in notes.iterdir()) == ["acme", "policy", "projects", "sub", "todo.txt"]
    assert not (fake_settings.policies / "projects.md").exists()  # the refused add left no file behind
