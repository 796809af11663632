"""The reader's model at answer time: (question, passage) pairs -> one logit each ("this passage answers
this question"), with onnxruntime and the embedding model's own `tokenizer.json`; no torch.

    reader = load_reader(SHIPPED_READER)
    logits = reader.logits(reader_pairs(question, clauses, reader.max_tokens))   # shape (len(clauses),)

The model folder holds the ONNX file and its sidecar `reader.json` (which file, max_tokens, the base
model, how it was trained). The reader shares the embedding model's vocabulary, so the tokenizer is read
from the embedding model's package and never shipped with the reader. The model is trained and exported
by `scripts/train_reader.py` (`qa.reader.training`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from qa.embedding.model_files import resolve_model_path
from qa.embedding.onnx_model import cpu_session
from qa.errors import ModelUnavailable
from qa.settings import DEFAULT_MODEL

SHIPPED_READER = Path(__file__).resolve().parent.parent / "data" / "reader"
SIDECAR = "reader.json"
# The sidecar's layout; a sidecar of another format is refused.
FORMAT = 1
INPUTS = ("input_ids", "attention_mask", "token_type_ids")
_REMEDY = "set POLICYQA_USE_READER=0 or reinstall policyqa (scripts/train_reader.py rebuilds the model)"


def base_tokenizer() -> Path:
    """The embedding model's `tokenizer.json`, which the reader reads with (same vocabulary)."""
    return resolve_model_path(DEFAULT_MODEL) / "tokenizer.json"


def pair_tokenizer(tokenizer_json: Path, max_tokens: int) -> Any:
    """`tokenizer_json` set up for (question, passage) pairs: "[CLS] question [SEP] passage [SEP]",
    the longer side truncated first to `max_tokens` in all, padded to the longest pair of a batch."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(tokenizer_json))
    padding = tokenizer.padding or {}
    # subtle: the model's tokenizer.json pads every text to a fixed 128; a batch only needs its longest pair.
    tokenizer.enable_truncation(max_length=max_tokens, strategy="longest_first")
    tokenizer.enable_padding(pad_id=padding.get("pad_id", 0), pad_token=padding.get("pad_token", "[PAD]"))
    return tokenizer


def encode_pairs(tokenizer: Any, pairs: Sequence[tuple[str, str]]) -> dict[str, np.ndarray]:
    """The model's three inputs for `pairs`, each an int64 array (pairs, tokens)."""
    encodings = tokenizer.encode_batch([(question, passage) for question, passage in pairs])
    return {
        "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
        "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
        "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
    }


class OnnxReader:
    """(question, passage) pairs -> logits with onnxruntime on `threads` intra-op threads (0: its default)."""

    def __init__(self, onnx_file: Path, tokenizer_json: Path, *, max_tokens: int, threads: int = 1) -> None:
        self.max_tokens = max_tokens
        try:
            self._tokenizer = pair_tokenizer(tokenizer_json, max_tokens)
        except Exception as error:  # noqa: BLE001 - tokenizers raises plain Exceptions
            raise ModelUnavailable(
                f"cannot read the tokenizer {tokenizer_json} ({str(error)[:120]}); {_REMEDY}"
            ) from None
        self._session = cpu_session(onnx_file, threads, what=f"the reader {onnx_file}", remedy=_REMEDY)
        self._inputs = [i.name for i in self._session.get_inputs()]

    def logits(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """One float32 logit per pair, shape (len(pairs),); all pairs run as ONE batch (one question's
        candidates), padded to the longest."""
        if not pairs:
            return np.zeros(0, dtype=np.float32)
        feeds = encode_pairs(self._tokenizer, pairs)
        output = self._session.run(None, {name: feeds[name] for name in self._inputs})[0]
        return np.asarray(output, dtype=np.float32).reshape(-1)


def read_sidecar(folder: Path) -> dict[str, Any]:
    """`folder/reader.json`, checked: the format, the ONNX file's name and `max_tokens`."""
    path = folder / SIDECAR
    try:
        sidecar = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelUnavailable(f"no reader model in {folder} ({SIDECAR} is missing); {_REMEDY}") from None
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise ModelUnavailable(f"cannot read {path} ({error}); {_REMEDY}") from None
    ok = (
        isinstance(sidecar, dict)
        and sidecar.get("format") == FORMAT
        and isinstance(sidecar.get("onnx"), str)
        and Path(sidecar["onnx"]).name == sidecar["onnx"]
        and isinstance(sidecar.get("max_tokens"), int)
        and sidecar["max_tokens"] > 0
    )
    if not ok:
        raise ModelUnavailable(f"{path} is not a reader sidecar of format {FORMAT}; {_REMEDY}")
    return sidecar


def load_reader(folder: Path, *, threads: int = 1) -> OnnxReader:
    """The reader in `folder` (its `reader.json` names the ONNX file), or `ModelUnavailable` saying what to do."""
    sidecar = read_sidecar(folder)
    onnx_file = folder / sidecar["onnx"]
    if not onnx_file.is_file():
        raise ModelUnavailable(f"the reader model {onnx_file} is missing; {_REMEDY}")
    return OnnxReader(onnx_file, base_tokenizer(), max_tokens=sidecar["max_tokens"], threads=threads)
