"""The store of one policy: FAISS vectors, sentence and clause records, and a manifest, in one folder.

Layout of a store folder (no pickle anywhere):
    index.faiss      one unit vector per sentence, inner product (= cosine)
    clauses.faiss    one unit vector per whole clause, in clause order
    sentences.jsonl  one record per FAISS row: clause id, citation, text, span
    clauses.jsonl    one record per clause, in document order
    words.faiss      one unit vector per content word of the sentences (the model's
                     contextual token vector; `qa.coverage.words`), in order
    words.txt        those words, one per line
    policy.txt       the cleaned policy text the spans point into
    manifest.json    `qa.store.manifest`
Saving writes a sibling folder and renames it into place (`qa.store.atomic`); loading
first restores a folder left aside by an interrupted save, then checks the
manifest, every file's checksum, the counts and every record's span.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from qa.errors import IndexCorrupt, IndexUnwritable
from qa.store.atomic import recover_folder, replace_folder
from qa.store.manifest import MANIFEST, IndexStale, brief, read_manifest, sha256_hex
from qa.store.vectors import search_vectors
from qa.types import Clause, Policy, Section, Sentence

FILES = ("index.faiss", "clauses.faiss", "sentences.jsonl", "clauses.jsonl", "policy.txt", "words.faiss", "words.txt")


@dataclass(frozen=True)
class Store:
    """A loaded or freshly built store; row i of `index` is `sentences[i]`,
    row j of `clause_index` is `policy.clauses[j]`, row w of `word_index` is `words[w]`."""

    manifest: dict[str, Any]
    policy: Policy
    sentences: tuple[Sentence, ...]
    index: faiss.Index
    clause_index: faiss.Index
    words: tuple[str, ...]
    word_index: faiss.Index

    def search(self, query: np.ndarray, depth: int) -> tuple[np.ndarray, np.ndarray]:
        """Top `depth` rows for one (dim,) unit query: (scores, rows), best first (row -1: none)."""
        scores, rows = search_vectors(self.index, query, depth)
        return scores[0], rows[0]

    def search_clauses(self, query: np.ndarray, depth: int) -> tuple[np.ndarray, np.ndarray]:
        """Top `depth` whole-clause vectors for one (dim,) unit query: (scores, positions)."""
        scores, rows = search_vectors(self.clause_index, query, depth)
        return scores[0], rows[0]

    def nearest_words(self, vectors: np.ndarray, k: int) -> tuple[np.ndarray, list[list[str]]]:
        """For each of `vectors` (m, dim): the cosines (m, k) of its `k` nearest policy word
        occurrences, best first, and those words (-1.0 and "" where there is none)."""
        if not self.words:
            return np.full((len(vectors), k), -1.0, dtype=np.float32), [[""] * k for _ in vectors]
        scores, rows = search_vectors(self.word_index, vectors, k)
        scores = np.pad(scores, ((0, 0), (0, k - scores.shape[1])), constant_values=-np.inf)
        rows = np.pad(rows, ((0, 0), (0, k - rows.shape[1])), constant_values=-1)
        words = [[self.words[r] if r >= 0 else "" for r in row] for row in rows]
        return np.where(rows >= 0, scores, -1.0).astype(np.float32), words


def _jsonl(rows: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n" for row in rows).encode()


def _serialise(store: Store) -> dict[str, bytes]:
    clauses = {c.id: c for c in store.policy.clauses}
    sentence_rows = [asdict(s) | {"citation": clauses[s.clause_id].citation} for s in store.sentences]
    return {
        "index.faiss": faiss.serialize_index(store.index).tobytes(),
        "clauses.faiss": faiss.serialize_index(store.clause_index).tobytes(),
        "sentences.jsonl": _jsonl(sentence_rows),
        "clauses.jsonl": _jsonl([asdict(c) for c in store.policy.clauses]),
        "policy.txt": store.policy.text.encode("utf-8"),
        "words.faiss": faiss.serialize_index(store.word_index).tobytes(),
        "words.txt": "".join(f"{word}\n" for word in store.words).encode("utf-8"),
    }


def save_store(store: Store, directory: Path) -> None:
    """Write the store to `directory` atomically: a sibling folder renamed into place.

    A save killed at any point leaves either the previous store or the new one
    (see `qa.store.atomic`); the manifest is written last. A save that cannot write
    (permissions, a full disk) is an `IndexUnwritable` and also keeps the previous store, and so
    is a `directory` that holds files but no manifest: policyqa replaces only what it wrote.
    """
    check_ours(directory)
    files = _serialise(store)
    manifest = store.manifest | {"files": {name: sha256_hex(data) for name, data in files.items()}}
    files[MANIFEST] = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()
    try:
        replace_folder(files, directory)
    except OSError as error:
        raise IndexUnwritable(
            f"cannot write the index to {directory} ({error.strerror or brief(error)}); check that folder's "
            "permissions and free space, or set POLICYQA_INDEX_DIR to another folder"
        ) from None


def is_ours(directory: Path) -> bool:
    """Whether `directory` is missing, or a store policyqa wrote: it holds a manifest, or nothing but
    the files of a store (one whose manifest was lost). The only folders policyqa replaces or deletes.

    >>> is_ours(Path("/nonexistent/policyqa/store")), is_ours(Path("/"))
    (True, False)
    """
    # subtle: one listing, not an exists() then a listing: another build may move the folder aside
    # between the two (qa.store.atomic._swap), and a folder gone meanwhile is missing, not foreign.
    try:
        with os.scandir(directory) as entries:
            found = {entry.name: entry.is_file() for entry in entries}
    except FileNotFoundError:  # missing, or moved aside by another build just now
        return True
    except OSError:  # not a folder, or unreadable: not known to be ours
        return False
    return found.get(MANIFEST, False) or all(name in FILES for name in found)


def check_ours(directory: Path) -> None:
    """`IndexUnwritable` unless policyqa may replace `directory` (`is_ours`)."""
    if not is_ours(directory):
        raise IndexUnwritable(
            f"{directory} holds files that policyqa did not write, so it will not replace them; "
            "set POLICYQA_INDEX_DIR (or POLICYQA_HOME) to a folder of its own"
        )


def _parse_records(directory: Path, manifest: dict[str, Any]) -> Store:
    if not isinstance(manifest.get("files"), dict):
        raise IndexCorrupt(f"index manifest in {directory} lists no file checksums; run: policyqa index")
    data = {}
    for name in FILES:
        try:
            data[name] = (directory / name).read_bytes()
        except OSError:
            raise IndexCorrupt(f"index file {directory / name} is missing; run: policyqa index") from None
        if sha256_hex(data[name]) != manifest["files"].get(name):
            raise IndexCorrupt(
                f"index file {directory / name} does not match its manifest checksum; run: policyqa index"
            )
    try:
        sentences = tuple(_sentence(json.loads(line)) for line in _lines(data["sentences.jsonl"]))
        clauses = tuple(Clause(**json.loads(line)) for line in _lines(data["clauses.jsonl"]))
        info = manifest["policy"]
        text = data["policy.txt"].decode("utf-8")
        policy = Policy(info["title"], info["updated"], tuple(Section(*s) for s in info["sections"]), clauses, text)
        index = faiss.deserialize_index(np.frombuffer(data["index.faiss"], dtype=np.uint8))
        clause_index = faiss.deserialize_index(np.frombuffer(data["clauses.faiss"], dtype=np.uint8))
        words = tuple(_lines(data["words.txt"]))
        word_index = faiss.deserialize_index(np.frombuffer(data["words.faiss"], dtype=np.uint8))
    except (KeyError, TypeError, ValueError, RuntimeError, UnicodeDecodeError) as error:
        raise IndexCorrupt(f"index at {directory} is damaged ({brief(error)}); run: policyqa index") from None
    return Store(manifest, policy, sentences, index, clause_index, words, word_index)


def _spans_agree(store: Store) -> bool:
    """Whether every clause is the policy text at its span and every sentence the clause text at its span."""
    try:
        clauses = {c.id: c for c in store.policy.clauses}
        return (
            len(clauses) == len(store.policy.clauses)
            and all(store.policy.text[c.start : c.end] == c.text for c in clauses.values())
            and all(
                s.clause_id in clauses and clauses[s.clause_id].text[s.start : s.end] == s.text for s in store.sentences
            )
        )
    except TypeError:  # an id or span of the wrong type
        return False


def _lines(data: bytes) -> list[str]:
    return [line for line in data.decode("utf-8").split("\n") if line]


def _sentence(row: dict[str, Any]) -> Sentence:
    return Sentence(row["clause_id"], row["index"], row["text"], row["start"], row["end"])


def load_store(directory: Path, *, expected: dict[str, Any]) -> Store:
    """Load and check a store. `IndexStale` if built for another model, policy or
    format (rebuild it); `IndexCorrupt` if its files are damaged or disagree."""
    recover_folder(directory)
    manifest = read_manifest(directory)
    for key, value in expected.items():
        if manifest.get(key) != value:
            raise IndexStale(f"index at {directory} was built with another {key.replace('_', ' ')}")
    store = _parse_records(directory, manifest)
    counts = (manifest.get("count"), len(store.sentences), store.index.ntotal)
    clause_counts = (manifest.get("clauses"), len(store.policy.clauses), store.clause_index.ntotal)
    word_counts = (manifest.get("words"), len(store.words), store.word_index.ntotal)
    dimensions = (manifest.get("dimension"), store.index.d, store.clause_index.d, store.word_index.d)
    if any(len(set(values)) != 1 for values in (counts, clause_counts, word_counts, dimensions)):
        raise IndexCorrupt(
            f"index at {directory} is inconsistent (manifest, records and vectors disagree: sentences {counts}, "
            f"clauses {clause_counts}, words {word_counts}, dimension {dimensions}); run: policyqa index"
        )
    if not _spans_agree(store):
        raise IndexCorrupt(
            f"index at {directory} has records that disagree with the policy text (unknown clauses or "
            "wrong spans); run: policyqa index"
        )
    return store
