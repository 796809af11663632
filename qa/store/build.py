"""Building a store: split the policy's clauses into sentences, embed them and their words, index them.

    store = build_store(policy, embedder, policy_sha256=...)   in memory
    open_index(settings, embedder)                             the checked store, rebuilt if missing or stale

The model call is `Embedder.embed_with_words` (and `embed_passages` for whole clauses);
everything else here is bookkeeping: which text is embedded, progress, the FAISS indexes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from qa.embedding.base import Embedder, pool_groups
from qa.errors import IndexCorrupt, PolicyError
from qa.read.documents import load_policy
from qa.store.manifest import IndexStale, expected_manifest, library_versions, sha256_file
from qa.store.records import Store, load_store, save_store
from qa.store.vectors import build_vector_index
from qa.types import Clause, Embedded, Policy, Progress, no_progress
from qa.vocabulary import is_content

log = logging.getLogger("qa")
# Sentences embedded between two progress reports.
PROGRESS_STEP = 128


def passage_text(text: str, clause: Clause) -> str:
    """What is embedded for a sentence or a whole clause: the text under its section title (if any)."""
    return f"{clause.section_title}: {text}" if clause.section_title else text


def _vector_index(vectors: np.ndarray, dimension: int) -> faiss.Index:
    """Exact for a policy's store, approximate and compressed for a huge one (`qa.store.vectors`)."""
    if vectors.shape[1:] != (dimension,):
        raise IndexCorrupt(f"embedder returned vectors of shape {vectors.shape}, expected (n, {dimension})")
    return build_vector_index(vectors)


def embed_in_steps(
    embedder: Embedder, texts: list[str], progress: Progress, span: tuple[float, float]
) -> tuple[np.ndarray, list[str], np.ndarray]:
    """The texts' vectors, and their content words (`qa.vocabulary.is_content`) with the words' vectors, in
    text order, from one model run: longest texts first, `PROGRESS_STEP` at a time (texts of similar
    length pad each other least), reporting progress across `span`."""
    start, end = span
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    runs: dict[int, Embedded] = {}
    for done in range(0, len(texts), PROGRESS_STEP):
        progress(start + (end - start) * done / len(texts), f"embedding sentences: {done:,} of {len(texts):,} done")
        batch = order[done : done + PROGRESS_STEP]
        runs.update(zip(batch, embedder.embed_with_words([texts[i] for i in batch]), strict=True))
    vectors: list[np.ndarray] = []
    words: list[str] = []
    word_vectors: list[np.ndarray] = []
    for i in range(len(texts)):
        embedded = runs[i]
        vectors.append(embedded.vector)
        keep = [j for j, word in enumerate(embedded.words) if is_content(word)]
        words.extend(embedded.words[j] for j in keep)
        word_vectors.append(embedded.word_vectors[keep])
    dimension = embedder.dimension
    return (
        np.array(vectors, dtype=np.float32).reshape(-1, dimension),
        words,
        np.concatenate(word_vectors) if word_vectors else np.zeros((0, dimension), dtype=np.float32),
    )


def build_store(policy: Policy, embedder: Embedder, *, policy_sha256: str, progress: Progress = no_progress) -> Store:
    """Split every clause into sentences, embed them and their words, and index them (in memory)."""
    from qa.read.sentences import split_sentences  # subtle: nltk's import costs ~2 s; only building needs it

    progress(0.0, f"splitting {len(policy.clauses):,} clauses into sentences")
    sentences = tuple(s for clause in policy.clauses for s in split_sentences(clause))
    clauses = {clause.id: clause for clause in policy.clauses}
    texts = [passage_text(s.text, clauses[s.clause_id]) for s in sentences]
    vectors, words, word_vectors = embed_in_steps(embedder, texts, progress, (0.05, 0.9))
    # A clause's vector is its sentences' vectors pooled, weighted by their length: no second model run
    # over whole clauses (it cost as much as the first and ranked no better; docs/experiments.md).
    position = {clause.id: i for i, clause in enumerate(policy.clauses)}
    owner = np.array([position[s.clause_id] for s in sentences], dtype=np.int64)
    weights = np.array([len(text.split()) for text in texts], dtype=np.float64)
    clause_vectors = pool_groups(vectors, owner, weights, len(policy.clauses))
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


@dataclass(frozen=True)
class PolicyFiles:
    """Where one policy lives: its `name`, its `source` file, the folder of its store (`index_dir`),
    and for the shipped policy the read-only store that ships with it (`shipped_index`)."""

    name: str
    source: Path
    index_dir: Path
    shipped_index: Path | None = None


def build_index(files: PolicyFiles, embedder: Embedder, progress: Progress = no_progress) -> Store:
    """Parse, split, embed and save the policy's store to `files.index_dir`."""
    progress(0.0, f"reading {files.source.name}")
    policy = load_policy(files.source)
    return index_policy(policy, files.index_dir, embedder, policy_sha256=sha256_file(files.source), progress=progress)


def index_policy(
    policy: Policy, directory: Path, embedder: Embedder, *, policy_sha256: str, progress: Progress = no_progress
) -> Store:
    """Split, embed and save an already parsed `policy` (its file's SHA-256 `policy_sha256`) to `directory`."""
    store = build_store(
        policy,
        embedder,
        policy_sha256=policy_sha256,
        progress=lambda fraction, step: progress(0.05 + 0.9 * fraction, step),
    )
    progress(0.95, "saving the index")
    save_store(store, directory)
    progress(1.0, "done")
    return store


def open_index(files: PolicyFiles, embedder: Embedder) -> Store:
    """The checked store of a policy: its own, else the shipped one if it matches, else built now
    (with a one-line notice). A damaged store is an `IndexCorrupt`, never rebuilt silently."""
    if not files.source.is_file():
        raise PolicyError(f"policy file {files.source} not found; set POLICYQA_POLICY_PATH to an existing file")
    expected = expected_manifest(embedder, sha256_file(files.source))
    try:
        return load_store(files.index_dir, expected=expected)
    except IndexStale as reason:
        if files.shipped_index is not None:
            try:
                return load_store(files.shipped_index, expected=expected)
            except IndexStale:
                pass
        log.warning("policyqa: %s; building it now", reason)
        return build_index(files, embedder)
