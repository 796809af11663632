"""Where the query expansion changes the first clause, and what the reader's guard does about it.

    .venv/bin/python experiments/expansion_guard.py [--out /tmp/guard.json]

For every answerable development question (the shipped policy's development sets and eval/corpus.jsonl,
the judge's own fitting questions; the held-out sets are not read), three answers are compared: without
the expansion (`expand_neighbours` 0), with it but without the guard, and as shipped (with the guard,
`qa.reader.judge.guarded_order`). Where the expansion changes the first clause, the reader reads both
first clauses with the question. Prints how often the expansion brings a right or a wrong clause first,
and the guard's effect at the shipped floor and at other floors (simulated from the two logits).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

from qa.answer import PolicyQA
from qa.embedding.factory import create_index_embedder
from qa.evaluation.corpus import policy_indexes
from qa.evaluation.questions import DEVELOPMENT_SETS, load_questions
from qa.reader.judge import REJECT_LOGIT
from qa.reader.passages import reader_pairs
from qa.reader.stage import Reading, cached_reading
from qa.settings import ROOT, Settings
from qa.store.records import Store

FLOORS = (None, 0.0, -1.0, -2.0, -3.0, -3.5, REJECT_LOGIT)


def unguarded(qa: PolicyQA) -> PolicyQA:
    """`qa` with the expansion but without the guard: the search never says what it would put first without it."""
    rank = qa.retriever.rank
    qa.retriever.rank = lambda question: replace(rank(question), unexpanded_first=-1)  # type: ignore[method-assign]
    return qa


def compare(
    store: Store, embedder, settings: Settings, questions: list[tuple[str, tuple[str, ...]]], reading: Reading
) -> list[dict]:
    shipped = PolicyQA.over(store, embedder, settings)
    expanded = unguarded(PolicyQA.over(store, embedder, settings))
    plain = PolicyQA.over(store, embedder, replace(settings, expand_neighbours=0))
    rows = []
    for question, gold in (q for q in questions if q[1]):
        first, other = expanded.ask(question, 10).hits[0], plain.ask(question, 10).hits[0]
        answer = shipped.ask(question, 10)
        row = {"question": question, "changed": first.clause_id != other.clause_id}
        row |= {"expanded_right": first.clause_id in gold, "unexpanded_right": other.clause_id in gold}
        row["shipped_right"] = answer.hits[0].clause_id in gold
        if row["changed"]:
            spans = [(h.section_title, h.text, h.sentence_start, h.sentence_end) for h in (first, other)]
            pairs = reader_pairs(answer.corrected or question, spans, reading.model.max_tokens)
            row["logits"] = [float(v) for v in reading.model.logits(pairs)]
        rows.append(row)
    return rows


def report(rows: list[dict]) -> None:
    changed = [r for r in rows if r["changed"]]
    print(f"{len(rows)} answerable, the expansion changes the first clause of {len(changed)}:")
    print(
        f"  right only with it {sum(r['expanded_right'] and not r['unexpanded_right'] for r in changed)}, "
        f"right only without it {sum(r['unexpanded_right'] and not r['expanded_right'] for r in changed)}, "
        f"wrong either way {sum(not r['expanded_right'] and not r['unexpanded_right'] for r in changed)}"
    )
    base = sum(r["expanded_right"] for r in rows)
    print(
        f"  Hit@1 without the expansion {sum(r['unexpanded_right'] for r in rows)}, with it {base}, "
        f"as shipped (guard at {REJECT_LOGIT}) {sum(r['shipped_right'] for r in rows)}"
    )
    for floor in FLOORS:
        swaps = [r for r in changed if r["logits"][0] < r["logits"][1] and (floor is None or r["logits"][0] < floor)]
        gain = sum(int(r["unexpanded_right"]) - int(r["expanded_right"]) for r in swaps)
        print(f"  guard at {'no floor' if floor is None else floor}: {len(swaps)} put back, Hit@1 {base + gain}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    settings = Settings.from_env()
    reading = cached_reading(settings)
    assert reading is not None, "the reader is off (POLICYQA_USE_READER=0)"
    embedder = create_index_embedder(settings)
    store = PolicyQA.load(settings=settings, embedder=embedder).store
    dev = [(q.question, q.answers) for path in DEVELOPMENT_SETS for q in load_questions(path)]
    rows = [dict(r, policy="shipped") for r in compare(store, embedder, settings, dev, reading)]
    corpus = list(load_questions(ROOT / "eval" / "corpus.jsonl"))
    for name, store, asked in policy_indexes(corpus, settings, embedder):
        about = [(q.question, gold) for q, gold in asked]
        rows += [dict(r, policy=name) for r in compare(store, embedder, settings, about, reading)]
        print(f"{name} asked", file=sys.stderr, flush=True)
    if args.out:
        args.out.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    for group, keep in (("shipped policy", lambda p: p == "shipped"), ("corpus", lambda p: p != "shipped")):
        print(f"{group}: ", end="")
        report([r for r in rows if keep(r["policy"])])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
