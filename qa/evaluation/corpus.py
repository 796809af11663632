"""Question sets about several policies: each question names its policy and quotes what answers it.

    {"id": "arxiv-01", "policy": "arxiv-privacy-policy", "question": "Do you sell my data?",
     "kind": "paraphrase", "answers": ["a quote copied from the policy's visible text"], "note": ""}

A question's gold clauses are the clauses of the parsed policy that hold one of its quotes (words
compared without case, punctuation or markup), so the gold does not depend on how a reader cuts the
document into clauses. Each policy is read from the documents folder (`tests/data/corpus/` by
default), indexed once into the data folder, and asked every question about it; the report gives
the metrics per policy and pooled.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Iterator, Sequence
from pathlib import Path

from qa.answer import PolicyQA
from qa.embedding.base import Embedder
from qa.errors import EvalInputError
from qa.evaluation.metrics import CUTOFF, Outcome, citation_correct
from qa.evaluation.question_report import QuestionReport, coverage_line
from qa.evaluation.questions import GoldQuestion
from qa.read.documents import SUFFIXES
from qa.settings import ROOT, Settings
from qa.store.build import PolicyFiles, open_index
from qa.store.records import Store
from qa.types import Policy, Progress, no_progress

CORPUS_DIR = ROOT / "tests" / "data" / "corpus"
# A quote split over two clauses by the reader counts for the clause that holds this share of its words in a row.
MIN_SHARE = 0.6
_WORD = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    """`text`'s words, lower-cased, accents kept, punctuation and markup dropped.

    >>> words("We **don’t** sell [your data](https://x.example)!")
    ['we', 'don', 't', 'sell', 'your', 'data', 'https', 'x', 'example']
    """
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def longest_run(quote: list[str], text: list[str]) -> int:
    """The length of the longest run of `quote`'s words that stands in `text` in the same order.

    >>> longest_run(["a", "b", "c", "d"], ["x", "b", "c", "y", "a"])
    2
    """
    best, previous = 0, [0] * (len(text) + 1)
    for word in quote:
        current = [0] * (len(text) + 1)
        for j, other in enumerate(text, 1):
            if word == other:
                current[j] = previous[j - 1] + 1
                best = max(best, current[j])
        previous = current
    return best


def gold_clauses(policy: Policy, quotes: Sequence[str]) -> tuple[str, ...]:
    """The ids of the clauses holding one of `quotes` (their letters and digits in a row); for a quote no
    clause holds whole, the clause holding most of its words in a row (at least `MIN_SHARE` of them).
    EvalInputError for a quote found nowhere."""
    texts = {clause.id: words(clause.text) for clause in policy.clauses}
    # subtle: letters only, so a word a PDF's text glues to the next ("willbe") or splits still matches.
    letters = {clause_id: "".join(found) for clause_id, found in texts.items()}
    gold: list[str] = []
    for quote in quotes:
        wanted = words(quote)
        whole = [cid for cid, text in letters.items() if "".join(wanted) in text]
        if not whole:
            runs = {cid: longest_run(wanted, found) for cid, found in texts.items()}
            best = max(runs, key=lambda cid: runs[cid], default="")
            if not best or runs[best] < MIN_SHARE * len(wanted):
                raise EvalInputError(f"the quote {quote[:60]!r} is not in {policy.title!r}; fix the question set")
            whole = [best]
        gold.extend(cid for cid in whole if cid not in gold)
    return tuple(gold)


def document_of(name: str, documents: Path) -> Path:
    """The file of policy `name` in the documents folder, whatever its format."""
    for suffix in SUFFIXES:
        if (documents / f"{name}{suffix}").is_file():
            return documents / f"{name}{suffix}"
    raise EvalInputError(f"no document named {name!r} in {documents}; pass the folder of the policies with --documents")


def policy_indexes(
    questions: Sequence[GoldQuestion], settings: Settings, embedder: Embedder, documents: Path = CORPUS_DIR
) -> Iterator[tuple[str, Store, list[tuple[GoldQuestion, tuple[str, ...]]]]]:
    """Each policy `questions` ask about, in the order first asked: its name, its index (read from the
    documents folder and built into the data folder on first use), and its questions with their gold
    clause ids."""
    for name in dict.fromkeys(question.policy for question in questions):
        files = PolicyFiles(name, document_of(name, documents), settings.home / "evaluation" / name)
        store = open_index(files, embedder)
        asked = [q for q in questions if q.policy == name]
        yield name, store, [(q, gold_clauses(store.policy, q.answers)) for q in asked]


def evaluate_corpus(
    questions: Sequence[GoldQuestion],
    settings: Settings,
    embedder: Embedder,
    *,
    documents: Path = CORPUS_DIR,
    source: str = "",
    progress: Progress = no_progress,
) -> QuestionReport:
    """Ask every question of its own policy for 10 hits and score them against the quoted clauses."""
    start, outcomes = time.perf_counter(), []
    policies = len(dict.fromkeys(question.policy for question in questions))
    for done, (name, store, asked) in enumerate(policy_indexes(questions, settings, embedder, documents), 1):
        qa = PolicyQA.over(store, embedder, settings)
        for question, gold in asked:
            answer = qa.ask(question.question, CUTOFF, follows=question.previous)
            ranked = tuple(hit.clause_id for hit in answer.hits)
            row = (question.id, question.question, question.kind, name, gold, ranked)
            cited = citation_correct(answer, qa.policy, gold)
            outcomes.append(Outcome(*row, covered=answer.covered, cited=cited, why=coverage_line(answer)))
        progress(done / policies, f"policies: {done} of {policies} asked")
    used = {"model": settings.model, "k": CUTOFF, "policies": policies}
    return QuestionReport(source, used, tuple(outcomes), time.perf_counter() - start, grouped_by="policy")
