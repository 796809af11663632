"""PolicyQA scores of one embedding model on held-out folds of policies (experiment 9).

    .venv/bin/python experiments/ft_policyqa.py --policyqa PATH/TO/policyqa/dev.json --model MODEL --fold 0 [--json]

Every policy is indexed with MODEL by the project's pipeline (qa.benchmark.prepare); for
each --fold F (policy i is in fold i % 5, as in qa/benchmark.py) a query adapter is trained
on the other folds' policies only, and fold F's policies are scored by the project with
and without that adapter and by the dense baseline (qa.benchmark.score_policy). A model
fine-tuned with `experiments/finetune.py --hold-out F` never saw fold F either.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from qa.embedding.torch_model import SentenceTransformerEmbedder
from qa.evaluation.benchmark import QueryCache, prepare, score_policy
from qa.evaluation.metrics import aggregate, format_table
from qa.evaluation.policyqa_file import load_policyqa
from qa.search.adapter import QueryAdapter, train_query_adapter
from qa.settings import Settings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--policyqa", type=Path, required=True)
    parser.add_argument("--model", required=True, help="a packaged model name or a local folder")
    parser.add_argument("--fold", type=int, action="append", required=True)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    settings = Settings(model=args.model, backend="torch", use_adapter=False)
    embedder = QueryCache(SentenceTransformerEmbedder(args.model, threads=args.threads))
    policies = load_policyqa(args.policyqa)
    embedder.prime([q.question for p in policies for q in p.questions])
    prepared = [prepare(p, embedder) for p in policies]
    report: dict[str, dict[str, object]] = {}
    for fold in args.fold:
        train = [p.group for i, p in enumerate(prepared) if i % args.folds != fold]
        adapter = QueryAdapter(train_query_adapter(train), embedder.fingerprint, f"fold {fold}")
        rows: dict[str, list] = {}
        for i in range(fold, len(prepared), args.folds):
            for name, outcomes in score_policy(prepared[i], embedder, settings, adapter).items():
                rows.setdefault(name, []).extend(outcomes)
        metrics = {name: aggregate(outcomes) for name, outcomes in rows.items() if name != "bm25"}
        report[f"fold {fold}"] = {name: m.to_json() for name, m in metrics.items()}
        if not args.json:
            print(format_table({f"fold {fold} {name}": m for name, m in metrics.items()}, label=args.model))
    if args.json:
        print(json.dumps({"model": args.model, "folds": report}, indent=2))
    print(f"{time.perf_counter() - started:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
