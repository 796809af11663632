"""The ONNX embedder: the model's transformer run by onnxruntime with the model's `tokenizer.json`,
no torch, so a fast start and a fast query.

Tokenising and pooling happen here (with `qa.embedding.base`'s `pool`, `normalize` and `embedded`),
as the model's sentence-transformers config says. It reports the same weights fingerprint as
`qa.embedding.torch_model.SentenceTransformerEmbedder`, so a store built by one is valid for the
other. The ONNX file is exported on first use if it is missing (`qa.embedding.onnx_export`, which
needs torch; `qa.embedding.factory` does that).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from qa.embedding.base import BATCH_SIZE, embedded, normalize, pool
from qa.errors import ModelUnavailable
from qa.types import Embedded

_POOLING = {"pooling_mode_mean_tokens": "mean", "pooling_mode_cls_token": "cls"}


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


def cpu_session(onnx_file: Path, threads: int, *, what: str, remedy: str) -> Any:
    """An onnxruntime session of `onnx_file` on the CPU with `threads` threads (0: every core), quiet;
    ModelUnavailable naming `what` and `remedy` when it cannot be loaded."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = max(threads, 0)
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    try:
        return onnxruntime.InferenceSession(str(onnx_file), options, providers=["CPUExecutionProvider"])
    except Exception as error:  # noqa: BLE001 - onnxruntime raises its own unrelated classes
        raise ModelUnavailable(f"cannot load {what} ({str(error)[:120]}); {remedy}") from None


class OnnxEmbedder:
    """The model's transformer run by onnxruntime; tokenizer, pooling and normalisation done here."""

    def __init__(self, onnx_file: Path, model_dir: Path, *, name: str, fingerprint: str, threads: int = 1) -> None:
        from tokenizers import Tokenizer

        self.name, self.fingerprint, self.path = name, fingerprint, model_dir
        self._pooling, max_tokens, self._lower = _model_config(model_dir)
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        padding = self._tokenizer.padding or {}
        # subtle: tokenizer.json pads and truncates to a fixed 128; sentence-transformers pads to the
        # longest text and truncates at max_seq_length.
        self._tokenizer.enable_truncation(max_length=max_tokens)
        self._tokenizer.enable_padding(pad_id=padding.get("pad_id", 0), pad_token=padding.get("pad_token", "[PAD]"))
        self._session = cpu_session(onnx_file, threads, what=str(onnx_file), remedy="run: policyqa index")
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
        found = []
        for start in range(0, len(texts), BATCH_SIZE):
            tokens, mask, encodings = self._tokens(texts[start : start + BATCH_SIZE])
            pooled = normalize(pool(tokens, mask, self._pooling))
            for vector, row, encoding in zip(pooled, tokens, encodings, strict=True):
                found.append(embedded(vector, encoding.tokens, encoding.attention_mask, row))
        return found
