"""PolicyQA: one policy's store and the model -> answers with citations and an honest `covered`.

    qa = PolicyQA.load()                                  the shipped policy (or PolicyQA.load("acme-cloud"))
    answer = qa.ask("Who can see my bank details?", k=5)

`ask` checks the question (`qa.inputs`), ranks every clause (`qa.search.retriever`), decides whether
the policy covers the question (`qa.coverage`) and cites the top clauses.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace

from qa.coverage.asked_for import unstated
from qa.coverage.decision import DOES_NOT_ANSWER, decide
from qa.embedding.base import Embedder
from qa.embedding.factory import create_embedder
from qa.errors import InvalidQuestion
from qa.inputs import check_question, clean_question
from qa.library.names import locate
from qa.logs import log_event
from qa.messages import summary_of
from qa.read.terms import find_references
from qa.reader.stage import Reading, cached_reading, judge_hits
from qa.search.adapter import QueryAdapter, load_adapter
from qa.search.followup import with_earlier_topic
from qa.search.fusion import top_k
from qa.search.retriever import Ranking, Retriever
from qa.settings import Settings
from qa.store.build import open_index
from qa.store.records import Store
from qa.types import Answer, Coverage, Hit, Policy


class PolicyQA:
    """Question answering over one policy's store."""

    def __init__(
        self,
        store: Store,
        embedder: Embedder,
        settings: Settings,
        *,
        adapter: QueryAdapter | None = None,
        reading: Reading | None = None,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.settings = settings
        self.reading = reading
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
        settings = settings or Settings.from_env()
        files = locate(name, settings)  # a bad name fails before the slow model load
        model: Embedder = embedder if embedder is not None else create_embedder(settings)
        return cls.over(open_index(files, model), model, settings)

    @classmethod
    def over(cls, store: Store, embedder: Embedder, settings: Settings, *, reading: Reading | None = None) -> PolicyQA:
        """PolicyQA over an already loaded or built `store`, with the query adapter and the reader
        `settings` ask for (`reading`: one already loaded, shared between policies)."""
        adapter = None
        if settings.use_adapter:
            adapter = load_adapter(
                settings.adapter_path, base_fingerprint=embedder.fingerprint, dimension=embedder.dimension
            )
        return cls(store, embedder, settings, adapter=adapter, reading=reading or cached_reading(settings))

    @property
    def policy(self) -> Policy:
        return self.store.policy

    def ask(self, question: str, k: int | None = None, *, follows: str = "") -> Answer:
        """The top-k clauses for `question`, best first, one hit per clause.

        `covered` is False when even the closest sentence is less similar to the
        plain question vector than `Settings.covered_threshold` (cosine): the
        policy does not seem to say. It is also False, with `reason` set, when the
        question asks for a time period or an amount and none of the
        `Settings.asked_for_hits` best clauses states one (`qa.coverage.asked_for`), or when
        one of its salient words has no policy word at least
        `Settings.word_match_threshold` similar (`qa.coverage.words`).

        `follows` is the previous question of the same conversation: a question that leans on it
        ("Can I opt out of that?" after "Do you use cookies?") is searched with its topic words
        (`qa.search.followup`), and `Answer.follows` says so.

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
            earlier = clean_question(follows) if isinstance(follows, str) and self.settings.follow_ups else ""
            answer = self._answer(question, k, with_earlier_topic(question, earlier), earlier)
        except Exception as error:
            log_event("ask_failed", {"error": repr(error), **fields}, level=logging.ERROR, exc_info=True)
            raise
        latency_ms = round((time.perf_counter() - started) * 1000, 2)
        log_event("ask", {"latency_ms": latency_ms, "hits": len(answer.hits), "covered": answer.covered, **fields})
        return answer

    def _answer(self, question: str, k: int, searched: str = "", earlier: str = "") -> Answer:
        """`question` answered; searched as `searched` when that is set (a follow-up of `earlier`)."""
        ranking = self.retriever.rank(searched or question)
        asked = ranking.corrected or searched or question
        depth = self.settings.asked_for_hits
        read = self.reading.judge.candidates if self.reading is not None else 0
        # one ranking for the hits, the asked-for check and the reader
        order = [int(c) for c in top_k(ranking.fused, max(k, depth, read, 2 if read else 0))]
        if read and ranking.unexpanded_first >= 0 and ranking.unexpanded_first not in order:
            order.append(ranking.unexpanded_first)  # the reader reads it (`judge_hits`); dropped below unless on top
        hits = tuple(self._hit(rank, c, ranking) for rank, c in enumerate(order, 1))
        coverage = self._coverage(ranking)
        best = [hit.text for hit in hits[:depth]] if depth > 0 else []
        covered, reason = decide(asked, coverage, best)
        if self.reading is not None:
            judged = judge_hits(
                self.reading,
                asked,
                hits,
                coverage=coverage,
                asked_for_missing=bool(depth) and unstated(asked, best) is not None,
                sentences=len(self.store.sentences),
                unexpanded_first=order.index(ranking.unexpanded_first) if ranking.unexpanded_first >= 0 else None,
            )
            hits = tuple(
                replace(hits[i], rank=rank, confidence=confidence)
                for rank, (i, confidence) in enumerate(zip(judged.order, judged.confidences, strict=True), 1)
            )
            coverage = replace(coverage, answered=judged.answered, answered_threshold=self.reading.judge.threshold)
            covered, reason = judged.covered, "" if judged.covered else (reason or DOES_NOT_ANSWER)
        hits = hits[:k]
        summary = summary_of(hits, covered=covered, reason=reason)
        parts = (reason, coverage, ranking.expansion, ranking.corrected, summary, earlier if searched else "")
        return Answer(question, covered, hits, *parts)

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
