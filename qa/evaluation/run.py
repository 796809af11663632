"""`policyqa eval`: a question set or a PolicyQA file -> a printed table (or JSON), report.json and a chart."""

from __future__ import annotations

import argparse
from pathlib import Path

from qa.answer import PolicyQA
from qa.embedding.factory import create_index_embedder
from qa.errors import EvalInputError
from qa.evaluation.benchmark import evaluate_policyqa
from qa.evaluation.corpus import CORPUS_DIR, evaluate_corpus
from qa.evaluation.policyqa_file import load_policyqa
from qa.evaluation.question_report import evaluate_questions
from qa.evaluation.questions import load_questions
from qa.evaluation.report import Report
from qa.settings import Settings
from qa.types import Progress, no_progress


def run_evaluation(args: argparse.Namespace, settings: Settings, progress: Progress = no_progress) -> Report:
    """The report `policyqa eval` asked for: of a question set (`args.questions`) or a PolicyQA file."""
    if (args.questions is None) == (args.policyqa is None):
        raise EvalInputError(
            "give a questions .jsonl file or --policyqa FILE, not both or neither; see: policyqa eval -h"
        )
    if args.shipped and args.policyqa is None:
        raise EvalInputError("--shipped scores a PolicyQA file; give --policyqa FILE with it")
    if args.limit is not None and args.limit < 1:
        raise EvalInputError(f"--limit must be 1 or more, not {args.limit}")
    if args.policyqa is not None:
        # Check the file before the slow model load.
        policies = load_policyqa(Path(args.policyqa), limit=args.limit)
        embedder = create_index_embedder(settings)
        return evaluate_policyqa(
            policies, embedder, settings, source=args.policyqa, shipped=args.shipped, progress=progress
        )
    questions = load_questions(Path(args.questions), limit=args.limit)
    if any(question.policy for question in questions):  # questions about the policies of a corpus
        documents = Path(args.documents) if args.documents else CORPUS_DIR
        embedder = create_index_embedder(settings)
        return evaluate_corpus(
            questions, settings, embedder, documents=documents, source=args.questions, progress=progress
        )
    qa = PolicyQA.load(settings=settings)
    return evaluate_questions(qa, questions, source=args.questions, progress=progress)
