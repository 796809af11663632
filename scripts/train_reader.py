"""Train the reader shipped in qa/data/reader/ (a development step, not run by users).

    .venv/bin/python scripts/train_reader.py --policyqa PATH/TO/policyqa/dev.json [--out qa/data/reader]

One command, about 15-20 minutes on 2 CPU cores (the shipped model: 17-18 minutes on a quiet machine):
1. Candidates: the project's pipeline (`PolicyQA` WITHOUT the query adapter and the reader, so no learned
   part picks the negatives) ranks every clause for every question: each policy of the PolicyQA file
   indexed on its own (as `policyqa eval --policyqa` does), and the shipped policy for the development
   sets (`--questions`).
2. Pairs: each question's gold clauses and its best-ranked other clauses (hard negatives), read as the
   reader reads them (`qa.reader.passages`); development questions weigh `--dev-weight`.
3. Training: the cross-encoder cut from the embedding model's bottom `--layers` (`qa.reader.training`).
4. Export: ONNX, int8, and the sidecar reader.json (provenance, hyper-parameters, this command) into `--out`;
   other files there (the judge, fitted on the reader's scores by scripts/fit_reader_judge.py) are kept,
   and need fitting again for a new model.

Cross-validation by policy (scripts/cross_validate_reader.py): `--hold-out-fold K [--folds 5]` leaves fold K's
PolicyQA policies out of the training (the policies' titles sorted; the i-th goes to fold i % folds, K from 0)
and records them in the sidecar's "held_out"; everything else is as without it.

The held-out sets (eval/heldout*.jsonl) are refused: they measure the system. So is eval/corpus.jsonl and
any set about other policies as `--questions`: the corpus's policies stay unseen, so the reader can be
measured on them. For the experiment of training on them too (experiments/corpus_trained_reader.py),
`--corpus-hold-out K [--corpus-folds 2]` adds eval/corpus.jsonl's questions about the policies outside corpus
fold K (names sorted, the i-th in fold i % folds), weighted as the development sets, and records the fold
left out in the sidecar's "corpus_held_out"; such a reader is never the shipped one.
The defaults are the shipped model's settings; the same command on the same machine gives the same model.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import shlex
import sys
import time
from dataclasses import replace
from pathlib import Path

from qa.answer import PolicyQA
from qa.embedding.base import Embedder
from qa.embedding.factory import create_embedder
from qa.embedding.model_files import model_fingerprint
from qa.errors import QAError
from qa.evaluation.benchmark import QueryCache, prepare
from qa.evaluation.corpus import policy_indexes
from qa.evaluation.policyqa_file import load_policyqa
from qa.evaluation.questions import DEVELOPMENT_SETS, EVAL_DIR, check_gold, development_problem, load_questions
from qa.library.names import locate
from qa.reader.model import SHIPPED_READER, SIDECAR, load_reader
from qa.reader.training.candidates import POLICYQA, RankedQuestion, candidates_of, counts
from qa.reader.training.config import LOSSES, TrainConfig
from qa.reader.training.data import Group, training_groups
from qa.reader.training.export import CHECK_PAIRS, export_reader, out_problem, write_files
from qa.reader.training.loop import train
from qa.reader.training.network import base_model_path
from qa.reader.training.sidecar import Provenance
from qa.settings import Settings
from qa.store.build import open_index
from qa.store.records import Store

# Pairs of the training set the export is also checked on (int8 against fp32 and torch).
CHECK_SAMPLE = 200
CORPUS_SET = EVAL_DIR / "corpus.jsonl"
FOLD_RULE = "policy titles (names for the corpus) sorted; the i-th (from 0) is in fold i % folds"


def say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def ranked_questions(
    qa: PolicyQA, store: Store, questions: list[tuple[str, tuple[str, ...]]], source: str, weight: float
) -> list[RankedQuestion]:
    """Each (question, gold clause ids) with every clause of `store` as `qa` ranks them, best first
    (`qa` is built as `PolicyQA(store, embedder, settings)`: no adapter, no reader)."""
    every = len(store.policy.clauses)
    return [
        RankedQuestion(question, candidates_of(qa.ask(question, every).hits), gold, source, weight)
        for question, gold in questions
    ]


def fold_titles(titles: list[str], fold: int, folds: int) -> tuple[str, ...]:
    """The titles in `fold` of `folds` (`FOLD_RULE`), sorted.

    >>> fold_titles(["c", "a", "b", "d"], 1, 2)
    ('b', 'd')
    """
    return tuple(title for i, title in enumerate(sorted(titles)) if i % folds == fold)


def held_out_policies(path: Path, fold: int | None, folds: int) -> tuple[str, ...]:
    """The titles of the PolicyQA file's policies that fold `fold` leaves out (none when `fold` is None)."""
    if fold is None:
        return ()
    return fold_titles([bench.title for bench in load_policyqa(path)], fold, folds)


def policyqa_candidates(
    path: Path, embedder: Embedder, settings: Settings, held_out: tuple[str, ...] = ()
) -> list[RankedQuestion]:
    """Every (policy, question) pair of a PolicyQA file, each policy indexed on its own, but for the
    policies titled in `held_out`."""
    benches = [bench for bench in load_policyqa(path) if bench.title not in held_out]
    cache = QueryCache(embedder)
    cache.prime([q.question for bench in benches for q in bench.questions])
    out: list[RankedQuestion] = []
    for bench in benches:
        prepared = prepare(bench, cache)
        store = prepared.store
        out += ranked_questions(PolicyQA(store, cache, settings), store, prepared.gold(), POLICYQA, 1.0)
    return out


def development_candidates(
    paths: list[Path], embedder: Embedder, settings: Settings, weight: float
) -> list[RankedQuestion]:
    """The development questions about the shipped policy (its answerable and unanswerable ones)."""
    store = open_index(locate(None, settings), embedder)
    qa = PolicyQA(store, embedder, settings)
    out: list[RankedQuestion] = []
    for path in paths:
        questions = load_questions(path)
        check_gold(questions, store.policy)
        out += ranked_questions(qa, store, [(q.question, q.answers) for q in questions], path.name, weight)
    return out


def corpus_candidates(
    path: Path, embedder: Embedder, settings: Settings, held_out: tuple[str, ...], weight: float
) -> list[RankedQuestion]:
    """The questions of a corpus question set (`eval/corpus.jsonl`) about the policies not in `held_out`,
    each policy indexed from its document in the corpus folder."""
    questions = [q for q in load_questions(path) if q.policy not in held_out]
    out: list[RankedQuestion] = []
    for _, store, asked in policy_indexes(questions, settings, embedder):
        about = [(q.question, gold) for q, gold in asked]
        out += ranked_questions(PolicyQA(store, embedder, settings), store, about, path.name, weight)
    return out


def corpus_policies(path: Path) -> list[str]:
    """The policies a corpus question set asks about, in the order they first appear."""
    return list(dict.fromkeys(q.policy for q in load_questions(path)))


def questions_problem(paths: list[Path]) -> str | None:
    """Why the question sets `paths` must not train the reader, or None."""
    if problem := development_problem(paths, "train the reader"):
        return problem
    corpus = (EVAL_DIR / "corpus.jsonl").resolve()
    for path in paths:
        if path.resolve() == corpus or any(q.policy for q in load_questions(path)):
            return f"{path} is about the corpus's policies, which stay unseen so the reader can be measured on them"
    return None


def check_sample(groups: list[Group]) -> list[tuple[str, str]]:
    """About `CHECK_SAMPLE` training pairs spread over the groups, the same ones every run."""
    step = max(1, len(groups) * 5 // CHECK_SAMPLE)
    return [(g.question, p) for g in groups[::step] for p in g.passages][:CHECK_SAMPLE]


def parse_args() -> tuple[argparse.Namespace, TrainConfig]:
    defaults = TrainConfig()
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--policyqa", type=Path, required=True, help="PolicyQA's dev.json (github.com/wasiahmad/PolicyQA)")
    p.add_argument("--questions", type=Path, nargs="+", default=list(DEVELOPMENT_SETS), help="development sets")
    p.add_argument("--out", type=Path, default=SHIPPED_READER, help="receives reader-int8.onnx and reader.json")
    p.add_argument("--layers", type=int, default=defaults.layers)
    p.add_argument("--max-tokens", type=int, default=defaults.max_tokens)
    p.add_argument("--negatives", type=int, default=defaults.negatives)
    p.add_argument("--max-positives", type=int, default=defaults.max_positives)
    p.add_argument("--epochs", type=int, default=defaults.epochs)
    p.add_argument("--loss", choices=LOSSES, default=defaults.loss)
    p.add_argument("--lr", type=float, default=defaults.lr)
    p.add_argument("--head-lr", type=float, default=defaults.head_lr)
    p.add_argument("--batch-groups", type=int, default=defaults.batch_groups)
    p.add_argument("--dev-weight", type=float, default=defaults.dev_weight)
    p.add_argument("--seed", type=int, default=defaults.seed)
    p.add_argument("--threads", type=int, default=defaults.threads)
    p.add_argument("--train-word-embeddings", action="store_true", help="default: the word-piece table stays frozen")
    p.add_argument("--hold-out-fold", type=int, metavar="K", help=f"leave fold K's policies out ({FOLD_RULE})")
    p.add_argument("--folds", type=int, default=5, help="folds of the PolicyQA policies, with --hold-out-fold")
    p.add_argument(
        "--corpus-hold-out", type=int, metavar="K",
        help="also train on eval/corpus.jsonl's questions, but for corpus fold K's policies (names sorted, "
        "the i-th in fold i %% --corpus-folds), which stay unseen for measuring",
    )
    p.add_argument("--corpus-folds", type=int, default=2, help="folds of the corpus's policies, with --corpus-hold-out")
    args = p.parse_args()
    names = ("layers", "max_tokens", "negatives", "max_positives", "epochs", "loss", "lr", "head_lr")
    more = ("batch_groups", "dev_weight", "seed", "threads", "train_word_embeddings")
    config = TrainConfig(**{name: getattr(args, name) for name in (*names, *more)})
    if problem := config.problem() or questions_problem(args.questions) or out_problem(args.out):
        p.error(problem)
    if not args.policyqa.is_file():
        p.error(f"PolicyQA file {args.policyqa} not found; get dev.json from github.com/wasiahmad/PolicyQA (data/)")
    if args.hold_out_fold is not None and not 0 <= args.hold_out_fold < args.folds:
        p.error(f"--hold-out-fold must be from 0 to {args.folds - 1} (--folds {args.folds})")
    if args.corpus_hold_out is not None and not 0 <= args.corpus_hold_out < args.corpus_folds:
        p.error(f"--corpus-hold-out must be from 0 to {args.corpus_folds - 1} (--corpus-folds {args.corpus_folds})")
    if args.corpus_hold_out is not None and args.out.resolve() == SHIPPED_READER.resolve():
        p.error("a reader trained on some of the corpus's policies is not the shipped one; pass --out")
    if args.hold_out_fold is not None and args.out.resolve() == SHIPPED_READER.resolve():
        p.error("a reader trained without some policies is not the shipped one; pass --out")
    return args, config


def record_left_out(
    out: Path, record: dict[str, object], key: str, fold: int, folds: int, names: tuple[str, ...]
) -> None:
    """Add to the sidecar in `out` (its JSON object `record`, updated in place) under `key` which policies the
    training left out: fold `fold` of `folds` (`FOLD_RULE`)."""
    record[key] = {"fold": fold, "folds": folds, "rule": FOLD_RULE, "policies": list(names)}
    write_files({SIDECAR: (json.dumps(record, indent=2) + "\n").encode()}, out)


def main() -> int:
    args, config = parse_args()
    started = time.perf_counter()
    settings = replace(Settings.from_env(), use_adapter=False, max_k=1_000_000)
    embedder = create_embedder(settings)
    held_out = held_out_policies(args.policyqa, args.hold_out_fold, args.folds)
    questions = policyqa_candidates(args.policyqa, embedder, settings, held_out)
    questions += development_candidates(args.questions, embedder, settings, config.dev_weight)
    unseen: tuple[str, ...] = ()
    if args.corpus_hold_out is not None:
        unseen = fold_titles(corpus_policies(CORPUS_SET), args.corpus_hold_out, args.corpus_folds)
        questions += corpus_candidates(CORPUS_SET, embedder, settings, unseen, config.dev_weight)
    ranked_seconds = time.perf_counter() - started
    say(f"ranked {len(questions)} questions in {ranked_seconds:.0f} s: {counts(questions)}")
    options = {"negatives": config.negatives, "max_positives": config.max_positives, "max_tokens": config.max_tokens}
    groups = training_groups(questions, **options)
    pairs = sum(len(g.labels) for g in groups)
    say(f"{len(groups)} groups, {pairs} pairs per epoch")
    trained = train(groups, config, progress=say)
    provenance = Provenance(
        policyqa_file=args.policyqa.name,
        policyqa_sha256=hashlib.sha256(args.policyqa.read_bytes()).hexdigest(),
        question_sets=tuple(path.name for path in args.questions),
        questions=counts(questions),
        groups=len(groups),
        pairs=pairs,
        steps=trained.steps,
        final_loss=trained.final_loss,
        train_seconds=trained.seconds,
        command=shlex.join(sys.argv),
        date=datetime.date.today().isoformat(),
        negatives_from=f"PolicyQA without the query adapter; fusion weights {settings.weights}, {settings.backend}",
        base_fingerprint=model_fingerprint(base_model_path()),
    )
    record = export_reader(trained.model, args.out, config=config, provenance=provenance, sample=check_sample(groups))
    if args.hold_out_fold is not None:
        record_left_out(args.out, record, "held_out", args.hold_out_fold, args.folds, held_out)
        say(f"held out fold {args.hold_out_fold} of {args.folds}: {', '.join(held_out)}")
    if args.corpus_hold_out is not None:
        record_left_out(args.out, record, "corpus_held_out", args.corpus_hold_out, args.corpus_folds, unseen)
        say(f"corpus policies left out: {', '.join(unseen)}")
    load_reader(args.out).logits(list(CHECK_PAIRS))  # the shipped files load and run
    total = time.perf_counter() - started
    checks = record["checks"]["int8_vs_fp32"]
    say(f"int8 against fp32 on {record['checks']['pairs']} pairs: {checks}")
    print(
        f"trained in {trained.seconds:.0f} s ({trained.steps} steps, final loss {trained.final_loss:.4f}); "
        f"ranking {ranked_seconds:.0f} s; {total:.0f} s in all -> {args.out}"
    )
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except QAError as error:
        sys.exit(f"train_reader: {error}")
