"""The index folder: FAISS vectors, sentence and clause records, and a manifest.

Layout of a store folder (no pickle anywhere):
    index.faiss      one unit vector per sentence, inner product (= cosine)
    clauses.faiss    one unit vector per whole clause, in clause order
    sentences.jsonl  one record per FAISS row: clause id, citation, text, span
    clauses.jsonl    one record per clause, in document order
    words.faiss      one unit vector per content word of the sentences (the model's
                     contextual token vector; `qa.words`), in order
    words.txt        those words, one per line
    manifest.json    format version, model and fingerprint, dimension, count,
                     policy SHA-256, library versions, SHA-256 of each file
Saving writes a sibling folder and renames it into place (`qa.atomic`); loading
first restores a folder left aside by an interrupted save, then checks the
manifest, every file's checksum, the counts and every record's span.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from qa.atomic import recover_folder, replace_folder
from qa.embed import Embedder
from qa.errors import IndexCorrupt, IndexUnwritable, QAError
from qa.parse import PARSER_VERSION
from qa.types import Clause, Policy, Section, Sentence
from qa.vector_index import build_vector_index, search_vectors
from qa.words import is_content

# 4: the word index leaves out the prepositions and conjunctions added to `qa.lexical.STOPWORDS`.
FORMAT_VERSION = 4
FILES = ("index.faiss", "clauses.faiss", "sentences.jsonl", "clauses.jsonl", "policy.txt", "words.faiss", "words.txt")
# How a build reports what it is doing: (fraction done from 0 to 1, what it is doing now).
Progress = Callable[[float, str], None]
# Sentences embedded between two progress reports.
PROGRESS_STEP = 128
_LIBRARIES = ("faiss-cpu", "sentence-transformers", "torch", "transformers", "nltk", "numpy")


class IndexStale(QAError):
    """The store was built from another policy, model or format: rebuild it."""


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


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def library_versions() -> dict[str, str]:
    versions = {}
    for name in _LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


def expected_manifest(embedder: Embedder, policy_sha256: str) -> dict[str, Any]:
    """The manifest fields a store must match to be used with this model and policy."""
    return {
        "format_version": FORMAT_VERSION,
        "parser_version": PARSER_VERSION,
        "model": embedder.name,
        "model_fingerprint": embedder.fingerprint,
        "dimension": embedder.dimension,
        "policy_sha256": policy_sha256,
    }


def passage_text(text: str, clause: Clause) -> str:
    """What is embedded for a sentence or a whole clause: the text under its section title (if any)."""
    return f"{clause.section_title}: {text}" if clause.section_title else text


def _vector_index(vectors: np.ndarray, dimension: int) -> faiss.Index:
    """Exact for a policy's store, approximate and compressed for a huge one (`qa.vector_index`)."""
    if vectors.shape[1:] != (dimension,):
        raise IndexCorrupt(f"embedder returned vectors of shape {vectors.shape}, expected (n, {dimension})")
    return build_vector_index(vectors)


def no_progress(fraction: float, step: str) -> None:
    """The default `Progress`: builds run silently."""


def embed_in_steps(
    embedder: Embedder, texts: list[str], progress: Progress, span: tuple[float, float]
) -> tuple[np.ndarray, list[str], np.ndarray]:
    """The texts' vectors, and their content words (`qa.words.is_content`) with the words' vectors,
    `PROGRESS_STEP` texts at a time, reporting progress across `span`."""
    start, end = span
    vectors: list[np.ndarray] = []
    words: list[str] = []
    word_vectors: list[np.ndarray] = []
    for done in range(0, len(texts), PROGRESS_STEP):
        progress(start + (end - start) * done / len(texts), f"embedding sentences: {done:,} of {len(texts):,} done")
        for embedded in embedder.embed_with_words(texts[done : done + PROGRESS_STEP]):
            vectors.append(embedded.vector)
            keep = [i for i, word in enumerate(embedded.words) if is_content(word)]
            words.extend(embedded.words[i] for i in keep)
            word_vectors.append(embedded.word_vectors[keep])
    dimension = embedder.dimension
    return (
        np.array(vectors, dtype=np.float32).reshape(-1, dimension),
        words,
        np.concatenate(word_vectors) if word_vectors else np.zeros((0, dimension), dtype=np.float32),
    )


def build_store(policy: Policy, embedder: Embedder, *, policy_sha256: str, progress: Progress = no_progress) -> Store:
    """Split every clause into sentences, embed them and their words, and index them (in memory)."""
    from qa.split import split_sentences  # subtle: nltk's import costs ~2 s; only building needs it

    progress(0.0, f"splitting {len(policy.clauses):,} clauses into sentences")
    sentences = tuple(s for clause in policy.clauses for s in split_sentences(clause))
    clauses = {clause.id: clause for clause in policy.clauses}
    texts = [passage_text(s.text, clauses[s.clause_id]) for s in sentences]
    vectors, words, word_vectors = embed_in_steps(embedder, texts, progress, (0.05, 0.85))
    progress(0.85, f"embedding {len(policy.clauses):,} whole clauses")
    clause_vectors = embedder.embed_passages([passage_text(c.text, c) for c in policy.clauses])
    progress(0.95, "building the vector index")
    index = _vector_index(vectors, embedder.dimension)
    clause_index = _vector_index(clause_vectors, embedder.dimension)
    word_index = _vector_index(word_vectors, embedder.dimension)
    manifest = expected_manifest(embedder, policy_sha256) | {
        "count": len(sentences),
        "clauses": len(policy.clauses),
        "words": len(words),
        "policy": {
            "title": policy.title,
            "updated": policy.updated,
            "sections": [[s.letter, s.title] for s in policy.sections],
        },
        "libraries": library_versions(),
    }
    return Store(manifest, policy, sentences, index, clause_index, tuple(words), word_index)


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
    (see `qa.atomic`); the manifest is written last. A save that cannot write
    (permissions, a full disk) is an `IndexUnwritable` and also keeps the previous store.
    """
    files = _serialise(store)
    manifest = store.manifest | {"files": {name: sha256_bytes(data) for name, data in files.items()}}
    files["manifest.json"] = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()
    try:
        replace_folder(files, directory)
    except OSError as error:
        raise IndexUnwritable(
            f"cannot write the index to {directory} ({error.strerror or _brief(error)}); check that folder's "
            "permissions and free space, or set POLICYQA_INDEX_DIR to another folder"
        ) from None


def _brief(error: Exception) -> str:
    """An exception's first line, at most 120 characters (FAISS errors span several lines)."""
    lines = str(error).strip().splitlines() or [type(error).__name__]
    return lines[0][:120]


def _read_manifest(directory: Path) -> dict[str, Any]:
    path = directory / "manifest.json"
    if not path.exists():
        raise IndexStale(f"no index at {directory}")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise IndexCorrupt(f"index manifest {path} is unreadable ({_brief(error)}); run: policyqa index") from None
    if not isinstance(manifest, dict):
        raise IndexCorrupt(f"index manifest {path} is not a JSON object; run: policyqa index")
    return manifest


def _parse_records(directory: Path, manifest: dict[str, Any]) -> Store:
    if not isinstance(manifest.get("files"), dict):
        raise IndexCorrupt(f"index manifest in {directory} lists no file checksums; run: policyqa index")
    data = {}
    for name in FILES:
        try:
            data[name] = (directory / name).read_bytes()
        except OSError:
            raise IndexCorrupt(f"index file {directory / name} is missing; run: policyqa index") from None
        if sha256_bytes(data[name]) != manifest["files"].get(name):
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
        raise IndexCorrupt(f"index at {directory} is damaged ({_brief(error)}); run: policyqa index") from None
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
    manifest = _read_manifest(directory)
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
