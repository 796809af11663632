"""PolicyQA: load the store (building it if needed) and answer questions with citations."""

from __future__ import annotations

import hashlib
import logging
import operator
import re
import reprlib
import time
from pathlib import Path

from qa.adapter import QueryAdapter, load_adapter
from qa.asked_for import unstated
from qa.embed import Embedder, create_embedder
from qa.errors import InvalidQuestion, PolicyError
from qa.library import settings_for
from qa.logs import log_event
from qa.parse import load_policy
from qa.retrieve import top_k
from qa.search import Ranking, Retriever
from qa.settings import Settings
from qa.store import (
    IndexStale,
    Progress,
    Store,
    build_store,
    expected_manifest,
    load_store,
    no_progress,
    save_store,
)
from qa.terms import find_references
from qa.types import Answer, Coverage, Hit, Policy

log = logging.getLogger("qa")


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build_index(settings: Settings, embedder: Embedder, progress: Progress = no_progress) -> Store:
    """Parse, split, embed and save the policy's store to `settings.index_dir`."""
    progress(0.0, f"reading {settings.policy_path.name}")
    policy = load_policy(settings.policy_path)
    return index_policy(policy, settings, embedder, policy_sha256=file_sha256(settings.policy_path), progress=progress)


def index_policy(
    policy: Policy, settings: Settings, embedder: Embedder, *, policy_sha256: str, progress: Progress = no_progress
) -> Store:
    """Split, embed and save an already parsed `policy` (its file's SHA-256 `policy_sha256`) to `settings.index_dir`."""
    store = build_store(
        policy,
        embedder,
        policy_sha256=policy_sha256,
        progress=lambda fraction, step: progress(0.05 + 0.9 * fraction, step),
    )
    progress(0.95, "saving the index")
    save_store(store, settings.index_dir)
    progress(1.0, "done")
    return store


def open_index(settings: Settings, embedder: Embedder) -> Store:
    """The checked store; a missing or stale one is rebuilt with a one-line notice."""
    if not settings.policy_path.exists():
        raise PolicyError(f"policy file {settings.policy_path} not found; set POLICYQA_POLICY_PATH to an existing file")
    expected = expected_manifest(embedder, file_sha256(settings.policy_path))
    try:
        return load_store(settings.index_dir, expected=expected)
    except IndexStale as reason:
        log.warning("policyqa: %s; building it now", reason)
        return build_index(settings, embedder)


# Unicode category Cc (the C0 controls: NUL, tab, newline ...; DEL; the C1 controls) and the
# byte order mark, which editors put at the start of files.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ufeff]")


def clean_question(text: str) -> str:
    """`text` with each control character (NUL, tab, newline, DEL, C1) and byte order mark turned
    into a space, then stripped. Other format characters (right-to-left marks, emoji joiners) stay.

    >>> clean_question(" who\\x00sees\\tmy data?\\n")
    'who sees my data?'
    """
    return _CONTROL.sub(" ", text).strip()


def check_question(question: object, k: object, settings: Settings) -> tuple[str, int]:
    """The cleaned question (`clean_question`) and k as an int, or `InvalidQuestion` saying what to change."""
    if question is not None and not isinstance(question, str):
        raise InvalidQuestion(f"the question must be text, not {type(question).__name__}")
    try:
        (question or "").encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: undecodable bytes that reached us as str
        raise InvalidQuestion(
            "the question is not valid UTF-8 text; check the encoding of the terminal or file it came from"
        ) from None
    question = clean_question(question or "")
    if not question:
        raise InvalidQuestion("the question is empty; type a question about the policy")
    if len(question) > settings.max_question_chars:
        raise InvalidQuestion(
            f"the question has {len(question)} characters; keep it under {settings.max_question_chars}"
        )
    return question, check_k(k, settings)


def check_k(k: object, settings: Settings) -> int:
    """`k` as an int from 1 to `settings.max_k` (numpy integers too; bools, floats and text are refused)."""
    try:
        whole = operator.index(k) if not isinstance(k, bool) else None  # type: ignore[arg-type]
    except TypeError:
        whole = None
    if whole is None or not 1 <= whole <= settings.max_k:
        raise InvalidQuestion(f"k must be a whole number from 1 to {settings.max_k}, not {reprlib.repr(k)}")
    return whole


def unmentioned(word: str, closest: str) -> str:
    """Why a question whose `word` has no close match in the policy (`closest` is the nearest) is not covered.

    >>> unmentioned("fingerprints", "identification")
    'The policy does not seem to mention “fingerprints” or anything close to it (its closest word is “identification”).'
    """
    nearest = f" (its closest word is “{closest}”)" if closest else ""
    return f"The policy does not seem to mention “{word}” or anything close to it{nearest}."


class PolicyQA:
    """Question answering over one policy's store."""

    def __init__(
        self, store: Store, embedder: Embedder, settings: Settings, *, adapter: QueryAdapter | None = None
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.settings = settings
        self.retriever = Retriever(
            store,
            embedder,
            settings.weights,
            adapter=adapter,
            expand_neighbours=settings.expand_neighbours,
            expand_threshold=settings.expand_threshold,
        )
        self._references = [find_references(clause, store.policy) for clause in store.policy.clauses]

    @classmethod
    def load(
        cls, name: str | None = None, *, settings: Settings | None = None, embedder: Embedder | None = None
    ) -> PolicyQA:
        """Policy `name` of the library (see `policyqa list`), building its index if needed.

        `PolicyQA.load()` is the shipped policy, or the one `settings` names;
        `PolicyQA.load("acme-cloud")` one added by `policyqa index FILE --name acme-cloud`.
        """
        settings = settings_for(name, settings or Settings.from_env())
        model: Embedder = embedder if embedder is not None else create_embedder(settings)
        return cls.over(open_index(settings, model), model, settings)

    @classmethod
    def over(cls, store: Store, embedder: Embedder, settings: Settings) -> PolicyQA:
        """PolicyQA over an already loaded or built `store`, with the query adapter `settings` asks for."""
        adapter = None
        if settings.use_adapter:
            adapter = load_adapter(
                settings.adapter_path, base_fingerprint=embedder.fingerprint, dimension=embedder.dimension
            )
        return cls(store, embedder, settings, adapter=adapter)

    @property
    def policy(self) -> Policy:
        return self.store.policy

    def ask(self, question: str, k: int | None = None) -> Answer:
        """The top-k clauses for `question`, best first, one hit per clause.

        `covered` is False when even the closest sentence is less similar to the
        plain question vector than `Settings.covered_threshold` (cosine): the
        policy does not seem to say. It is also False, with `reason` set, when the
        question asks for a time period or an amount and none of the
        `Settings.asked_for_hits` best clauses states one (`qa.asked_for`), or when
        one of its salient words has no policy word at least
        `Settings.word_match_threshold` similar (`qa.words`).

        Logs one JSON line per answered question on the "qa" logger (`qa.logs`):
        event "ask" with time, latency_ms, hits, covered, k and the question's length;
        the question itself only when `Settings.log_questions` is set.
        """
        started = time.perf_counter()
        try:
            question, k = check_question(question, self.settings.k if k is None else k, self.settings)
        except InvalidQuestion as error:
            log_event("ask_rejected", {"reason": str(error)})
            raise
        fields: dict[str, object] = {"k": k, "chars": len(question)}
        if self.settings.log_questions:
            fields["question"] = question
        try:
            answer = self._answer(question, k)
        except Exception as error:
            log_event("ask_failed", {"error": repr(error), **fields}, level=logging.ERROR, exc_info=True)
            raise
        latency_ms = round((time.perf_counter() - started) * 1000, 2)
        log_event("ask", {"latency_ms": latency_ms, "hits": len(answer.hits), "covered": answer.covered, **fields})
        return answer

    def _answer(self, question: str, k: int) -> Answer:
        ranking = self.retriever.rank(question)
        depth = self.settings.asked_for_hits
        order = top_k(ranking.fused, max(k, depth))  # one ranking for the hits and the asked-for check
        hits = tuple(self._hit(rank, int(c), ranking) for rank, c in enumerate(order[:k], 1))
        coverage = self._coverage(ranking)
        best = [int(c) for c in order[:depth]] if depth > 0 else []
        covered, reason = self._covered(ranking.corrected or question, coverage, best)
        return Answer(question, covered, hits, reason, coverage, ranking.expansion, ranking.corrected)

    def _covered(self, question: str, coverage: Coverage, best: list[int]) -> tuple[bool, str]:
        """Whether the policy covers `question`, and why not when that is known: the word check,
        then the similarity threshold, then the asked-for check over the `best` clause positions."""
        similarity = coverage.word_similarity  # None: no salient word; a threshold of 0 turns the check off
        if coverage.word_threshold > 0 and similarity is not None and similarity < coverage.word_threshold:
            return False, unmentioned(coverage.word, coverage.closest)  # the reason holds whatever the cosine
        if coverage.similarity < coverage.similarity_threshold:
            return False, ""
        missing = unstated(question, [self.policy.clauses[c].text for c in best]) if best else None
        if missing is not None:
            return False, missing.missing
        return True, ""

    def _coverage(self, ranking: Ranking) -> Coverage:
        match = ranking.word_match
        return Coverage(
            similarity=ranking.coverage,
            similarity_threshold=self.settings.covered_threshold,
            word=match.word if match else "",
            closest=match.closest if match else "",
            word_similarity=match.similarity if match else None,
            word_threshold=self.settings.word_match_threshold,
        )

    def _hit(self, rank: int, position: int, ranking: Ranking) -> Hit:
        clause = self.policy.clauses[position]
        sentence = self.store.sentences[int(ranking.best_row[position])]
        scores = {name: float(values[position]) for name, values in ranking.parts.items()}
        scores["fused"] = float(ranking.fused[position])
        return Hit(
            rank=rank,
            clause_id=clause.id,
            section=clause.section,
            section_title=clause.section_title,
            clause=clause.number,
            citation=clause.citation,
            text=clause.text,
            sentence=sentence.text,
            sentence_start=sentence.start,
            sentence_end=sentence.end,
            score=scores["fused"],
            scores=scores,
            terms=self.retriever.terms[position],
            references=self._references[position],
        )
