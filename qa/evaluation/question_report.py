"""A question set asked of one policy -> outcomes, metrics by kind and by section, the missed questions.

    report = evaluate_questions(PolicyQA.load(), load_questions(Path("eval/questions.jsonl")))
    print(report.to_text())

Every question is asked for `CUTOFF` (10) hits.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from qa.answer import PolicyQA
from qa.evaluation.metrics import (
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
from qa.evaluation.questions import GoldQuestion, check_gold
from qa.types import Answer, Progress, no_progress

NO_SECTION = "none"


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
    grouped_by: str = "section"  # what `Outcome.group` names: the gold clause's section, or the policy
    chart_name = "hits-by-group.png"

    def by_section(self) -> dict[str, Metrics]:
        """Metrics per group (`grouped_by`): sections in the policy's order, policies as they come."""
        rows = aggregate_by(self.outcomes, lambda o: o.group)
        return rows if self.grouped_by != "section" else {name: rows[name] for name in sorted(rows, key=_section_order)}

    def to_json(self) -> dict[str, object]:
        return {
            "set": "questions",
            "source": self.source,
            "settings": self.settings,
            "metrics": aggregate(self.outcomes).to_json(),
            "by_kind": {name: m.to_json() for name, m in aggregate_by(self.outcomes, lambda o: o.kind).items()},
            f"by_{self.grouped_by}": {name: m.to_json() for name, m in self.by_section().items()},
            "missed": [miss.to_json() for miss in misses(self.outcomes)],
            "timing": timing(self.seconds, len(self.outcomes)),
            "definitions": DEFINITIONS,
        }

    def to_text(self) -> str:
        rows = {"all": aggregate(self.outcomes)} | aggregate_by(self.outcomes, lambda o: o.kind)
        rows |= {f"{self.grouped_by} {name}": m for name, m in self.by_section().items()}
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
        what = "section of the first gold clause" if self.grouped_by == "section" else self.grouped_by
        return f"Hit@k by {what}", chart_groups(rows, COLUMNS[:3])


def coverage_line(answer: Answer) -> str:
    """What decided `answer.covered`, in one line: its scores and thresholds, then its reason if any."""
    parts = [answer.coverage.describe() if answer.coverage else "", answer.reason]
    return "; ".join(part for part in parts if part)


def evaluate_questions(
    qa: PolicyQA, questions: Sequence[GoldQuestion], *, source: str = "", progress: Progress = no_progress
) -> QuestionReport:
    """Ask every question for 10 hits; score the hits against the gold clauses."""
    check_gold(questions, qa.policy)
    start = time.perf_counter()
    outcomes = []
    for done, question in enumerate(questions, 1):
        answer = qa.ask(question.question, CUTOFF, follows=question.previous)
        section = qa.policy.clause(question.answers[0]).section if question.answers else NO_SECTION
        ranked = tuple(hit.clause_id for hit in answer.hits)
        cited = citation_correct(answer, qa.policy, question.answers)
        row = (question.id, question.question, question.kind, section, question.answers, ranked)
        outcomes.append(Outcome(*row, covered=answer.covered, cited=cited, why=coverage_line(answer)))
        progress(done / len(questions), f"questions: {done:,} of {len(questions):,} asked")
    settings = qa.settings
    used = {"model": settings.model, "k": CUTOFF, "covered_threshold": settings.covered_threshold}
    used |= {"policy": qa.policy.title}
    return QuestionReport(source, used, tuple(outcomes), time.perf_counter() - start)
