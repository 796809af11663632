"""The held-out questions that no development question is close to, as a question file to evaluate.

    .venv/bin/python experiments/apart.py eval/heldout4.jsonl --out /tmp/apart.jsonl [--max-cosine 0.85]
    .venv/bin/policyqa eval /tmp/apart.jsonl

Question sets written by different people still ask many of the same questions in nearly the same
words ("Will you notify me if there's a data breach affecting my account?" / "... involving my
information?"), and the adapter and the thresholds learnt from the development sets. A held-out
question counts as apart when its cosine (the plain question vectors) to every development question
(qa.evaluate.DEVELOPMENT_SETS) is below --max-cosine.
Prints the questions left out, each with its nearest development question.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from qa.embedding.torch_model import SentenceTransformerEmbedder
from qa.errors import EvalInputError
from qa.evaluation.questions import DEVELOPMENT_SETS, load_questions
from qa.settings import Settings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("heldout", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--max-cosine", type=float, default=0.85)
    args = parser.parse_args()
    development = [q for path in DEVELOPMENT_SETS for q in load_questions(path)]
    try:
        heldout = load_questions(args.heldout)
    except EvalInputError as error:
        parser.error(str(error))
    embedder = SentenceTransformerEmbedder(Settings.from_env().model)
    similar = (
        embedder.embed_queries([q.question for q in heldout])
        @ embedder.embed_queries([q.question for q in development]).T
    )
    kept = []
    for question, row in zip(heldout, similar, strict=True):
        nearest = int(row.argmax())
        if row[nearest] < args.max_cosine:
            kept.append(question)
        else:
            print(f"left out {question.id} ({row[nearest]:.3f} to {development[nearest].id}): {question.question}")
    lines = [
        json.dumps({"id": q.id, "question": q.question, "answers": list(q.answers), "kind": q.kind, "note": q.note})
        for q in kept
    ]
    args.out.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    print(f"{len(kept)} of {len(heldout)} questions apart (cosine < {args.max_cosine}) -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
