"""Cross-validate the reader by policy on PolicyQA dev (a development step, not run by users).

    .venv/bin/python scripts/cross_validate_reader.py --policyqa PATH/TO/policyqa/dev.json --out FOLDER

The shipped reader is trained on every PolicyQA dev policy, so `policyqa eval --policyqa dev.json --shipped`
flatters it. Here the 20 policies are split into `--folds` folds (titles sorted, the i-th in fold i % folds,
as `scripts/train_reader.py --hold-out-fold` does), and for each fold K:
1. Training: `nice -n 10 scripts/train_reader.py --policyqa FILE --out OUT/fold-K --hold-out-fold K --folds N`,
   the shipped settings (its defaults, the development sets included) without fold K's policies; its log is
   OUT/fold-K/train.log, and the shipped judge (qa/data/reader/judge.json) is copied beside the model.
2. A query adapter trained as scripts/train_adapter.py trains the shipped one (the PolicyQA policies and the
   development sets x10, 3 epochs) without fold K's policies, into OUT/fold-K/query-adapter.npy.
3. Evaluation of fold K's policies as `policyqa eval --policyqa FILE --shipped` scores them
   (`qa.evaluation.benchmark.score_policy`, system "policyqa-shipped": `PolicyQA.over`), with the fold's reader
   and judge and with `use_reader=False`, each with the fold's adapter ("held-out reader", "held-out no-reader":
   no learned part saw the policies) and with the shipped adapter, which saw them ("reader", "no-reader");
   the benchmark's other systems on the same questions come along for reference.
   Results, with every question's outcome, go to OUT/fold-K.json.
At the end OUT/summary.json and OUT/summary.md: Hit@1/3/5 and MRR@10 per fold and pooled over the folds' questions
(`qa.evaluation.metrics.aggregate` over the pooled outcomes). A rerun skips the folds already done (a trained
model whose sidecar records the same held-out fold is not trained again), so it resumes after an interruption.

Time: each fold trains in about 15-20 minutes on 2 cores (ranking the candidates included) and evaluates in a
few minutes; about 1.5-2 hours for 5 folds, more when the machine is busy.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from qa.embedding.factory import create_index_embedder
from qa.evaluation.benchmark import SHIPPED, QueryCache, prepare, score_policy
from qa.evaluation.metrics import COLUMNS, Metrics, Outcome, aggregate
from qa.evaluation.policyqa_file import BenchPolicy, load_policyqa
from qa.evaluation.questions import DEVELOPMENT_SETS, load_questions
from qa.evaluation.training import question_group
from qa.reader.model import SHIPPED_READER, SIDECAR
from qa.reader.stage import JUDGE_FILE
from qa.search.adapter import QueryAdapter, save_adapter, train_query_adapter
from qa.settings import Settings

TRAIN_SCRIPT = Path(__file__).resolve().with_name("train_reader.py")
REPO = TRAIN_SCRIPT.parent.parent
WITH, WITHOUT = "reader", "no-reader"
HELD_WITH, HELD_WITHOUT = "held-out reader", "held-out no-reader"
ADAPTER_FILE = "query-adapter.npy"
DEV_REPEAT, ADAPTER_EPOCHS = 10, 3  # scripts/train_adapter.py's defaults, the shipped adapter's
# The benchmark's other systems, reported beside (they do not depend on the fold's reader).
REFERENCE = ("policyqa-no-adapter", "bm25", "dense")
SHOWN = COLUMNS[:4]  # Hit@1, Hit@3, Hit@5, MRR@10


def say(line: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {line}", file=sys.stderr, flush=True)


def held_out_of(folder: Path, fold: int, folds: int) -> list[str] | None:
    """The policies the reader in `folder` was trained without, if its sidecar says fold `fold` of `folds`."""
    try:
        record = json.loads((folder / SIDECAR).read_text(encoding="utf-8")).get("held_out") or {}
    except (OSError, ValueError):
        return None
    if record.get("fold") != fold or record.get("folds") != folds:
        return None
    return list(record["policies"])


def train_fold(policyqa: Path, folder: Path, fold: int, folds: int) -> list[str]:
    """Train fold `fold`'s reader into `folder` unless it is there; copy the shipped judge beside it.
    Returns the held-out policies' titles."""
    if held_out_of(folder, fold, folds) is None:
        folder.mkdir(parents=True, exist_ok=True)
        command = ["nice", "-n", "10", sys.executable, str(TRAIN_SCRIPT), "--policyqa", str(policyqa)]
        command += ["--out", str(folder), "--hold-out-fold", str(fold), "--folds", str(folds)]
        say(f"fold {fold}: training ({' '.join(command)})")
        with (folder / "train.log").open("w", encoding="utf-8") as log:
            subprocess.run(command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, check=True)
    shutil.copyfile(SHIPPED_READER / JUDGE_FILE, folder / JUDGE_FILE)
    titles = held_out_of(folder, fold, folds)
    if titles is None:
        raise RuntimeError(f"{folder / SIDECAR} does not record fold {fold} of {folds}; see {folder / 'train.log'}")
    return titles


def training_record(folder: Path) -> dict[str, Any]:
    """What the fold's training took and made: from its sidecar and the last line of its log."""
    sidecar = json.loads((folder / SIDECAR).read_text(encoding="utf-8"))
    found = re.search(r"ranking (\d+) s; (\d+) s in all", (folder / "train.log").read_text(encoding="utf-8"))
    return {
        "ranking_seconds": int(found.group(1)) if found else None,
        "total_seconds": int(found.group(2)) if found else None,
        "train_loop_seconds": sidecar["train_seconds"],
        "steps": sidecar["steps"],
        "final_loss": sidecar["final_loss"],
        "questions": sidecar["training_data"]["questions"],
        "sha256": sidecar["sha256"],
        "command": sidecar["train_command"],
    }


def train_fold_adapter(
    everything: Sequence[BenchPolicy], titles: list[str], settings: Settings, embedder: QueryCache, path: Path
) -> None:
    """The shipped adapter's recipe without the policies `titles`, saved at `path`."""
    groups = [prepare(policy, embedder).group for policy in everything if policy.title not in titles]
    answerable = [q for set_path in DEVELOPMENT_SETS for q in load_questions(set_path) if q.answers]
    groups.append(question_group(answerable, settings, embedder))
    matrix = train_query_adapter(groups, repeats=[1] * (len(groups) - 1) + [DEV_REPEAT], epochs=ADAPTER_EPOCHS)
    note = f"PolicyQA dev without {', '.join(titles)} ({len(groups) - 1} policies) + development sets x{DEV_REPEAT}"
    save_adapter(QueryAdapter(matrix, embedder.fingerprint, note), path)


def outcomes_of(
    everything: Sequence[BenchPolicy], titles: list[str], settings: Settings, reader: Path
) -> dict[str, list[Outcome]]:
    """Outcomes on the policies `titles` of the shipped system with the reader in `reader` and without a
    reader, each with a query adapter trained without those policies and with the shipped one, and the
    benchmark's reference systems."""
    embedder = QueryCache(create_index_embedder(settings))
    embedder.prime([q.question for policy in everything for q in policy.questions])
    adapter = reader / ADAPTER_FILE
    train_fold_adapter(everything, titles, settings, embedder, adapter)
    held = replace(settings, use_adapter=True, adapter_path=adapter)
    variants = {
        HELD_WITH: replace(held, use_reader=True, reader_path=reader),
        HELD_WITHOUT: replace(held, use_reader=False),
        WITH: replace(settings, use_adapter=True, use_reader=True, reader_path=reader),
        WITHOUT: replace(settings, use_adapter=True, use_reader=False),
    }
    out: dict[str, list[Outcome]] = {name: [] for name in (*variants, *REFERENCE)}
    for policy in (policy for policy in everything if policy.title in titles):
        prepared = prepare(policy, embedder)
        for name, variant in variants.items():
            scored = score_policy(prepared, embedder, variant, None, shipped=True)
            out[name] += scored[SHIPPED]
            if name == WITH:
                for other in REFERENCE:
                    out[other] += scored[other]
    return out


def evaluate_fold(policyqa: Path, out: Path, fold: int, folds: int) -> None:
    """Train (unless trained) and evaluate fold `fold`, writing OUT/fold-K.json."""
    folder = out / f"fold-{fold}"
    titles = train_fold(policyqa, folder, fold, folds)
    everything = load_policyqa(policyqa)
    policies = [policy for policy in everything if policy.title in titles]
    settings = Settings.from_env()
    say(f"fold {fold}: evaluating {len(policies)} policies ({', '.join(titles)})")
    started = time.perf_counter()
    outcomes = outcomes_of(everything, titles, settings, folder)
    result: dict[str, Any] = {
        "fold": fold,
        "folds": folds,
        "held_out": titles,
        "counts": {"policies": len(policies), "pairs": sum(len(p.questions) for p in policies)},
        "training": training_record(folder),
        "eval_seconds": round(time.perf_counter() - started, 1),
        "settings": {"model": settings.model, "covered_threshold": settings.covered_threshold, "reader": str(folder)},
        "metrics": {name: aggregate(rows).to_json() for name, rows in outcomes.items()},
        "outcomes": {name: [asdict(row) for row in rows] for name, rows in outcomes.items()},
    }
    (out / f"fold-{fold}.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    say(f"fold {fold}: {json.dumps(result['metrics'][WITH])} with the reader")


def read_outcomes(rows: list[dict[str, Any]]) -> list[Outcome]:
    return [Outcome(**{**row, "gold": tuple(row["gold"]), "ranked": tuple(row["ranked"])}) for row in rows]


def cells(metrics: Metrics) -> str:
    values = metrics.values()
    return " | ".join("-" if values[key] is None else f"{values[key]:.3f}" for key, _ in SHOWN)


def summarise(out: Path, folds: int) -> dict[str, Any]:
    """summary.json and summary.md of the folds done so far: metrics per fold and pooled over their questions."""
    results = [
        json.loads(p.read_text(encoding="utf-8")) for k in range(folds) if (p := out / f"fold-{k}.json").is_file()
    ]
    systems = list(results[0]["outcomes"]) if results else []
    pooled = {name: aggregate([o for r in results for o in read_outcomes(r["outcomes"][name])]) for name in systems}
    per_fold = {r["fold"]: {name: aggregate(read_outcomes(r["outcomes"][name])) for name in systems} for r in results}
    summary: dict[str, Any] = {
        "folds_done": [r["fold"] for r in results],
        "folds": folds,
        "assignment": {r["fold"]: r["held_out"] for r in results},
        "training": {r["fold"]: r["training"] for r in results},
        "per_fold": {k: {name: m.to_json() for name, m in row.items()} for k, row in per_fold.items()},
        "pooled": {name: m.to_json() for name, m in pooled.items()},
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    header = " | ".join(title for _, title in SHOWN)
    lines = [f"| fold | system | questions (answerable) | {header} |", "|" + " --- |" * (len(SHOWN) + 3)]
    rows = [*((str(k), row) for k, row in per_fold.items()), ("pooled", pooled)]
    for label, row in rows:
        for name, metrics in row.items():
            lines.append(f"| {label} | {name} | {metrics.questions} ({metrics.answerable}) | {cells(metrics)} |")
    done = ", ".join(str(k) for k in summary["folds_done"])
    title = f"Reader cross-validated by policy on PolicyQA dev: folds {done} of {folds}"
    (out / "summary.md").write_text(f"# {title}\n\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return summary


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--policyqa", type=Path, required=True, help="PolicyQA's dev.json")
    p.add_argument("--out", type=Path, required=True, help="receives each fold's models and results")
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--only", type=int, nargs="+", metavar="K", help="these folds only (default: all)")
    args = p.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for fold in args.only if args.only is not None else range(args.folds):
        if (args.out / f"fold-{fold}.json").is_file():
            say(f"fold {fold}: done already")
        else:
            evaluate_fold(args.policyqa.resolve(), args.out, fold, args.folds)
        summarise(args.out, args.folds)
    print((args.out / "summary.md").read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
