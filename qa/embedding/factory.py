"""Which embedder answers questions and which builds stores, from `Settings`.

    create_embedder(settings)        the one `Settings.backend` names ("onnx" by default, or "torch")
    create_index_embedder(settings)  the same backend on every core, for building stores

Both report the same weights fingerprint, so a store built by one is valid for the other.
"""

from __future__ import annotations

import logging
from pathlib import Path

from qa.embedding.base import Embedder
from qa.embedding.model_files import cached_fingerprint, resolve_model_path
from qa.embedding.onnx_export import export_onnx, onnx_path
from qa.embedding.onnx_model import OnnxEmbedder
from qa.embedding.torch_model import SentenceTransformerEmbedder
from qa.errors import ModelUnavailable, SettingsError
from qa.settings import Settings

log = logging.getLogger("qa")
BACKENDS = ("onnx", "torch")


def _check_backend(settings: Settings) -> None:
    if settings.backend not in BACKENDS:
        raise SettingsError(f"backend {settings.backend!r} is not one of {', '.join(BACKENDS)}; set POLICYQA_BACKEND")


def create_embedder(settings: Settings) -> Embedder:
    """The embedder `settings.backend` names, for answering questions."""
    _check_backend(settings)
    if settings.backend == "onnx":
        return load_onnx_embedder(settings.model, cache_dir=settings.models, threads=settings.embed_threads)
    return SentenceTransformerEmbedder(settings.model, cache_dir=settings.models, threads=settings.embed_threads)


def create_index_embedder(settings: Settings) -> Embedder:
    """The embedder that builds stores: the backend's, on every core (a build is one long batch job).
    With the onnx backend, the model is exported first if it is missing (that one step needs torch)."""
    _check_backend(settings)
    if settings.backend == "onnx":
        return load_onnx_embedder(settings.model, cache_dir=settings.models, threads=0)
    return SentenceTransformerEmbedder(settings.model, cache_dir=settings.models)


def load_onnx_embedder(model: str, *, cache_dir: Path, threads: int = 1) -> OnnxEmbedder:
    """The ONNX embedder of `model`, exported into `cache_dir` first (needs torch) if missing or unreadable."""
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
