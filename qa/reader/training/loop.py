"""Training the reader: the loss, and the loop over shuffled batches of question groups.

Deterministic for a seed on one machine and thread count: torch's seed is set before the model is built,
batches are shuffled by `qa.reader.training.data.batches`, and `torch.set_num_threads` is fixed.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from qa.reader.model import INPUTS, encode_pairs, pair_tokenizer
from qa.reader.training.config import TrainConfig, linear_schedule, total_steps, warmup_steps
from qa.reader.training.data import Group, batches, flatten
from qa.reader.training.network import HEAD, base_model_path, build

# Steps between two progress lines, and the number of last losses the line averages.
REPORT_EVERY = 50


@dataclass(frozen=True)
class Trained:
    """A trained reader (a torch module in eval mode) and how its training went."""

    model: Any
    steps: int
    final_loss: float  # mean of the last `REPORT_EVERY` steps' losses
    seconds: float
    losses: tuple[float, ...]


def pair_loss(logits: Any, labels: Sequence[int], owner: Sequence[int], weights: Sequence[float], kind: str) -> Any:
    """The loss of one batch: pairs' `logits` (tensor, (pairs,)) with their `labels`, the group of each pair
    (`owner`) and each group's weight (see `data.flatten`).

    "bce": binary cross-entropy of each pair, weighted by its group. "list": for each group holding both
    kinds, -log of the softmax mass on its positives, weighted. "both": their sum. For example logits
    [0, 0] with labels [1, 0] in one group: bce = log 2, list = log(e^0 + e^0) - log(e^0) = log 2, both = 2 log 2.
    """
    import torch

    y = torch.tensor(list(labels), dtype=torch.float32)
    groups = torch.tensor(list(owner))
    group_weight = torch.tensor(list(weights), dtype=torch.float32)
    total = torch.zeros(())
    if kind in ("bce", "both"):
        per_pair = torch.nn.functional.binary_cross_entropy_with_logits(logits, y, reduction="none")
        w = group_weight[groups]
        total = total + (per_pair * w).sum() / w.sum()
    if kind in ("list", "both"):
        terms, used = [], []
        for g in range(len(weights)):
            mine = groups == g
            positives = y[mine] > 0
            if not positives.any() or positives.all():
                continue  # no ranking to learn from a group of one kind
            scores = logits[mine]
            terms.append(torch.logsumexp(scores, 0) - torch.logsumexp(scores[positives], 0))
            used.append(group_weight[g])
        if terms:
            w = torch.stack(used)
            total = total + (torch.stack(terms) * w).sum() / w.sum()
    return total


def _optimiser(model: Any, config: TrainConfig) -> Any:
    """AdamW with the encoder at `lr` and the head at `head_lr` (param groups 0 and 1)."""
    import torch

    head = [p for name, p in model.named_parameters() if name in HEAD]
    body = [p for name, p in model.named_parameters() if name not in HEAD and p.requires_grad]
    groups = [{"params": body, "lr": config.lr}, {"params": head, "lr": config.head_lr}]
    return torch.optim.AdamW(groups, weight_decay=config.weight_decay)


def seed_everything(seed: int, threads: int) -> None:
    """The same run for the same seed (on one machine, with one thread count)."""
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    random.seed(seed)
    np.random.seed(seed)


def train(groups: Sequence[Group], config: TrainConfig, *, progress: Callable[[str], None] = lambda _: None) -> Trained:
    """A reader built from the embedding model (`network.build`) and trained on `groups`, with AdamW,
    linear warm-up then decay, and gradient clipping. `progress` gets a line every `REPORT_EVERY` steps."""
    import torch

    if not groups:
        raise ValueError("no training groups: every question came out without pairs")
    started = time.perf_counter()
    seed_everything(config.seed, config.threads)
    model = build(config.layers, freeze_word_embeddings=not config.train_word_embeddings)
    tokenizer = pair_tokenizer(base_model_path() / "tokenizer.json", config.max_tokens)
    optimiser = _optimiser(model, config)
    base_lrs = [config.lr, config.head_lr]
    total = total_steps(len(groups), config.batch_groups, config.epochs)
    warmup = warmup_steps(total, config.warmup_share)
    losses: list[float] = []
    model.train()
    for epoch in range(config.epochs):
        for batch in batches(groups, config.batch_groups, config.seed, epoch):
            pairs, labels, owner, weights = flatten(batch)
            feeds = encode_pairs(tokenizer, pairs)
            logits = model(*(torch.from_numpy(feeds[name]) for name in INPUTS))
            loss = pair_loss(logits, labels, owner, weights, config.loss)
            factor = linear_schedule(len(losses), total, warmup)
            for group, lr in zip(optimiser.param_groups, base_lrs, strict=True):
                group["lr"] = lr * factor
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), config.clip_norm)
            optimiser.step()
            losses.append(float(loss.detach()))
            if len(losses) % REPORT_EVERY == 0 or len(losses) == total:
                mean = float(np.mean(losses[-REPORT_EVERY:]))
                progress(f"step {len(losses)}/{total} loss {mean:.4f} {time.perf_counter() - started:.0f} s")
    model.eval()
    final = float(np.mean(losses[-REPORT_EVERY:]))
    return Trained(model, len(losses), final, time.perf_counter() - started, tuple(losses))
