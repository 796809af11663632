"""The sentence-transformers embedder (torch): exports the model to ONNX; with POLICYQA_BACKEND=torch it does all.

Loaded from a local folder only, never from a hub. Answering questions uses
`qa.embedding.onnx_model` by default, which needs no torch.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from qa.embedding.base import BATCH_SIZE, embedded, normalize
from qa.embedding.model_files import cached_fingerprint, resolve_model_path
from qa.errors import ModelUnavailable
from qa.settings import DEFAULT_MODEL
from qa.types import Embedded

# No hub access, ever, and no progress bars on the terminal.
_QUIET_OFFLINE = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_VERBOSITY": "error",
    "TOKENIZERS_PARALLELISM": "false",
}


def load_sentence_transformer(path: Path) -> Any:
    """A SentenceTransformer from a local folder, quietly and never from a hub."""
    for name, value in _QUIET_OFFLINE.items():
        os.environ.setdefault(name, value)
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    try:
        # subtle: sentence-transformers 6 refuses a Path object here.
        return SentenceTransformer(str(path), device="cpu")
    except OSError as error:
        raise ModelUnavailable(f"cannot load model from {path}: {error}") from None


def tokenize(model: Any, texts: list[str]) -> dict[str, Any]:
    """A SentenceTransformer's model inputs for `texts` (`preprocess` since version 6, `tokenize` before)."""
    return model.preprocess(texts) if hasattr(model, "preprocess") else model.tokenize(texts)


class SentenceTransformerEmbedder:
    """A sentence-transformers model loaded from a local folder, never from a hub.

    `threads` > 0 sets torch's intra-op threads (a process-wide setting); 0 leaves torch's default.
    """

    def __init__(self, model: str = DEFAULT_MODEL, *, cache_dir: Path | None = None, threads: int = 0) -> None:
        path = resolve_model_path(model)
        self.model = load_sentence_transformer(path)
        if threads > 0:
            import torch

            torch.set_num_threads(threads)
        self.name = model
        self.path = path
        self.dimension = int(self.model.get_embedding_dimension() or 0)
        self._cache_dir = cache_dir
        self._fingerprint: str | None = None

    @property
    def fingerprint(self) -> str:
        if self._fingerprint is None:
            self._fingerprint = cached_fingerprint(self.path, self._cache_dir)
        return self._fingerprint

    def _forward(self, texts: list[str]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        """(model inputs, model outputs), `BATCH_SIZE` texts at a time. Tokenise and run the modules
        directly: `encode` adds ~2 ms of bookkeeping per call."""
        import torch

        for start in range(0, len(texts), BATCH_SIZE):
            features = tokenize(self.model, texts[start : start + BATCH_SIZE])
            with torch.inference_mode():
                yield features, self.model(dict(features))

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return normalize(np.concatenate([out["sentence_embedding"].float().numpy() for _, out in self._forward(texts)]))

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(texts, batch_size=BATCH_SIZE, convert_to_numpy=True, show_progress_bar=False)
        return normalize(vectors)

    def embed_with_words(self, texts: list[str]) -> list[Embedded]:
        found = []
        for features, output in self._forward(texts):
            pooled = normalize(output["sentence_embedding"].float().numpy())
            tokens = output["token_embeddings"].float().numpy()
            rows = zip(pooled, tokens, features["input_ids"], features["attention_mask"], strict=True)
            for vector, row, ids, mask in rows:
                pieces = self.model.tokenizer.convert_ids_to_tokens(ids.tolist())
                found.append(embedded(vector, pieces, mask.tolist(), row))
        return found
