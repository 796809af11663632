"""A store's manifest: what it was built from, so a store built otherwise is never used.

`manifest.json` holds the format and parser versions, the model's name and weights
fingerprint, the vector dimension, the SHA-256 of the policy file, the counts, the
policy's title and sections, the library versions and a SHA-256 of every file. It is
also the marker that a folder is a store the project wrote.
"""

from __future__ import annotations

import hashlib
import json
from importlib import metadata
from pathlib import Path
from typing import Any

from qa.embedding.base import Embedder
from qa.errors import IndexCorrupt, QAError
from qa.read.structure import PARSER_VERSION

# 4: the word index leaves out the prepositions and conjunctions added to `qa.vocabulary.STOPWORDS`;
# 5: a clause's vector pools its sentences' vectors instead of embedding the whole clause again.
FORMAT_VERSION = 5
MANIFEST = "manifest.json"
_LIBRARIES = ("faiss-cpu", "sentence-transformers", "torch", "transformers", "nltk", "numpy")


class IndexStale(QAError):
    """The store was built from another policy, model or format: rebuild it."""


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of `data`, hex: the one checksum of policy files and store files.

    >>> sha256_hex(b"")[:12]
    'e3b0c44298fc'
    """
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """`sha256_hex` of a file's bytes."""
    return sha256_hex(path.read_bytes())


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


def brief(error: Exception) -> str:
    """An exception's first line, at most 120 characters (FAISS errors span several lines)."""
    lines = str(error).strip().splitlines() or [type(error).__name__]
    return lines[0][:120]


def read_manifest(directory: Path) -> dict[str, Any]:
    path = directory / MANIFEST
    if not path.exists():
        raise IndexStale(f"no index at {directory}")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise IndexCorrupt(f"index manifest {path} is unreadable ({brief(error)}); run: policyqa index") from None
    if not isinstance(manifest, dict):
        raise IndexCorrupt(f"index manifest {path} is not a JSON object; run: policyqa index")
    return manifest
