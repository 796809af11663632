"""Pure retrieval metrics: one question's outcome -> hits and ranks -> means over a set.

No model, no files: everything here takes ids and answers and returns numbers,
so it is unit-tested against values worked out by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

from qa.types import Answer, Policy

CUTOFF = 10
# Group label -> series name -> value: the data of a grouped bar chart.
Chart = dict[str, dict[str, float]]
# (JSON key, table header) of each metric column, in table order.
COLUMNS = (
    ("hit@1", "Hit@1"),
    ("hit@3", "Hit@3"),
    ("hit@5", "Hit@5"),
    ("mrr@10", "MRR@10"),
    ("citation_accuracy", "Cite@1"),
    ("abstained_unanswerable", "Abst|unans"),
    ("abstained_answerable", "Abst|ans"),
)
CHART_COLUMNS = COLUMNS[:4]
LEGEND = "Cite@1: top hit gold and cited as the policy cites it; Abst|unans, Abst|ans: shares marked covered=False"
DEFINITIONS = {
    "hit@k": "share of answerable questions with a gold clause among the first k hits",
    "mrr@10": "mean over answerable questions of 1/rank of the first gold clause in the top 10 (0 if none)",
    "citation_accuracy": (
        "share of answerable questions whose top hit is a gold clause and whose citation string equals the one "
        "derived from that clause of the parsed policy (its id and section title)"
    ),
    "abstained_unanswerable": "share of unanswerable questions marked covered=False (higher is better)",
    "abstained_answerable": "share of answerable questions wrongly marked covered=False (lower is better)",
}


@dataclass(frozen=True)
class Outcome:
    """One question put to one system: the clause ids it returned, best first.

    `gold` empty means unanswerable. `kind` is the question kind ("direct", ...);
    `group` is what the breakdown groups by (a section letter, a policy title).
    `covered` and `cited` are None for systems that do not decide them; `why` says
    what decided `covered` (the scores and thresholds, and a reason if one was given).
    """

    id: str
    question: str
    kind: str
    group: str
    gold: tuple[str, ...]
    ranked: tuple[str, ...]
    covered: bool | None = None
    cited: bool | None = None
    why: str = ""


@dataclass(frozen=True)
class Metrics:
    """Means over a set of outcomes; None where the set has no question to average."""

    questions: int
    answerable: int
    hit_at_1: float | None
    hit_at_3: float | None
    hit_at_5: float | None
    mrr_at_10: float | None
    citation_accuracy: float | None
    abstained_unanswerable: float | None
    abstained_answerable: float | None

    def values(self) -> dict[str, float | None]:
        """The metric values keyed as in `COLUMNS` ("hit@1", ..., "abstained_answerable")."""
        values = [self.hit_at_1, self.hit_at_3, self.hit_at_5, self.mrr_at_10, self.citation_accuracy]
        values += [self.abstained_unanswerable, self.abstained_answerable]
        return {key: value for (key, _), value in zip(COLUMNS, values, strict=True)}

    def to_json(self) -> dict[str, object]:
        counts: dict[str, object] = {"questions": self.questions, "answerable": self.answerable}
        return counts | {key: None if v is None else round(v, 4) for key, v in self.values().items()}


@dataclass(frozen=True)
class Miss:
    """An answerable question whose top hit is not gold or that was marked not covered,
    or an unanswerable one marked covered; `why` as in `Outcome`."""

    id: str
    question: str
    kind: str
    gold: tuple[str, ...]
    first: str | None
    gold_rank: int | None
    covered: bool | None = None
    why: str = ""

    def to_json(self) -> dict[str, object]:
        fields = {"id": self.id, "question": self.question, "kind": self.kind, "gold": list(self.gold)}
        return fields | {"first": self.first, "gold_rank": self.gold_rank, "covered": self.covered, "why": self.why}


def first_gold_rank(ranked: Sequence[str], gold: Collection[str]) -> int | None:
    """1-based rank of the first gold id in `ranked`, or None.

    >>> first_gold_rank(["a", "b", "c"], {"c", "x"})
    3
    """
    return next((rank for rank, item in enumerate(ranked, 1) if item in gold), None)


def hit_at_k(ranked: Sequence[str], gold: Collection[str], k: int) -> float:
    """1.0 if one of the first `k` ids is gold, else 0.0.

    >>> hit_at_k(["a", "b", "c"], {"b"}, 1), hit_at_k(["a", "b", "c"], {"b"}, 2)
    (0.0, 1.0)
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, not {k}")
    rank = first_gold_rank(ranked[:k], gold)
    return 0.0 if rank is None else 1.0


def reciprocal_rank(ranked: Sequence[str], gold: Collection[str], cutoff: int = CUTOFF) -> float:
    """1 / rank of the first gold id within the first `cutoff` ids, else 0.0.

    >>> reciprocal_rank(["a", "b", "c"], {"b", "c"}), reciprocal_rank(["a", "b"], {"b"}, cutoff=1)
    (0.5, 0.0)
    """
    if cutoff < 1:
        raise ValueError(f"cutoff must be at least 1, not {cutoff}")
    rank = first_gold_rank(ranked[:cutoff], gold)
    return 0.0 if rank is None else 1.0 / rank


def mean(values: Sequence[float]) -> float | None:
    """The arithmetic mean, or None for no values.

    >>> mean([1.0, 0.0, 0.5]), mean([])
    (0.5, None)
    """
    return sum(values) / len(values) if values else None


def citation_correct(answer: Answer, policy: Policy, gold: Collection[str]) -> bool:
    """True if the top hit is a gold clause cited exactly as `policy` cites that clause."""
    if not answer.hits or answer.hits[0].clause_id not in gold:
        return False
    top = answer.hits[0]
    return top.citation == policy.clause(top.clause_id).citation


def aggregate(outcomes: Sequence[Outcome]) -> Metrics:
    """Hit@1/3/5, MRR@10 and citation accuracy over the answerable outcomes; abstention shares.

    Abstention shares count only outcomes with a `covered` decision.
    """
    answerable = [o for o in outcomes if o.gold]
    unanswerable = [o for o in outcomes if not o.gold]

    def hits(k: int) -> float | None:
        return mean([hit_at_k(o.ranked, o.gold, k) for o in answerable])

    return Metrics(
        questions=len(outcomes),
        answerable=len(answerable),
        hit_at_1=hits(1),
        hit_at_3=hits(3),
        hit_at_5=hits(5),
        mrr_at_10=mean([reciprocal_rank(o.ranked, o.gold, CUTOFF) for o in answerable]),
        citation_accuracy=mean([float(o.cited) for o in answerable if o.cited is not None]),
        abstained_unanswerable=mean([float(not o.covered) for o in unanswerable if o.covered is not None]),
        abstained_answerable=mean([float(not o.covered) for o in answerable if o.covered is not None]),
    )


def aggregate_by(outcomes: Sequence[Outcome], key: Callable[[Outcome], str]) -> dict[str, Metrics]:
    """`aggregate` per value of `key`, in order of first appearance."""
    groups: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        groups.setdefault(key(outcome), []).append(outcome)
    return {name: aggregate(rows) for name, rows in groups.items()}


def misses(outcomes: Sequence[Outcome]) -> list[Miss]:
    """Answerable outcomes whose top hit is not gold or that were marked not covered, and
    unanswerable ones marked covered."""
    found = []
    for o in outcomes:
        first = o.ranked[0] if o.ranked else None
        if (o.gold and (first not in o.gold or o.covered is False)) or (not o.gold and o.covered):
            rank = first_gold_rank(o.ranked, o.gold)
            found.append(Miss(o.id, o.question, o.kind, o.gold, first, rank, o.covered, o.why))
    return found


def format_table(rows: Mapping[str, Metrics], *, label: str = "") -> str:
    """A fixed-width text table: one line per row name, one column per metric ("-" for None)."""
    width = max([len(label), *(len(name) for name in rows)])
    header = f"{label:<{width}}  {'n':>4}  " + "  ".join(f"{title:>10}" for _, title in COLUMNS)
    lines = [header]
    for name, metrics in rows.items():
        values = metrics.values()
        cells = "  ".join(f"{_cell(values[key]):>10}" for key, _ in COLUMNS)
        lines.append(f"{name:<{width}}  {metrics.questions:>4}  {cells}")
    return "\n".join(lines)


def chart_groups(rows: Mapping[str, Metrics], columns: Sequence[tuple[str, str]]) -> Chart:
    """Bar-chart data: row name -> {column title: value}; rows missing a value are left out."""
    groups: Chart = {}
    for name, metrics in rows.items():
        values = metrics.values()
        row = {title: values[key] for key, title in columns}
        if all(value is not None for value in row.values()):
            groups[name] = {title: float(value or 0.0) for title, value in row.items()}
    return groups


def timing(seconds: float, count: int) -> dict[str, float]:
    """{"seconds", "questions_per_second"} for `count` questions answered in `seconds`."""
    return {"seconds": round(seconds, 2), "questions_per_second": round(count / seconds, 2) if seconds else 0.0}


def timing_text(seconds: float, count: int, unit: str) -> str:
    """A one-line summary, e.g. "111 questions in 2.0 s (55.5 questions/s)"."""
    return f"{count} {unit} in {seconds:.1f} s ({count / seconds if seconds else 0:.1f} {unit}/s)"


def _cell(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"
