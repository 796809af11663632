"""Export the sentence-transformers model's transformer to ONNX, once, into a cache folder.

The ONNX file holds only the transformer (token ids -> token vectors); pooling
and normalisation stay in `qa.embedding.onnx_model`, as the model's pooling config says. The
file is about 90 MB, so it is never committed: `policyqa index` writes it, and
`load_onnx_embedder` writes it on first use if it is missing. Needs torch,
sentence-transformers and the `onnx` package; answering queries does not.

The export is checked before it is kept: the ONNX embeddings of a few
sentences must match the torch ones (cosine >= `MIN_COSINE`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from qa.embedding.onnx_model import OnnxEmbedder
from qa.embedding.torch_model import load_sentence_transformer, tokenize
from qa.errors import ModelUnavailable

log = logging.getLogger("qa")

INPUTS = ("input_ids", "attention_mask", "token_type_ids")
OUTPUT = "last_hidden_state"
OPSET = 17
MIN_COSINE = 0.999
# Short and long, plain and odd: what the check embeds both ways.
CHECK_TEXTS = (
    "Who can see my bank details?",
    "Security Measures: We employ commercially reasonable security methods to prevent unauthorised access.",
    "cookies",
    "Ünïcödé — “quotes”, emoji 🍪 and 日本語.",
    " ".join(["We may share your Account Information with banks or vendors."] * 40),
)


def onnx_path(cache_dir: Path, fingerprint: str) -> Path:
    """Where the ONNX export of the model with weights `fingerprint` lives."""
    return cache_dir / f"{fingerprint}.onnx"


def _wrapped(transformer: Any) -> Any:
    """The Hugging Face model as a module taking the three inputs by position (what the exporter feeds)."""
    import torch

    class TokenVectors(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = transformer

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            output = self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return output.last_hidden_state

    return TokenVectors().eval()


def _export(model: Any, target: Path) -> None:
    """Write the ONNX graph of `model` (a loaded SentenceTransformer) to `target`."""
    import torch

    features = tokenize(model, ["a short example", "and a somewhat longer second example sentence"])
    args = tuple(features[name] for name in INPUTS)
    axes = {name: {0: "batch", 1: "tokens"} for name in (*INPUTS, OUTPUT)}
    # subtle: the TorchScript exporter (dynamo=False) needs only the `onnx` package, not onnxscript;
    # its warnings about advanced indexing concern negative indices, which token ids never are.
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _wrapped(model[0].auto_model),
            args,
            str(target),
            input_names=list(INPUTS),
            output_names=[OUTPUT],
            dynamic_axes=axes,
            opset_version=OPSET,
            dynamo=False,
        )


def _check(model: Any, candidate: Path, model_dir: Path) -> float:
    """The lowest cosine between torch and ONNX embeddings of `CHECK_TEXTS`."""
    expected = model.encode(list(CHECK_TEXTS), convert_to_numpy=True, normalize_embeddings=True)
    actual = OnnxEmbedder(candidate, model_dir, name="check", fingerprint="check").embed_passages(list(CHECK_TEXTS))
    return float(np.min(np.sum(expected * actual, axis=1)))


def export_onnx(model_dir: Path, target: Path, *, model: Any = None) -> Path:
    """Export the model in `model_dir` (or the already loaded SentenceTransformer `model`) to `target`.

    Written beside `target` and renamed into place only after the check passes,
    so a reader never sees a partial or wrong file. Returns `target`.
    """
    if model is None:
        model = load_sentence_transformer(model_dir)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    except OSError as error:
        raise ModelUnavailable(
            f"cannot write the ONNX model into {target.parent} ({error.strerror}); "
            "set POLICYQA_MODEL_CACHE_DIR to a writable folder, or POLICYQA_BACKEND=torch"
        ) from None
    os.close(handle)
    staging = Path(name)
    try:
        try:
            _export(model, staging)
        except (ImportError, RuntimeError) as error:  # the `onnx` package missing, or an unexportable model
            raise ModelUnavailable(
                f"cannot export {model_dir} to ONNX ({str(error)[:120]}); "
                "run: pip install onnx, or set POLICYQA_BACKEND=torch"
            ) from None
        cosine = _check(model, staging, model_dir)
        if cosine < MIN_COSINE:
            raise ModelUnavailable(
                f"the ONNX export of {model_dir} disagrees with torch (cosine {cosine:.4f} < {MIN_COSINE}); "
                "set POLICYQA_BACKEND=torch"
            )
        os.chmod(staging, 0o644)  # mkstemp makes it private; it is a cache anyone may read
        os.replace(staging, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            staging.unlink()
    log.info("policyqa: exported the embedding model to %s (cosine to torch >= %.5f)", target, cosine)
    return target
