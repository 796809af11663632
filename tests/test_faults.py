"""Index integrity under faults: damaged files, stale manifests, and builds killed part-way.

A damaged index is refused with one line naming `policyqa index`; a stale one
(another model, policy, format or dimension) is rebuilt; a build killed at any
step leaves an index that loads and answers as before; leftovers of killed
builds are cleaned up by the next build.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path

import faiss
import numpy as np
import pytest

from qa.answer import PolicyQA
from qa.errors import IndexCorrupt, IndexUnwritable
from qa.settings import Settings
from qa.store.atomic import leftovers, recover_folder
from qa.store.build import build_index, open_index
from qa.store.manifest import expected_manifest, sha256_file, sha256_hex
from qa.store.records import FILES, load_store
from tests.conftest import SHIPPED_INDEX, KeywordEmbedder, files_of, killed_at, store_dir

QUESTIONS = ("bank account", "cookies", "password security", "share disclose", "email address")


def answers(qa: PolicyQA) -> list[list[tuple[str, str, float]]]:
    return [[(h.clause_id, h.sentence, round(h.score, 6)) for h in qa.ask(q, 5).hits] for q in QUESTIONS]


# Fused scores of a store rebuilt on another machine differ in the last float bits, never by this much.
SCORE_TOLERANCE = 1e-4


def same_answers(got: list[list[tuple[str, str, float]]], expected: list[list[tuple[str, str, float]]]) -> bool:
    """The same clauses and sentences in the same order, scores within `SCORE_TOLERANCE`: how a store
    rebuilt from the same input compares with the shipped one on any machine."""
    return all(
        [(c, s) for c, s, _ in g] == [(c, s) for c, s, _ in e]
        and all(abs(a[2] - b[2]) <= SCORE_TOLERANCE for a, b in zip(g, e, strict=True))
        for g, e in zip(got, expected, strict=True)
    ) and len(got) == len(expected)


def reseal(directory: Path, name: str, data: bytes) -> None:
    """Replace one file *and* its manifest checksum: damage only the cross-checks can see."""
    (directory / name).write_bytes(data)
    manifest = json.loads((directory / "manifest.json").read_text())
    manifest["files"][name] = sha256_hex(data)
    (directory / "manifest.json").write_text(json.dumps(manifest))


def edit_jsonl(directory: Path, name: str, change: Callable[[list[dict]], list]) -> None:
    rows = [json.loads(line) for line in (directory / name).read_text().splitlines()]
    reseal(directory, name, "".join(json.dumps(row) + "\n" for row in change(rows)).encode())


def edit_manifest(directory: Path, change: Callable[[dict], object]) -> None:
    manifest = json.loads((directory / "manifest.json").read_text())
    (directory / "manifest.json").write_text(json.dumps(change(manifest)))


def truncated_faiss(directory: Path) -> None:
    reseal(directory, "index.faiss", (directory / "index.faiss").read_bytes()[:-100])


def other_faiss(directory: Path, name: str, rows: int, dimension: int) -> None:
    index = faiss.IndexFlatIP(dimension)
    index.add(np.eye(rows, dimension, dtype=np.float32))
    reseal(directory, name, faiss.serialize_index(index).tobytes())


def set_field(rows: list[dict], i: int, **fields: object) -> list[dict]:
    rows[i] = rows[i] | fields
    return rows


def _rewrite(change: Callable[[bytes], bytes], name: str, directory: Path) -> None:
    (directory / name).write_bytes(change((directory / name).read_bytes()))


def _delete(name: str, directory: Path) -> None:
    (directory / name).unlink()


def _half(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _flip(data: bytes) -> bytes:
    """One bit changed in the middle."""
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]


def _on_disk() -> dict[str, Callable[[Path], object]]:
    """Damage as a disk or a person makes it: the manifest checksums catch it."""
    damage: dict[str, Callable[[Path], object]] = {}
    for name in (*FILES, "manifest.json"):
        damage[f"truncated-{name}"] = partial(_rewrite, _half, name)
        damage[f"empty-{name}"] = partial(_rewrite, lambda data: b"", name)
    for name in FILES:  # (a deleted manifest means "no index": rebuilt, see below)
        damage[f"deleted-{name}"] = partial(_delete, name)
        damage[f"bit-flip-{name}"] = partial(_rewrite, _flip, name)
    return damage


# Damage with the checksums recomputed: the counts, spans and parsing must catch it.
RESEALED: dict[str, Callable[[Path], object]] = {
    "sentence-dropped": lambda d: edit_jsonl(d, "sentences.jsonl", lambda rows: rows[:-1]),
    "clause-dropped": lambda d: edit_jsonl(d, "clauses.jsonl", lambda rows: rows[:-1]),
    "faiss-truncated": truncated_faiss,
    "faiss-fewer-rows": lambda d: other_faiss(d, "index.faiss", 80, 18),
    "faiss-other-dimension": lambda d: other_faiss(d, "clauses.faiss", 44, 17),
    "count-in-manifest": lambda d: edit_manifest(d, lambda m: m | {"count": 83}),
    "sentence-span-shifted": lambda d: edit_jsonl(d, "sentences.jsonl", lambda r: set_field(r, 3, start=1)),
    "sentence-text-edited": lambda d: edit_jsonl(d, "sentences.jsonl", lambda r: set_field(r, 3, text="We sell it.")),
    "sentence-of-unknown-clause": lambda d: edit_jsonl(
        d, "sentences.jsonl", lambda r: set_field(r, 0, clause_id="Z.9")
    ),
    "clause-span-wrong": lambda d: edit_jsonl(d, "clauses.jsonl", lambda r: set_field(r, 2, start=0)),
    "clause-span-not-a-number": lambda d: edit_jsonl(d, "clauses.jsonl", lambda r: set_field(r, 2, start="x")),
    "clause-id-not-text": lambda d: edit_jsonl(d, "clauses.jsonl", lambda r: set_field(r, 2, id=[1])),
    "clause-unknown-field": lambda d: edit_jsonl(d, "clauses.jsonl", lambda r: set_field(r, 2, secret=1)),
    "clause-duplicated": lambda d: edit_jsonl(d, "clauses.jsonl", lambda r: r[:1] + r[:-1]),
    "sentence-row-not-object": lambda d: edit_jsonl(d, "sentences.jsonl", lambda r: [[1, 2]] + r[1:]),
    "sentences-not-json": lambda d: reseal(d, "sentences.jsonl", b"{oops\n"),
    "policy-text-not-utf8": lambda d: reseal(d, "policy.txt", b"\xff\xfe"),
    "word-dropped": lambda d: reseal(d, "words.txt", b"".join((d / "words.txt").read_bytes().splitlines(True)[:-1])),
    "words-faiss-other-dimension": lambda d: other_faiss(d, "words.faiss", 10, 17),
    "words-not-utf8": lambda d: reseal(d, "words.txt", b"\xff\xfe\n"),
    "manifest-not-an-object": lambda d: (d / "manifest.json").write_text("[]"),
    "manifest-without-checksums": lambda d: edit_manifest(d, lambda m: {k: v for k, v in m.items() if k != "files"}),
    "manifest-checksums-not-a-map": lambda d: edit_manifest(d, lambda m: m | {"files": ["x"]}),
    "manifest-without-policy": lambda d: edit_manifest(d, lambda m: {k: v for k, v in m.items() if k != "policy"}),
    "manifest-sections-garbled": lambda d: edit_manifest(d, lambda m: m | {"policy": m["policy"] | {"sections": 5}}),
}
DAMAGE = {**_on_disk(), **RESEALED}


@pytest.mark.parametrize("damage", list(DAMAGE), ids=list(DAMAGE))
def test_damaged_index_is_refused_with_one_line(fake_settings, fake_embedder, damage):
    build_index(files_of(fake_settings), fake_embedder)
    DAMAGE[damage](store_dir(fake_settings))
    with pytest.raises(IndexCorrupt) as error:
        open_index(files_of(fake_settings), fake_embedder)
    message = str(error.value)
    assert message.endswith("run: policyqa index") and "\n" not in message and len(message) < 400
    # and the command it names repairs it
    build_index(files_of(fake_settings), fake_embedder)
    assert open_index(files_of(fake_settings), fake_embedder).index.ntotal == 84


STALE = {
    "another-model-fingerprint": lambda e, s: setattr(e, "fingerprint", "another-model-v2"),
    "another-model-name": lambda e, s: setattr(e, "name", "another-model"),
    "another-dimension": lambda e, s: setattr(e, "VOCABULARY", (*KeywordEmbedder.VOCABULARY, "privacy")),
    "another-policy-version": lambda e, s: s.policy_path.write_text(
        s.policy_path.read_text(encoding="utf-8").replace("Cookies", "Biscuits").replace("COOKIES", "BISCUITS"),
        encoding="utf-8",
    ),
    "another-format-version": lambda e, s: edit_manifest(store_dir(s), lambda m: m | {"format_version": 1}),
}


@pytest.mark.parametrize("change", list(STALE))
def test_stale_index_is_rebuilt_and_answers_like_a_fresh_one(fake_settings, change, caplog, tmp_path):
    embedder = KeywordEmbedder()
    build_index(files_of(fake_settings), embedder)
    STALE[change](embedder, fake_settings)
    embedder.dimension = len(embedder.VOCABULARY) + 1
    with caplog.at_level(logging.WARNING, logger="qa"):
        rebuilt = PolicyQA.load(settings=fake_settings, embedder=embedder)
    assert "building it now" in caplog.text
    fresh = replace(fake_settings, index_dir=tmp_path / "fresh")
    assert answers(rebuilt) == answers(PolicyQA.load(settings=fresh, embedder=embedder))
    assert (
        json.loads((store_dir(fake_settings) / "manifest.json").read_text())["model_fingerprint"]
        == embedder.fingerprint
    )


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EACCES, errno.EROFS])
def test_failed_write_keeps_the_old_index_and_says_why(fake_settings, fake_embedder, monkeypatch, code):
    build_index(files_of(fake_settings), fake_embedder)
    before = answers(PolicyQA.load(settings=fake_settings, embedder=fake_embedder))

    def failing_fsync(fd: int) -> None:
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "fsync", failing_fsync)  # as a full disk or a read-only folder fails the write
    with pytest.raises(IndexUnwritable, match=f"cannot write the index to .*{os.strerror(code)}.*POLICYQA_INDEX_DIR"):
        build_index(files_of(new_policy(fake_settings, fake_settings.policy_path.parent)), fake_embedder)
    monkeypatch.undo()
    assert answers(PolicyQA.load(settings=fake_settings, embedder=fake_embedder)) == before
    assert [p.name for p in fake_settings.index_dir.iterdir()] == ["policy"]


def test_index_without_manifest_is_rebuilt(fake_settings, fake_embedder, caplog):
    build_index(files_of(fake_settings), fake_embedder)
    before = answers(PolicyQA.load(settings=fake_settings, embedder=fake_embedder))
    (store_dir(fake_settings) / "manifest.json").unlink()
    with caplog.at_level(logging.WARNING, logger="qa"):
        assert answers(PolicyQA.load(settings=fake_settings, embedder=fake_embedder)) == before
    assert "no index" in caplog.text and "building it now" in caplog.text


@pytest.mark.model
def test_cli_with_a_damaged_index_prints_one_line(tmp_path):
    index_dir = tmp_path / "alibaba-2015"
    shutil.copytree(SHIPPED_INDEX, index_dir)
    (index_dir / "clauses.jsonl").write_bytes(b"garbage")
    env = {**os.environ, "POLICYQA_INDEX_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "qa", "ask", "cookies?"], capture_output=True, text=True, env=env, timeout=300
    )
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.splitlines() == [
        f"policyqa: error: index file {index_dir / 'clauses.jsonl'} does not match its manifest checksum; "
        "run: policyqa index"
    ]


# --- builds killed part-way ----------------------------------------------------------------------

# A build in a child process that announces each step of the save on stdout and,
# at the step it was told to stop at, sleeps until the test SIGKILLs it. The hooks
# wrap os.fsync and Path.rename; nothing in qa/ knows about them.
CHILD = r"""
import os, pathlib, stat, sys, time
stop_at, kind = sys.argv[1], sys.argv[2]
real_fsync, real_rename = os.fsync, pathlib.Path.rename

def announce(step):
    print(step, flush=True)
    if step == stop_at:
        time.sleep(600)

def fsync(fd):
    real_fsync(fd)
    if stat.S_ISREG(os.fstat(fd).st_mode):
        announce("wrote-" + os.path.basename(os.readlink(f"/proc/self/fd/{fd}")))

def rename(self, target):
    result = real_rename(self, target)
    announce("renamed-retire" if pathlib.Path(target).name.startswith(".") else "renamed-swap")
    return result

os.fsync, pathlib.Path.rename = fsync, rename
announce("started")
if kind == "fake":
    from qa.store.build import build_index
    from qa.settings import Settings
    from tests.conftest import KeywordEmbedder, files_of
    build_index(files_of(Settings.from_env()), KeywordEmbedder())
else:
    from qa.cli import main
    main(["index"])
announce("done")
"""
STEPS = ["started", *(f"wrote-{name}" for name in (*FILES, "manifest.json")), "renamed-retire", "renamed-swap"]


def build_killed_at(step: str, settings: Settings, kind: str = "fake") -> list[str]:
    """Run the child build against `settings` and SIGKILL it at `step`; the steps it announced."""
    env = {
        **os.environ,
        "POLICYQA_INDEX_DIR": str(settings.indexes),
        "POLICYQA_POLICY_PATH": str(settings.policy_path),
    }
    return killed_at(step, CHILD, [step, kind], env)


def new_policy(settings: Settings, tmp_path: Path) -> Settings:
    """The same settings with a different policy file of the same name (so old and new indexes can be told apart)."""
    path = tmp_path / "v2" / settings.policy_path.name
    path.parent.mkdir(exist_ok=True)
    path.write_text(
        settings.policy_path.read_text(encoding="utf-8").replace("Cookies", "Biscuits").replace("COOKIES", "BISCUITS"),
        encoding="utf-8",
    )
    return replace(settings, policy_path=path)


@pytest.mark.parametrize("step", STEPS)
def test_build_killed_at_any_step_leaves_a_working_index(fake_settings, fake_embedder, tmp_path, step, caplog):
    before = answers(PolicyQA.load(settings=fake_settings, embedder=fake_embedder))
    updated = new_policy(fake_settings, tmp_path)
    build_killed_at(step, updated)
    swapped = step == "renamed-swap"
    with caplog.at_level(logging.WARNING, logger="qa"):
        expected = expected_manifest(fake_embedder, sha256_file((updated if swapped else fake_settings).policy_path))
        store = load_store(store_dir(fake_settings), expected=expected)  # the old index, or the complete new one
    assert ("restored" in caplog.text) == (step == "renamed-retire")
    if not swapped:
        assert answers(PolicyQA(store, fake_embedder, fake_settings)) == before
    else:
        assert store.policy.clause("E.p1").section_title == "Biscuits"
    assert leftovers(store_dir(fake_settings)) != [] or step == "started"
    # The next build cleans up what the killed one left behind.
    build_index(files_of(fake_settings), fake_embedder)
    assert [p.name for p in fake_settings.index_dir.iterdir()] == ["policy"]
    assert answers(PolicyQA.load(settings=fake_settings, embedder=fake_embedder)) == before


@pytest.fixture(scope="module")
def real_answers(real_qa) -> list[list[tuple[str, str, float]]]:
    return answers(real_qa)


def real_settings(tmp_path: Path) -> Settings:
    """The shipped policy with a copy of its index, as the only store, under tmp_path."""
    shutil.copytree(SHIPPED_INDEX, tmp_path / "alibaba-2015")
    return Settings(index_dir=tmp_path)


@pytest.mark.model
@pytest.mark.parametrize("step", ["wrote-words.faiss", "renamed-retire"])
def test_policyqa_index_killed_mid_write_keeps_the_old_index(tmp_path, real_embedder, real_answers, step):
    """`policyqa index` (qa.cli.main, the real model) SIGKILLed at a step of the save: the old store is
    untouched, byte for byte; the next `policyqa index` completes and answers the same, within a
    float tolerance (a rebuild on another machine differs in the last bits)."""
    settings = real_settings(tmp_path)
    before = {p.name: p.read_bytes() for p in (tmp_path / "alibaba-2015").iterdir()}
    build_killed_at(step, settings, kind="real")
    assert answers(PolicyQA.load(settings=settings, embedder=real_embedder)) == real_answers
    assert {p.name: p.read_bytes() for p in (tmp_path / "alibaba-2015").iterdir()} == before
    script = Path(sys.executable).with_name("policyqa")
    env = {**os.environ, "POLICYQA_INDEX_DIR": str(tmp_path)}
    result = subprocess.run([str(script), "index"], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["alibaba-2015"]  # nothing left over
    assert same_answers(answers(PolicyQA.load(settings=settings, embedder=real_embedder)), real_answers)


# --- leftovers and recovery, directly ------------------------------------------------------------


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_missing_index_is_restored_from_the_retired_copy(fake_settings, fake_embedder, caplog):
    build_index(files_of(fake_settings), fake_embedder)
    before = answers(PolicyQA.load(settings=fake_settings, embedder=fake_embedder))
    retired = store_dir(fake_settings).with_name(f".policy.old-{dead_pid()}-abcd")
    store_dir(fake_settings).rename(retired)  # as a build killed between its two renames leaves it
    with caplog.at_level(logging.WARNING, logger="qa"):
        qa = PolicyQA.load(settings=fake_settings, embedder=fake_embedder)
    assert "restored" in caplog.text and "building it now" not in caplog.text
    assert answers(qa) == before and not retired.exists()


def test_incomplete_or_staging_folders_are_never_restored(fake_settings, fake_embedder):
    build_index(files_of(fake_settings), fake_embedder)
    staging = store_dir(fake_settings).with_name(f".policy.build-{dead_pid()}-x")
    shutil.copytree(store_dir(fake_settings), staging)  # complete, but never swapped in: not trusted
    partial = store_dir(fake_settings).with_name(f".policy.old-{dead_pid()}-y")
    shutil.copytree(store_dir(fake_settings), partial)
    (partial / "manifest.json").unlink()
    shutil.rmtree(store_dir(fake_settings))
    assert recover_folder(store_dir(fake_settings)) is False
    assert not store_dir(fake_settings).exists()
    build_index(files_of(fake_settings), fake_embedder)
    assert [p.name for p in fake_settings.index_dir.iterdir()] == ["policy"]


def test_leftovers_of_running_processes_are_kept(fake_settings, fake_embedder):
    build_index(files_of(fake_settings), fake_embedder)
    mine = store_dir(fake_settings).with_name(f".policy.build-{os.getpid()}-busy")
    mine.mkdir()
    dead = store_dir(fake_settings).with_name(f".policy.build-{dead_pid()}-gone")
    dead.mkdir()
    assert leftovers(store_dir(fake_settings)) == [dead]
    build_index(files_of(fake_settings), fake_embedder)
    assert mine.exists() and not dead.exists()


def test_concurrent_builds_in_threads_end_with_one_good_index(fake_settings, fake_embedder):
    build_index(files_of(fake_settings), fake_embedder)
    before = answers(PolicyQA.load(settings=fake_settings, embedder=fake_embedder))
    errors: list[BaseException] = []

    def build() -> None:
        try:
            build_index(files_of(fake_settings), KeywordEmbedder())
        except BaseException as error:  # noqa: BLE001 - collected and reported below
            errors.append(error)

    threads = [threading.Thread(target=build) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert answers(PolicyQA.load(settings=fake_settings, embedder=fake_embedder)) == before
    assert [p.name for p in fake_settings.index_dir.iterdir()] == ["policy"]
