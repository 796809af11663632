"""What the judge makes of a reader, leave one policy out: to compare readers trained with other settings.

    .venv/bin/python scripts/train_reader.py --policyqa dev.json --out /tmp/r6 --layers 6 --max-tokens 64
    .venv/bin/python experiments/reader_variants.py /tmp/r6 [qa/data/reader ...] [--candidates 3]

For each reader folder, the judge's development questions (the shipped policy's development sets and
eval/corpus.jsonl, as scripts/fit_reader_judge.py gathers them) are answered, each policy's judged by
a judge fitted on the other policies. Printed per group (the corpus's 16 policies, which no reader saw;
the shipped policy, whose development sets train the reader): the AUC of P(answered) between answerable
and unanswerable questions, the unanswerable questions caught when 5% and 10% of the answerable ones
are marked (thresholds on these very probabilities, so a comparison between readers, not a promise),
Hit@1 after the judge's reordering, and Hit@1 of the reader alone among the clauses it read.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import fit_reader_judge as fitting  # noqa: E402 - a script, not a package

from qa.reader.judge import clause_order, linear, sigmoid  # noqa: E402
from qa.reader.model import load_reader  # noqa: E402
from qa.reader.stage import Reading  # noqa: E402
from qa.settings import SHIPPED_NAME, Settings  # noqa: E402


def auc(positive: list[float], negative: list[float]) -> float:
    """P(a random answerable question's probability is above a random unanswerable one's), ties half."""
    p, n = np.asarray(positive)[:, None], np.asarray(negative)[None, :]
    return float((p > n).mean() + 0.5 * (p == n).mean())


def measure(folder: Path, settings: Settings) -> dict[str, dict[str, float]]:
    reading = Reading(load_reader(folder, threads=0), fitting.BLANK)
    return report_of(fitting.gather(settings, reading, fitting.CORPUS_SET))


def report_of(examples: list[fitting.Example]) -> dict[str, dict[str, float]]:
    """Each policy's examples judged by a judge fitted on the others'; the figures per group."""
    rows = []
    for policy in dict.fromkeys(e.policy for e in examples):
        judge = fitting.fit([e for e in examples if e.policy != policy], 0.05)
        for e in (e for e in examples if e.policy == policy):
            answered = sigmoid(linear(judge.answered_weights, e.question_features))
            right = bool(e.clause_gold[clause_order(judge, e.clause_features)[0][0]]) if e.answerable else None
            alone = bool(e.clause_gold[int(np.argmax(e.clause_features[:, 1]))]) if e.answerable else None
            rows.append((policy, e.answerable, answered, right, alone))
    report = {}
    for group, keep in (("corpus", lambda p: p != SHIPPED_NAME), ("shipped", lambda p: p == SHIPPED_NAME)):
        mine = [r for r in rows if keep(r[0])]
        positive = [r[2] for r in mine if r[1]]
        negative = [r[2] for r in mine if not r[1]]
        found = {"auc": auc(positive, negative)}
        for share in (0.05, 0.10):
            cut = np.quantile(positive, share)
            found[f"caught at {share:.0%} marked"] = float(np.mean([p < cut for p in negative]))
        found["hit@1 judged"] = float(np.mean([r[3] for r in mine if r[1]]))
        found["hit@1 reader alone"] = float(np.mean([r[4] for r in mine if r[1]]))
        report[group] = {name: round(value, 4) for name, value in found.items()}
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("readers", type=Path, nargs="+")
    parser.add_argument("--candidates", type=int, default=fitting.CANDIDATES, help="clauses the reader reads")
    args = parser.parse_args()
    fitting.CANDIDATES = args.candidates
    settings = Settings.from_env()
    for folder in args.readers:
        print(json.dumps({str(folder): measure(folder, settings)}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
