"""Does training the reader on real policies' questions help on real policies it never saw?

    .venv/bin/python scripts/train_reader.py --policyqa dev.json --out /tmp/rc0 --corpus-hold-out 0
    .venv/bin/python scripts/train_reader.py --policyqa dev.json --out /tmp/rc1 --corpus-hold-out 1
    .venv/bin/python experiments/corpus_trained_reader.py /tmp/rc0 /tmp/rc1 [--baseline qa/data/reader]

The corpus's 16 policies (eval/corpus.jsonl) are split in two folds (`train_reader.py --corpus-hold-out`);
each fold's reader was trained on the other fold's questions besides PolicyQA and the development sets.
Every corpus policy's questions are read by the reader that never saw them, the shipped policy's by the
first reader (in-sample for every reader, as for the shipped one), and the judge is fitted leave one policy
out over these examples (`scripts/fit_reader_judge.py`'s `cross_validated`), so each corpus figure comes
from a reader and a judge that never saw the policy. The baseline reader (by default the shipped one, which
saw no corpus question) is measured the same way. Printed per reader: the leave-one-policy-out figures at
the 5% threshold, and for the corpus the AUC of P(answered), the unanswerable questions caught when 5% and
10% of the answerable ones are marked (thresholds on the same probabilities: to compare readers only),
Hit@1 after the judge's order and of the reader alone among the clauses it read.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # its sibling experiments
import fit_reader_judge as fitting  # noqa: E402 - a script, not a package
from reader_variants import report_of  # noqa: E402 - a sibling experiment

from qa.reader.model import SIDECAR, load_reader  # noqa: E402
from qa.reader.stage import Reading  # noqa: E402
from qa.settings import PACKAGE, SHIPPED_NAME, Settings  # noqa: E402


def examples_of(folder: Path, settings: Settings) -> list[fitting.Example]:
    reading = Reading(load_reader(folder, threads=0), fitting.BLANK)
    return fitting.gather(settings, reading, fitting.CORPUS_SET)


def unseen_of(folder: Path) -> set[str]:
    return set(json.loads((folder / SIDECAR).read_text())["corpus_held_out"]["policies"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("readers", type=Path, nargs="+", help="readers trained with --corpus-hold-out, one a fold")
    parser.add_argument("--baseline", type=Path, default=PACKAGE / "data" / "reader")
    args = parser.parse_args()
    settings = Settings.from_env()
    combined: list[fitting.Example] = []
    for i, folder in enumerate(args.readers):
        unseen = unseen_of(folder)
        read = examples_of(folder, settings)
        combined += [e for e in read if e.policy in unseen or (i == 0 and e.policy == SHIPPED_NAME)]
    covered = {e.policy for e in combined} - {SHIPPED_NAME}
    print(f"corpus policies read by a reader that never saw them: {len(covered)}", file=sys.stderr)
    baseline = examples_of(args.baseline, settings)
    for name, examples in (("corpus-trained, cross-validated", combined), (str(args.baseline), baseline)):
        report = {"threshold 5%": fitting.cross_validated(examples, 0.05), "corpus": report_of(examples)["corpus"]}
        print(json.dumps({name: report}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
