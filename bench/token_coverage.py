"""Measure-only: does every salient word of a question have a close match among the policy's words?

    .venv/bin/pip install wordfreq   # not a project dependency
    .venv/bin/python bench/token_coverage.py --policyqa PATH/TO/policyqa/dev.json [--policies 8 --per-policy 60]

For each question, the contextual token vectors of MiniLM's last layer (word pieces averaged into
words) are compared with every word vector of the policy's sentences. A question word is salient
when it is not a stopword, not a generic privacy word, and rarer in English than Zipf `z` (wordfreq).
The question's score is the lowest best-match cosine of its salient words; a low score means some
concept of the question appears nowhere in the policy. Prints, for a grid of (z, threshold), the
shares marked not covered when this check is added to the shipped decision: development unanswerable
and answerable questions, the extra unanswerable set, and answerable PolicyQA pairs (first
--policies policies, --per-policy questions each; for these the column counts this check alone, the
shipped decision marks 0.038 of all PolicyQA pairs). About a minute. Nothing here is used by the
shipped system.
eval/heldout.jsonl is never read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa.answer import PolicyQA  # noqa: E402
from qa.embed import SentenceTransformerEmbedder, tokenize  # noqa: E402
from qa.evaluate import load_questions  # noqa: E402
from qa.lexical import STOPWORDS  # noqa: E402
from qa.policyqa_file import load_policyqa  # noqa: E402

GENERIC = frozenset(
    (  # noqa: SIM905 - a word list reads best as text
        "information data personal policy privacy use used collect collected share shared site sites website "
        "account user users"
    ).split()
)
SPECIAL = ("[CLS]", "[SEP]", "[PAD]")
ZIPF = (4.0, 4.5, 5.0)
THRESHOLDS = (0.35, 0.4, 0.45, 0.5, 0.55)


def word_vectors(model, texts: list[str]) -> list[tuple[list[str], np.ndarray]]:
    """(words, unit vectors) per text: last-layer token vectors, word pieces averaged into words."""
    import torch

    out = []
    for start in range(0, len(texts), 32):
        feats = tokenize(model, texts[start : start + 32])
        with torch.inference_mode():
            tokens = model[0](dict(feats))["token_embeddings"].numpy()
        for vectors, mask, ids in zip(tokens, feats["attention_mask"].numpy(), feats["input_ids"].numpy(), strict=True):
            words: list[str] = []
            pieces: list[list[np.ndarray]] = []
            for piece, vector, on in zip(
                model.tokenizer.convert_ids_to_tokens(ids.tolist()), vectors, mask, strict=True
            ):
                if not on or piece in SPECIAL:
                    continue
                if piece.startswith("##") and words:
                    words[-1] += piece[2:]
                    pieces[-1].append(vector)
                else:
                    words.append(piece)
                    pieces.append([vector])
            matrix = np.array([np.mean(p, axis=0) for p in pieces])
            out.append((words, matrix / np.linalg.norm(matrix, axis=1, keepdims=True)))
    return out


def lowest_match(model, question: str, policy_words: np.ndarray) -> dict[float, float]:
    """Per Zipf cut-off: the lowest best-match cosine over the question's salient words (1.0 if none)."""
    from wordfreq import zipf_frequency

    ((words, vectors),) = word_vectors(model, [question])
    best = (vectors @ policy_words.T).max(axis=1)
    scores = {}
    for z in ZIPF:
        salient = [
            s
            for w, s in zip(words, best, strict=True)
            if w.isalpha() and len(w) > 2 and w not in STOPWORDS and w not in GENERIC and zipf_frequency(w, "en") < z
        ]
        scores[z] = float(min(salient)) if salient else 1.0
    return scores


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--policyqa", type=Path, required=True)
    parser.add_argument("--questions", type=Path, default=Path("eval/questions.jsonl"))
    parser.add_argument("--extra", type=Path, default=Path("eval/unanswerable_extra.jsonl"))
    parser.add_argument("--policies", type=int, default=8)
    parser.add_argument("--per-policy", type=int, default=60)
    args = parser.parse_args()
    model = SentenceTransformerEmbedder().model
    qa = PolicyQA.load()
    policy_words = np.vstack([v for _, v in word_vectors(model, [s.text for s in qa.store.sentences])])
    rows = []  # (set, answerable, covered by the shipped decision, scores by Zipf cut-off)
    for name, path in (("dev", args.questions), ("extra", args.extra)):
        for q in load_questions(path):
            covered = qa.ask(q.question, 3).covered
            rows.append((name, bool(q.answers), covered, lowest_match(model, q.question, policy_words)))
    for bench in load_policyqa(args.policyqa)[: args.policies]:
        words = np.vstack([v for _, v in word_vectors(model, list(bench.segments))])
        for q in bench.questions[: args.per_policy]:
            rows.append(("policyqa", True, True, lowest_match(model, q.question, words)))
    groups = {
        "dev unanswerable": lambda r: r[0] == "dev" and not r[1],
        "extra": lambda r: r[0] == "extra",
        "dev answerable": lambda r: r[0] == "dev" and r[1],
        "policyqa answerable": lambda r: r[0] == "policyqa",
    }
    print("shares marked not covered (shipped decision, or the salient-word check below the threshold)")
    print(f"{'zipf':>5} {'t':>5} " + " ".join(f"{g:>20}" for g in groups))
    shipped = [np.mean([not r[2] for r in rows if keep(r)]) for keep in groups.values()]
    print(f"{'-':>5} {'-':>5} " + " ".join(f"{v:20.3f}" for v in shipped))
    for z in ZIPF:
        for t in THRESHOLDS:
            shares = [np.mean([(not r[2]) or r[3][z] < t for r in rows if keep(r)]) for keep in groups.values()]
            print(f"{z:5.1f} {t:5.2f} " + " ".join(f"{v:20.3f}" for v in shares))
    return 0


if __name__ == "__main__":
    sys.exit(main())
