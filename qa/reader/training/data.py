"""Training pairs: each question's gold clauses (positives) and its best-ranked other clauses (hard
negatives), read as the reader reads them (`qa.reader.passages.reader_pairs`), shuffled into batches.
Pure: lists in, lists out."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from qa.reader.passages import reader_pairs
from qa.reader.training.candidates import RankedQuestion


@dataclass(frozen=True)
class Group:
    """One question's training pairs: its passages with labels (1 answers, 0 does not) and its weight."""

    question: str
    passages: tuple[str, ...]
    labels: tuple[int, ...]
    weight: float = 1.0


def training_group(question: RankedQuestion, *, negatives: int, max_positives: int, max_tokens: int) -> Group | None:
    """Positives: the gold clauses, best ranked first, at most `max_positives`; negatives: the
    `negatives` best-ranked clauses that are not gold. An unanswerable question gives negatives only;
    None when nothing is left.

    >>> from qa.reader.training.candidates import Candidate
    >>> ranked = tuple(Candidate(x, "", x.upper() + ".", 0, 2) for x in "abcde")
    >>> question = RankedQuestion("q", ranked, ("c",), "policyqa")
    >>> group = training_group(question, negatives=2, max_positives=2, max_tokens=96)
    >>> group.passages, group.labels
    (('C.', 'A.', 'B.'), (1, 0, 0))
    """
    gold = set(question.gold)
    positives = [c for c in question.ranked if c.clause_id in gold][:max_positives]
    hard = [c for c in question.ranked if c.clause_id not in gold][:negatives]
    chosen = positives + hard
    if not chosen:
        return None
    clauses = [(c.title, c.text, c.start, c.end) for c in chosen]
    passages = tuple(passage for _, passage in reader_pairs(question.question, clauses, max_tokens))
    return Group(question.question, passages, (1,) * len(positives) + (0,) * len(hard), question.weight)


def training_groups(
    questions: Sequence[RankedQuestion], *, negatives: int, max_positives: int, max_tokens: int
) -> list[Group]:
    """`training_group` of each question, in order, those with no pairs left out."""
    groups = (
        training_group(q, negatives=negatives, max_positives=max_positives, max_tokens=max_tokens) for q in questions
    )
    return [group for group in groups if group is not None]


def batches(groups: Sequence[Group], per_batch: int, seed: int, epoch: int) -> list[list[Group]]:
    """`groups` shuffled (the same way for the same `seed` and `epoch`) into batches of `per_batch` groups.

    >>> groups = [Group(str(i), ("p",), (0,)) for i in range(5)]
    >>> [len(b) for b in batches(groups, 2, 0, 0)], batches(groups, 2, 0, 0) == batches(groups, 2, 0, 0)
    ([2, 2, 1], True)
    """
    order = list(range(len(groups)))
    random.Random(seed * 1000 + epoch).shuffle(order)
    return [[groups[i] for i in order[s : s + per_batch]] for s in range(0, len(order), per_batch)]


def flatten(batch: Sequence[Group]) -> tuple[list[tuple[str, str]], list[int], list[int], list[float]]:
    """(question, passage) pairs, their labels, the index of each pair's group, and each group's weight.

    >>> flatten([Group("q", ("a", "b"), (1, 0)), Group("r", ("c",), (0,), 2.0)])
    ([('q', 'a'), ('q', 'b'), ('r', 'c')], [1, 0, 0], [0, 0, 1], [1.0, 2.0])
    """
    pairs, labels, owner = [], [], []
    for i, group in enumerate(batch):
        for passage, label in zip(group.passages, group.labels, strict=True):
            pairs.append((group.question, passage))
            labels.append(label)
            owner.append(i)
    return pairs, labels, owner, [group.weight for group in batch]
