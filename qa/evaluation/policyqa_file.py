"""A PolicyQA (SQuAD-style) JSON file -> `BenchPolicy`s: each policy's segments and its distinct questions.

    policies = load_policyqa(Path("dev.json"), limit=100)

Checked as it is read: anything that is not a SQuAD-style PolicyQA file is an
`EvalInputError` naming the file and the entry. The benchmark itself is `qa.evaluation.benchmark`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qa.errors import EvalInputError


@dataclass(frozen=True)
class BenchQuestion:
    """One distinct question of a policy; `relevant` are positions of segments holding an answer."""

    id: str
    question: str
    relevant: tuple[int, ...]


@dataclass(frozen=True)
class BenchPolicy:
    """One policy of a PolicyQA file: its segments in file order and its distinct questions."""

    title: str
    segments: tuple[str, ...]
    questions: tuple[BenchQuestion, ...]


def _require(condition: bool, path: Path, where: str, what: str) -> None:
    if not condition:
        raise EvalInputError(f"{path}: {where} {what}; pass a SQuAD-style PolicyQA file such as dev.json")


def read_policyqa(path: Path) -> list[Any]:
    """The `data` list of a PolicyQA JSON file, or `EvalInputError` saying what is wrong."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise EvalInputError(
            f"PolicyQA file {path} not found; download dev.json (or test.json) from the data/ folder of "
            "github.com/wasiahmad/PolicyQA (MIT licence) and pass its path"
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise EvalInputError(f"PolicyQA file {path} is not readable JSON ({error}); pass a SQuAD-style file") from None
    data = document.get("data") if isinstance(document, dict) else None
    _require(isinstance(data, list) and bool(data), path, "the file", "has no data[] of policies")
    return list(data or [])


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def parse_policy_entry(entry: Any, path: Path, n: int) -> BenchPolicy:
    """One `data[]` entry -> its segments and distinct questions (grouped by identical text)."""
    ok = isinstance(entry, dict) and isinstance(entry.get("title"), str) and isinstance(entry.get("paragraphs"), list)
    _require(ok and bool(entry["paragraphs"]), path, f"data[{n}]", "needs a title and paragraphs[]")
    segments: list[str] = []
    groups: dict[str, tuple[str, set[int]]] = {}
    for position, paragraph in enumerate(entry["paragraphs"]):
        ok = (
            isinstance(paragraph, dict)
            and _is_text(paragraph.get("context"))
            and isinstance(paragraph.get("qas"), list)
        )
        _require(ok, path, f"data[{n}].paragraphs[{position}]", "needs a non-empty context and qas[]")
        segments.append(paragraph["context"])
        for qa in paragraph["qas"]:
            ok = isinstance(qa, dict) and _is_text(qa.get("question")) and isinstance(qa.get("answers"), list)
            _require(ok, path, f"data[{n}].paragraphs[{position}].qas", "need a question and answers[] each")
            _, relevant = groups.setdefault(qa["question"].strip(), (str(qa.get("id", "")), set()))
            if qa["answers"]:
                relevant.add(position)
    questions = tuple(BenchQuestion(qa_id, q, tuple(sorted(rel))) for q, (qa_id, rel) in groups.items())
    return BenchPolicy(entry["title"], tuple(segments), questions)


def load_policyqa(path: Path, *, limit: int | None = None) -> tuple[BenchPolicy, ...]:
    """The policies of a PolicyQA file, keeping only the first `limit` (policy, question) pairs."""
    policies = [parse_policy_entry(entry, path, n) for n, entry in enumerate(read_policyqa(path))]
    if limit is None:
        return tuple(policies)
    kept = []
    for policy in policies:
        if limit <= 0:
            break
        kept.append(BenchPolicy(policy.title, policy.segments, policy.questions[:limit]))
        limit -= len(kept[-1].questions)
    return tuple(kept)
