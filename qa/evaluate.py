"""Question sets and PolicyQA files -> metrics, a printed table, report.json and a PNG chart.

    questions = load_questions(Path("eval/questions.jsonl"))
    report = evaluate_questions(PolicyQA.load(), questions)
    print(report.to_text())

A question set is JSON lines of {"id", "question", "answers": [clause ids],
"kind": "direct|paraphrase|unanswerable", "note"}; the PolicyQA benchmark lives
in `qa.benchmark`, and `qa.report` writes the files. Every question is asked for `CUTOFF` (10) hits.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from qa.answer import PolicyQA
from qa.benchmark import Progress, evaluate_policyqa
from qa.errors import EvalInputError
from qa.metrics import (
    COLUMNS,
    CUTOFF,
    DEFINITIONS,
    LEGEND,
    Chart,
    Metrics,
    Outcome,
    aggregate,
    aggregate_by,
    chart_groups,
    citation_correct,
    format_table,
    misses,
    timing,
    timing_text,
)
from qa.policyqa_file import load_policyqa
from qa.report import Report, write_outputs
from qa.settings import ROOT, Settings
from qa.types import Answer, Policy

KINDS = ("direct", "paraphrase", "unanswerable")
NO_SECTION = "none"
# The project's question sets about the shipped policy (README, "Question sets"). The development sets
# train the adapter and choose the thresholds (bench/); the held-out sets only ever measure.
EVAL_DIR = ROOT / "eval"
DEVELOPMENT_SETS = (
    EVAL_DIR / "questions.jsonl",
    EVAL_DIR / "calibration.jsonl",
    EVAL_DIR / "calibration2.jsonl",
    EVAL_DIR / "unanswerable_extra.jsonl",
)
HELDOUT_SETS = (EVAL_DIR / "heldout.jsonl", EVAL_DIR / "heldout3.jsonl", EVAL_DIR / "heldout4.jsonl")


def plain_question(question: str) -> str:
    """A question's words, lower-cased, without punctuation: two sets share a question when these agree.

    >>> plain_question("Do you use cookies?") == plain_question("do you use  Cookies")
    True
    """
    return " ".join(re.findall(r"[a-z0-9]+", question.lower()))


def held_out(paths: Sequence[Path]) -> list[Path]:
    """Those of `paths` that hold a question of a held-out set (which must not train or choose anything),
    whatever the file is called: a copy or a part of a held-out set counts."""
    heldout = {plain_question(q.question) for path in HELDOUT_SETS for q in load_questions(path)}
    return [path for path in paths if any(plain_question(q.question) in heldout for q in load_questions(path))]


def development_problem(paths: Sequence[Path], use: str) -> str | None:
    """Why the question files `paths` cannot be used to `use` (train or choose something): one that
    cannot be read as a question set, or one holding held-out questions (`held_out`); None when they can.

    >>> development_problem([EVAL_DIR / "questions.jsonl"], "train the adapter") is None
    True
    >>> development_problem([HELDOUT_SETS[0]], "train the adapter")  # doctest: +ELLIPSIS
    'held-out questions in .../heldout.jsonl: they measure the system and must not train the adapter'
    >>> development_problem([Path("nope.jsonl")], "train the adapter")
    'questions file nope.jsonl not found; pass a .jsonl file such as eval/questions.jsonl'
    """
    try:
        held = held_out(paths)
    except EvalInputError as error:
        return str(error)
    if held:
        return f"held-out questions in {', '.join(map(str, held))}: they measure the system and must not {use}"
    return None


@dataclass(frozen=True)
class GoldQuestion:
    """One line of a question set; `answers` are clause ids, empty when unanswerable."""

    id: str
    question: str
    answers: tuple[str, ...]
    kind: str
    note: str = ""


def _problem(row: dict[str, Any]) -> str | None:
    """What is wrong with one question-set row, or None."""
    answers = row.get("answers")
    if not isinstance(row.get("id"), str) or not row["id"]:
        return "id must be a non-empty string"
    if not isinstance(row.get("question"), str) or not row["question"].strip():
        return "question must be a non-empty string"
    if not isinstance(answers, list) or not all(isinstance(answer, str) for answer in answers):
        return "answers must be a list of clause ids"
    if row.get("kind") not in KINDS:
        return f"kind must be one of {', '.join(KINDS)}"
    if (row["kind"] == "unanswerable") != (not answers):
        return "answers must be empty exactly when kind is unanswerable"
    return None


def parse_question(line: str, where: str) -> GoldQuestion:
    """One JSON line -> `GoldQuestion`, or `EvalInputError` naming the file and line."""
    try:
        row = json.loads(line)
    except json.JSONDecodeError as error:
        raise EvalInputError(f"{where}: not valid JSON ({error.msg}); fix that line") from None
    if not isinstance(row, dict):
        raise EvalInputError(f"{where}: not a JSON object with id, question, answers and kind; fix that line")
    if problem := _problem(row):
        raise EvalInputError(f"{where}: {problem}; fix that line")
    note = str(row.get("note", ""))
    return GoldQuestion(row["id"], row["question"].strip(), tuple(row["answers"]), row["kind"], note)


def load_questions(path: Path, *, limit: int | None = None) -> tuple[GoldQuestion, ...]:
    """The first `limit` (default all) questions of a JSON-lines question set, checked."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise EvalInputError(
            f"questions file {path} not found; pass a .jsonl file such as eval/questions.jsonl"
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise EvalInputError(f"questions file {path} cannot be read ({error}); pass a UTF-8 .jsonl file") from None
    questions = [parse_question(line, f"{path}:{n}") for n, line in enumerate(lines, 1) if line.strip()]
    if not questions:
        raise EvalInputError(f"questions file {path} holds no questions; add one JSON object per line")
    seen: set[str] = set()
    for question in questions:
        if question.id in seen:
            raise EvalInputError(f"{path}: question id {question.id} appears twice; give each question its own id")
        seen.add(question.id)
    return tuple(questions[:limit])


def check_gold(questions: Sequence[GoldQuestion], policy: Policy) -> None:
    """`EvalInputError` if a gold answer names a clause the policy does not have."""
    known = {clause.id for clause in policy.clauses}
    for question in questions:
        unknown = [a for a in question.answers if a not in known]
        if unknown:
            raise EvalInputError(
                f"question {question.id} names clause {unknown[0]}, which the policy does not have; "
                "fix the questions file or POLICYQA_POLICY_PATH"
            )


class ProgressLine:
    """Progress on stderr: one line rewritten in place on a terminal, else a line per 10% step."""

    def __init__(self, label: str, *, stream: TextIO | None = None, min_total: int = 50) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.min_total = min_total
        self._step = 0

    def __call__(self, done: int, total: int) -> None:
        if total < self.min_total:
            return
        if self.stream.isatty():
            end = "\n" if done >= total else ""
            self.stream.write(f"\r{self.label} {done}/{total}{end}")
        elif done * 10 // total > self._step:
            self._step = done * 10 // total
            self.stream.write(f"{self.label} {done}/{total} ({100 * done // total}%)\n")
        self.stream.flush()


def _section_order(name: str) -> tuple[bool, bool, str]:
    """Preamble first, then sections by letter, "no section" (unanswerable) last."""
    return name == NO_SECTION, name != "P", name


@dataclass(frozen=True)
class QuestionReport:
    """The outcome of every question of a set, and how long asking them took."""

    source: str
    settings: dict[str, object]
    outcomes: tuple[Outcome, ...]
    seconds: float
    chart_name = "hits-by-section.png"

    def by_section(self) -> dict[str, Metrics]:
        rows = aggregate_by(self.outcomes, lambda o: o.group)
        return {name: rows[name] for name in sorted(rows, key=_section_order)}

    def to_json(self) -> dict[str, object]:
        return {
            "set": "questions",
            "source": self.source,
            "settings": self.settings,
            "metrics": aggregate(self.outcomes).to_json(),
            "by_kind": {name: m.to_json() for name, m in aggregate_by(self.outcomes, lambda o: o.kind).items()},
            "by_section": {name: m.to_json() for name, m in self.by_section().items()},
            "missed": [miss.to_json() for miss in misses(self.outcomes)],
            "timing": timing(self.seconds, len(self.outcomes)),
            "definitions": DEFINITIONS,
        }

    def to_text(self) -> str:
        rows = {"all": aggregate(self.outcomes)} | aggregate_by(self.outcomes, lambda o: o.kind)
        rows |= {f"section {name}": m for name, m in self.by_section().items()}
        missed = misses(self.outcomes)
        used = ", ".join(f"{name} {value}" for name, value in self.settings.items())
        lines = [f"{self.source}: {used}", "", format_table(rows), LEGEND, ""]
        lines.append(
            f"Missed {len(missed)} (answerable with a wrong top hit or marked not covered, "
            "or unanswerable but covered):"
        )
        for miss in missed:
            where = f"gold at rank {miss.gold_rank}" if miss.gold_rank else "gold not in top 10" if miss.gold else ""
            lines.append(f"  {miss.id} [{miss.kind}] {miss.question}")
            lines.append(
                f"      gold {', '.join(miss.gold) or '-'} | first {miss.first or '-'}"
                + (f" | {where}" if where else "")
            )
            if miss.why:
                lines.append(f"      {'covered' if miss.covered else 'not covered'}: {miss.why}")
        return "\n".join([*lines, "", timing_text(self.seconds, len(self.outcomes), "questions")])

    def chart(self) -> tuple[str, Chart]:
        rows = {"all": aggregate(self.outcomes)} | self.by_section()
        return "Hit@k by section of the first gold clause", chart_groups(rows, COLUMNS[:3])


def coverage_line(answer: Answer) -> str:
    """What decided `answer.covered`, in one line: its scores and thresholds, then its reason if any."""
    parts = [answer.coverage.describe() if answer.coverage else "", answer.reason]
    return "; ".join(part for part in parts if part)


def evaluate_questions(
    qa: PolicyQA, questions: Sequence[GoldQuestion], *, source: str = "", progress: Progress | None = None
) -> QuestionReport:
    """Ask every question for 10 hits; score the hits against the gold clauses."""
    check_gold(questions, qa.policy)
    start = time.perf_counter()
    outcomes = []
    for done, question in enumerate(questions, 1):
        answer = qa.ask(question.question, CUTOFF)
        section = qa.policy.clause(question.answers[0]).section if question.answers else NO_SECTION
        ranked = tuple(hit.clause_id for hit in answer.hits)
        cited = citation_correct(answer, qa.policy, question.answers)
        row = (question.id, question.question, question.kind, section, question.answers, ranked)
        outcomes.append(Outcome(*row, covered=answer.covered, cited=cited, why=coverage_line(answer)))
        if progress is not None:
            progress(done, len(questions))
    settings = qa.settings
    used = {"model": settings.model, "k": CUTOFF, "covered_threshold": settings.covered_threshold}
    used |= {"policy": settings.policy_path.name}
    return QuestionReport(source, used, tuple(outcomes), time.perf_counter() - start)


def _run(args: argparse.Namespace, settings: Settings) -> Report:
    if (args.questions is None) == (args.policyqa is None):
        raise EvalInputError(
            "give a questions .jsonl file or --policyqa FILE, not both or neither; see: policyqa eval -h"
        )
    if args.limit is not None and args.limit < 1:
        raise EvalInputError(f"--limit must be 1 or more, not {args.limit}")
    if args.policyqa is not None:
        # Check the file before the slow model load.
        policies = load_policyqa(Path(args.policyqa), limit=args.limit)
        from qa.embed import SentenceTransformerEmbedder

        embedder = SentenceTransformerEmbedder(settings.model)
        return evaluate_policyqa(policies, embedder, settings, source=args.policyqa, progress=ProgressLine("policyqa"))
    questions = load_questions(Path(args.questions), limit=args.limit)
    qa = PolicyQA.load(settings=settings)
    return evaluate_questions(qa, questions, source=args.questions, progress=ProgressLine("questions"))


def run_cli(args: argparse.Namespace, settings: Settings) -> int:
    """`policyqa eval`: run, print a table (or JSON with --json), write files with --out."""
    report = _run(args, settings)
    if args.out:
        for path in write_outputs(report, Path(args.out)):
            print(f"wrote {path}", file=sys.stderr)
    print(json.dumps(report.to_json(), ensure_ascii=False, indent=2) if args.json else report.to_text())
    return 0
