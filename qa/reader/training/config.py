"""What a reader training run does: its hyper-parameters, and the learning-rate schedule. Pure."""

from __future__ import annotations

from dataclasses import dataclass

LOSSES = ("bce", "list", "both")
# Transformer layers of all-MiniLM-L6-v2, the model the reader is cut from.
BASE_LAYERS = 6


@dataclass(frozen=True)
class TrainConfig:
    """The hyper-parameters of one run; `scripts/train_reader.py`'s defaults are the shipped model's."""

    layers: int = 6  # bottom layers of the embedding model kept
    max_tokens: int = 64  # word pieces of "[CLS] question [SEP] passage [SEP]"
    negatives: int = 4  # hard negatives per question
    max_positives: int = 2  # gold clauses per question
    epochs: int = 2
    loss: str = "both"  # pointwise "bce", listwise "list", or their sum
    lr: float = 2e-4  # the encoder's
    head_lr: float = 3e-3  # the head's (and the cosine's scale and shift)
    batch_groups: int = 8  # questions per optimiser step
    dev_weight: float = 2.0  # loss weight of a development question (a PolicyQA question weighs 1)
    seed: int = 0
    threads: int = 2  # torch.set_num_threads
    train_word_embeddings: bool = False  # the word-piece table stays frozen by default
    warmup_share: float = 0.1
    clip_norm: float = 1.0
    weight_decay: float = 0.01

    def problem(self) -> str | None:
        """What is wrong with these values, or None.

        >>> TrainConfig(loss="hinge").problem()
        "loss must be one of bce, list, both, not 'hinge'"
        """
        if self.loss not in LOSSES:
            return f"loss must be one of {', '.join(LOSSES)}, not {self.loss!r}"
        for name in ("layers", "max_tokens", "max_positives", "epochs", "batch_groups", "threads"):
            if getattr(self, name) < 1:
                return f"{name} must be at least 1"
        if self.layers > BASE_LAYERS:
            return f"layers must be at most {BASE_LAYERS} (the embedding model has {BASE_LAYERS})"
        if self.negatives < 0:
            return "negatives must be 0 or more"
        if not 0 <= self.warmup_share < 1:
            return "warmup_share must be from 0 to below 1"
        return None


def total_steps(groups: int, per_batch: int, epochs: int) -> int:
    """Optimiser steps of a run: batches per epoch (the last one may be short) times epochs.

    >>> total_steps(17, 8, 2)
    6
    """
    return epochs * -(-groups // per_batch)


def warmup_steps(total: int, share: float) -> int:
    """Steps of linear warm-up: `share` of `total`, at least 1.

    >>> warmup_steps(342, 0.1), warmup_steps(2, 0.1)
    (34, 1)
    """
    return max(1, int(total * share + 1e-9))


def linear_schedule(step: int, total: int, warmup: int) -> float:
    """The learning-rate factor at `step` (from 0): a linear warm-up over `warmup` steps, then a linear
    decay to 0 at `total`.

    >>> [round(linear_schedule(s, 10, 2), 2) for s in (0, 1, 2, 6, 10)]
    [0.5, 1.0, 1.0, 0.5, 0.0]
    """
    if step < warmup:
        return (step + 1) / warmup
    return max(0.0, (total - step) / max(1, total - warmup))
