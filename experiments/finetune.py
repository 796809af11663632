"""Fine-tune the embedding model on PolicyQA (question -> answering segment) pairs (experiment 9).

    .venv/bin/python experiments/finetune.py --policyqa PATH/TO/policyqa/dev.json --out models-ft/fold0 --hold-out 0
    .venv/bin/python experiments/finetune.py --policyqa PATH/TO/policyqa/dev.json --out models-ft/all

sentence-transformers' MultipleNegativesRankingLoss with in-batch negatives (batches are
filled policy by policy, so most negatives are other segments of the same policy; see
`batches`), `--hard-negatives` adds one explicit negative per pair; AdamW, linear warm-up
(10%) and decay, 1 epoch, texts cut at 128 tokens while training, on CPU (about 18 minutes
for 16 policies on the busy 2-core machine). A plain torch loop: `SentenceTransformerTrainer`
needs `datasets` and `accelerate`, which the project does not install.
`--hold-out F` leaves out the policies of fold F (policy i is in fold i % --folds, as in
qa/benchmark.py), so that fold can be evaluated on a model that never saw it.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

from qa.embedding.model_files import resolve_model_path
from qa.embedding.torch_model import load_sentence_transformer
from qa.evaluation.policyqa_file import load_policyqa
from qa.settings import DEFAULT_MODEL
from qa.vocabulary import tokenize

Pair = tuple[str, str, str, frozenset[str]]  # question, positive, hard negative, every answering segment


def training_pairs(path: Path, *, hold_out: int | None, folds: int, seed: int) -> list[list[Pair]]:
    """Per policy: (question, answering segment, a non-answering segment of that policy, all its answers)."""
    rng = random.Random(seed)
    policies = load_policyqa(path)
    pool = [s for policy in policies for s in policy.segments]
    grouped = []
    for i, policy in enumerate(policies):
        if hold_out is not None and i % folds == hold_out:
            continue
        pairs = []
        for question in policy.questions:
            answers = frozenset(policy.segments[j] for j in question.relevant)
            # A question every segment answers (rare) takes its negative from anywhere.
            others = [s for s in policy.segments if s not in answers] or pool
            pairs.extend(
                (question.question, policy.segments[j], rng.choice(others), answers) for j in question.relevant
            )
        grouped.append(pairs)
    return grouped


def batches(grouped: list[list[Pair]], size: int, seed: int) -> list[list[Pair]]:
    """Batches of `size` filled in policy order (policies and pairs shuffled), so most in-batch
    negatives are other segments of the same few policies (the task ranks segments within a
    policy). No batch holds a question or positive twice, nor a positive that answers another
    question of the batch (a false negative)."""
    rng = random.Random(seed)
    order = [pairs[:] for pairs in grouped]
    rng.shuffle(order)
    for pairs in order:
        rng.shuffle(pairs)
    pending = [pair for pairs in order for pair in pairs]
    out: list[list[Pair]] = []
    while pending:
        batch: list[Pair] = []
        rest = []
        for pair in pending:
            clash = len(batch) >= size or any(
                pair[0] == b[0] or pair[1] == b[1] or pair[1] in b[3] or b[1] in pair[3] for b in batch
            )
            (rest if clash else batch).append(pair)
        out.append(batch)
        pending = rest
    rng.shuffle(out)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--policyqa", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--hold-out", type=int, help="leave out this fold's policies")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=3e-5)
    parser.add_argument("--warmup", type=float, default=0.1)
    parser.add_argument("--hard-negatives", action="store_true", help="add a third column (1.5x the cost)")
    parser.add_argument("--max-seq-length", type=int, default=128, help="while training (segments: median 59 words)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    import torch
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss
    from transformers import get_linear_schedule_with_warmup

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    started = time.perf_counter()
    model = load_sentence_transformer(resolve_model_path(args.model))
    embed_length = model.max_seq_length
    model.max_seq_length = args.max_seq_length
    grouped = training_pairs(args.policyqa, hold_out=args.hold_out, folds=args.folds, seed=args.seed)
    plan = [b for epoch in range(args.epochs) for b in batches(grouped, args.batch_size, args.seed + epoch)]
    pairs = sum(map(len, grouped))
    loss_fn = MultipleNegativesRankingLoss(model)
    optimiser = torch.optim.AdamW(model.parameters(), lr=args.lr)
    schedule = get_linear_schedule_with_warmup(optimiser, int(args.warmup * len(plan)), len(plan))
    columns = 3 if args.hard_negatives else 2
    sizes = sorted(map(len, plan))
    print(f"{pairs} pairs, {len(plan)} steps (batch median {sizes[len(sizes) // 2]}), {columns} columns", flush=True)
    model.train()
    for step, batch in enumerate(plan, 1):
        features = [tokenize(model, [t[c] for t in batch]) for c in range(columns)]
        loss = loss_fn(features, labels=None)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimiser.step()
        schedule.step()
        optimiser.zero_grad()
        if step <= 3 or step % 10 == 0 or step == len(plan):
            print(f"step {step}/{len(plan)} loss {loss.item():.3f} {time.perf_counter() - started:.0f} s", flush=True)
    model.eval()
    model.max_seq_length = embed_length  # what the project embeds with
    args.out.mkdir(parents=True, exist_ok=True)
    model.save(str(args.out))
    print(f"trained in {time.perf_counter() - started:.0f} s -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
