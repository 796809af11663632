"""Question sets about a policy: JSON lines of {"id", "question", "answers": [clause ids], "kind", "note"}.

    questions = load_questions(Path("eval/questions.jsonl"))

`kind` is "direct", "paraphrase" or "unanswerable"; `answers` is empty exactly for the
unanswerable ones. The development sets train and choose things (scripts/); the held-out
sets only ever measure, and `development_problem` refuses them to anything that would learn.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa.errors import EvalInputError
from qa.settings import ROOT
from qa.types import Policy

KINDS = ("direct", "paraphrase", "unanswerable")
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
    """One line of a question set; `answers` empty when unanswerable. In a set about the shipped policy,
    `answers` are clause ids; in a set about other policies each question names its `policy` (a
    document of the corpus) and `answers` are quotes of the passages that answer it
    (`qa.evaluation.corpus`)."""

    id: str
    question: str
    answers: tuple[str, ...]
    kind: str
    note: str = ""
    policy: str = ""
    previous: str = ""  # a follow-up's earlier question in the conversation


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
    note, policy, previous = str(row.get("note", "")), row.get("policy", ""), row.get("previous", "")
    if not isinstance(policy, str) or not isinstance(previous, str):
        raise EvalInputError(f"{where}: policy and previous must be text; fix that line")
    answers = tuple(row["answers"])
    return GoldQuestion(row["id"], row["question"].strip(), answers, row["kind"], note, policy, previous.strip())


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
