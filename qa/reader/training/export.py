"""A trained reader -> the shipped files: an ONNX export (fp32, opset 17, dynamic batch and token axes),
checked against torch, quantised to int8 weights (onnxruntime dynamic quantisation, a quarter of the
size and about twice as fast on CPU), and the sidecar `reader.json`.

The output folder receives the int8 file and the sidecar, each written aside and renamed into place
(`qa.store.atomic.stage_file`), the sidecar last; other files there (the judge fitted on the reader's
scores) are left alone. The fp32 file is only a step on the way.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from qa.reader.model import INPUTS, SIDECAR, OnnxReader, encode_pairs, pair_tokenizer
from qa.reader.training.config import TrainConfig
from qa.reader.training.network import base_model_path, logits
from qa.reader.training.sidecar import Provenance, sidecar
from qa.store.atomic import stage_file

OPSET = 17
ONNX_NAME = "reader-int8.onnx"
# The fp32 export must give torch's logits to this much; int8 moves them more (reported, not refused).
FP32_TOLERANCE = 1e-3
# Short and long, plain and odd: what the export is checked on, besides the caller's sample.
CHECK_PAIRS = (
    ("Who can see my bank details?", "Disclosure of Personal Data: We may disclose your Account Information to banks."),
    ("Do you use cookies?", "Cookies: We use cookies to track your visits and preferences."),
    ("x", "y"),
    ("Ünïcödé — “quotes”?", "Emoji 🍪 and 日本語: we keep them."),
    ("Will the cops get my info?", " ".join(["Law enforcement agencies may request data."] * 40)),
)


def out_problem(out: Path) -> str | None:
    """Why the folder `out` cannot receive a reader, or None (it may not exist yet)."""
    if out.exists() and not out.is_dir():
        return f"{out} is not a folder; pass a folder for the reader's files"
    return None


def write_files(files: dict[str, bytes], out: Path) -> None:
    """Each of `files` (name -> bytes, in that order) written aside in `out` and renamed into place."""
    for name, data in files.items():
        staged = stage_file(data, out / name)
        try:
            os.replace(staged, out / name)
        finally:
            staged.unlink(missing_ok=True)


def export_fp32(model: Any, target: Path) -> None:
    """Write the ONNX graph of the torch reader `model` to `target`: inputs `INPUTS`, output "logits" (batch,)."""
    import torch

    feeds = encode_pairs(pair_tokenizer(base_model_path() / "tokenizer.json", 64), list(CHECK_PAIRS[:2]))
    args = tuple(torch.from_numpy(feeds[name]) for name in INPUTS)
    axes = {name: {0: "batch", 1: "tokens"} for name in INPUTS} | {"logits": {0: "batch"}}
    model.eval()
    # subtle: the TorchScript exporter (dynamo=False) needs only the `onnx` package, not onnxscript.
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            args,
            str(target),
            input_names=list(INPUTS),
            output_names=["logits"],
            dynamic_axes=axes,
            opset_version=OPSET,
            dynamo=False,
        )


def _not_advice(record: logging.LogRecord) -> bool:
    return not record.getMessage().startswith("Please consider to run pre-processing")


def quantise(source: Path, target: Path) -> None:
    """`source`'s weights as int8 (per tensor) in `target`; activations are quantised at run time."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # subtle: onnxruntime logs advice on the root logger (shape pre-processing, which a BERT graph
    # exported with dynamic axes does not need); the check below measures what quantising costs.
    root = logging.getLogger()
    root.addFilter(_not_advice)
    try:
        quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8, per_channel=False)
    finally:
        root.removeFilter(_not_advice)


def differences(reference: np.ndarray, other: np.ndarray) -> dict[str, float]:
    """How far `other` logits are from `reference`: max and mean absolute difference, and correlation.

    >>> differences(np.array([0.0, 1.0, 2.0]), np.array([0.0, 1.5, 2.0]))  # corr = 2 / sqrt(2 * 13/6)
    {'max_abs': 0.5, 'mean_abs': 0.16667, 'correlation': 0.96077}
    """
    gap = np.abs(other - reference)
    correlation = float(np.corrcoef(reference, other)[0, 1]) if len(reference) > 1 else 1.0
    return {
        "max_abs": round(float(gap.max()), 5),
        "mean_abs": round(float(gap.mean()), 5),
        "correlation": round(correlation, 5),
    }


def export_reader(
    model: Any, out: Path, *, config: TrainConfig, provenance: Provenance, sample: Sequence[tuple[str, str]] = ()
) -> dict[str, Any]:
    """Export the torch reader `model` into the folder `out` (int8 ONNX + sidecar) and return the sidecar.

    The fp32 export must match torch within `FP32_TOLERANCE` on `CHECK_PAIRS` and `sample` (a
    `RuntimeError` otherwise); the int8 model's differences from fp32 and torch go into the sidecar."""
    if problem := out_problem(out):
        raise ValueError(problem)
    pairs = [*CHECK_PAIRS, *sample]
    expected = logits(model, pair_tokenizer(base_model_path() / "tokenizer.json", config.max_tokens), pairs)
    with tempfile.TemporaryDirectory(prefix="policyqa-reader-") as work:
        fp32, int8 = Path(work) / "reader.onnx", Path(work) / ONNX_NAME
        export_fp32(model, fp32)
        quantise(fp32, int8)
        tokenizer = base_model_path() / "tokenizer.json"
        got = {path: OnnxReader(path, tokenizer, max_tokens=config.max_tokens).logits(pairs) for path in (fp32, int8)}
        int8_bytes = int8.read_bytes()
    fp32_gap = differences(expected, got[fp32])
    if fp32_gap["max_abs"] > FP32_TOLERANCE:
        raise RuntimeError(f"the fp32 ONNX export disagrees with torch by {fp32_gap['max_abs']} (> {FP32_TOLERANCE})")
    checks = {
        "pairs": len(pairs),
        "fp32_vs_torch": fp32_gap,
        "int8_vs_fp32": differences(got[fp32], got[int8]),
        "int8_vs_torch": differences(expected, got[int8]),
    }
    digest = hashlib.sha256(int8_bytes).hexdigest()
    record = sidecar(config, provenance, onnx=ONNX_NAME, sha256=digest, size=len(int8_bytes), checks=checks)
    # The sidecar last: it describes the model file already in place.
    write_files({ONNX_NAME: int8_bytes, SIDECAR: (json.dumps(record, indent=2) + "\n").encode()}, out)
    return record
