"""Would the judge mark fewer PolicyQA questions not covered if PolicyQA's questions helped fit it?

    .venv/bin/python scripts/cross_validate_reader.py --policyqa dev.json --out CV
    .venv/bin/python experiments/judge_with_policyqa.py --policyqa dev.json --cv CV

The shipped judge is fitted on the shipped policy's development sets and eval/corpus.jsonl (everyday
questions), and marks about one PolicyQA question in eight not covered (cross-validated by policy),
although every one is answered by its policy. Here each PolicyQA policy's questions are answered with the
query adapter and read by the reader of its cross-validation fold (`CV/fold-K`, neither of which saw the
policy), and the judge's features recorded as `scripts/fit_reader_judge.py` records them; the corpus's
and the shipped policy's questions are read by the shipped reader, as that script does. Then, leave one
policy out, three judges: one fitted as shipped (the shipped policy and the corpus only), and two fitted
on PolicyQA's questions too, the threshold chosen on the everyday questions or on all (at most
--max-false of their answerable ones). Printed per group of policies: unanswerable caught, answerable
wrongly marked, Hit@1 after the judge's order, and where there are unanswerable questions the AUC of
P(answered) and the share caught when 5% of the group's answerable questions are marked (a threshold on
those very probabilities: to compare the judges only).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # its sibling experiments
import fit_reader_judge as fitting  # noqa: E402 - a script, not a package
from reader_variants import auc  # noqa: E402 - a sibling experiment

from qa.answer import PolicyQA  # noqa: E402
from qa.embedding.factory import create_index_embedder  # noqa: E402
from qa.evaluation.benchmark import QueryCache, prepare  # noqa: E402
from qa.evaluation.policyqa_file import load_policyqa  # noqa: E402
from qa.reader.judge import clause_order, linear, sigmoid, threshold_for  # noqa: E402
from qa.reader.model import SIDECAR, load_reader  # noqa: E402
from qa.reader.stage import Reading  # noqa: E402
from qa.settings import PACKAGE, SHIPPED_NAME, Settings  # noqa: E402

ADAPTER_FILE = "query-adapter.npy"  # where scripts/cross_validate_reader.py keeps a fold's adapter
PREFIX = "policyqa:"


def policyqa_examples(path: Path, cv: Path, settings: Settings) -> list[fitting.Example]:
    """Every question of a PolicyQA file answered and read by the cross-validation fold that left its policy
    out (its query adapter and reader; the policy named "policyqa:TITLE")."""
    benches = load_policyqa(path)
    cache = QueryCache(create_index_embedder(settings))
    cache.prime([q.question for bench in benches for q in bench.questions])
    found: list[fitting.Example] = []
    for fold in sorted(cv.glob("fold-*/")):
        titles = set(json.loads((fold / SIDECAR).read_text(encoding="utf-8"))["held_out"]["policies"])
        plain = replace(settings, use_adapter=True, adapter_path=fold / ADAPTER_FILE, use_reader=False)
        reading = Reading(load_reader(fold, threads=0), fitting.BLANK)
        for bench in (bench for bench in benches if bench.title in titles):
            prepared = prepare(bench, cache)
            qa = PolicyQA.over(prepared.store, cache, plain)
            found += fitting.examples_of(qa, PREFIX + bench.title, prepared.gold(), reading)
        print(f"PolicyQA {fold.name} read", file=sys.stderr, flush=True)
    missing = {bench.title for bench in benches} - {e.policy.removeprefix(PREFIX) for e in found}
    if missing:
        raise SystemExit(f"no fold of {cv} left out {', '.join(sorted(missing))}; run every fold first")
    return found


def group_of(policy: str) -> str:
    if policy == SHIPPED_NAME:
        return "shipped"
    return "policyqa" if policy.startswith(PREFIX) else "corpus"


def report(
    examples: list[fitting.Example], fit_on: set[str], threshold_on: set[str], max_false: float
) -> dict[str, dict[str, float | None]]:
    """Each policy judged by a judge fitted on the other policies of the groups `fit_on`, its threshold
    chosen on the answerable questions of those of the groups `threshold_on`."""
    rows = []
    for policy in dict.fromkeys(e.policy for e in examples):
        others = [e for e in examples if e.policy != policy]
        judge = fitting.fit([e for e in others if group_of(e.policy) in fit_on], max_false)
        chosen = [e for e in others if e.answerable and group_of(e.policy) in threshold_on]
        probabilities = [sigmoid(linear(judge.answered_weights, e.question_features)) for e in chosen]
        judge = replace(judge, threshold=threshold_for(probabilities, max_false=max_false))
        for e in (e for e in examples if e.policy == policy):
            answered = sigmoid(linear(judge.answered_weights, e.question_features))
            right = bool(e.clause_gold[clause_order(judge, e.clause_features)[0][0]]) if e.answerable else None
            rows.append((group_of(policy), e.answerable, answered < judge.threshold, right, answered))
    out: dict[str, dict[str, float | None]] = {}
    for group in ("corpus", "shipped", "policyqa"):
        mine = [r for r in rows if r[0] == group]
        caught = [r[2] for r in mine if not r[1]]
        out[group] = {
            "questions": len(mine),
            "unanswerable_caught": round(float(np.mean(caught)), 4) if caught else None,
            "answerable_wrongly": round(float(np.mean([r[2] for r in mine if r[1]])), 4),
            "hit@1_judged": round(float(np.mean([r[3] for r in mine if r[1]])), 4),
        }
        if caught:  # how well P(answered) separates, whatever the threshold
            positive, negative = [r[4] for r in mine if r[1]], [r[4] for r in mine if not r[1]]
            out[group]["auc"] = round(auc(positive, negative), 4)
            caught_at = np.mean(np.asarray(negative) < np.quantile(positive, 0.05))
            out[group]["caught_at_5%_marked"] = round(float(caught_at), 4)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--policyqa", type=Path, required=True)
    parser.add_argument("--cv", type=Path, required=True, help="scripts/cross_validate_reader.py's --out")
    parser.add_argument("--max-false", type=float, default=0.05)
    args = parser.parse_args()
    settings = Settings.from_env()
    shipped = Reading(load_reader(PACKAGE / "data" / "reader", threads=0), fitting.BLANK)
    examples = fitting.gather(settings, shipped, fitting.CORPUS_SET)
    examples += policyqa_examples(args.policyqa, args.cv, settings)
    everyday, every = {"corpus", "shipped"}, {"corpus", "shipped", "policyqa"}
    variants = (
        ("as shipped", everyday, everyday),
        ("fitted with PolicyQA, threshold on everyday questions", every, everyday),
        ("fitted with PolicyQA, threshold on all", every, every),
    )
    for name, fit_on, threshold_on in variants:
        print(json.dumps({name: report(examples, fit_on, threshold_on, args.max_false)}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
