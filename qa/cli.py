"""The `policyqa` command (also `python -m qa`): ask, index, eval.

Thin: parses arguments, calls the Python API, prints text or JSON. Project
errors become one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import textwrap
from collections.abc import Sequence

from qa.errors import QAError
from qa.settings import Settings
from qa.types import Answer

EXIT_USAGE = 2


def format_answer(answer: Answer, *, width: int = 100) -> str:
    """A readable, plain-text rendering of an answer with its citations."""
    lines = [f"Q: {answer.question}"]
    if not answer.covered:
        lines.append("The policy does not seem to cover this. The closest clauses are:")
    for hit in answer.hits:
        lines.append("")
        lines.append(f"{hit.rank}. {hit.citation}  (score {hit.score:.2f})")
        lines.extend(textwrap.wrap(f"» {hit.sentence}", width, initial_indent="   ", subsequent_indent="     "))
        if hit.text != hit.sentence:
            lines.extend(textwrap.wrap(hit.text, width, initial_indent="   ", subsequent_indent="   "))
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="policyqa", description="Cited answers about a privacy policy.")
    commands = parser.add_subparsers(dest="command", required=True)
    ask = commands.add_parser("ask", help="answer a question with cited clauses")
    ask.add_argument("question")
    ask.add_argument("-k", type=int, default=None, help="how many clauses to show (1-50, default 5)")
    ask.add_argument("--json", action="store_true", help="print one JSON object")
    commands.add_parser("index", help="rebuild the index of the policy")
    evaluate = commands.add_parser("eval", help="score retrieval on a question set or PolicyQA file")
    evaluate.add_argument("questions", nargs="?", help="a questions .jsonl file, such as eval/questions.jsonl")
    evaluate.add_argument(
        "--policyqa", metavar="FILE", help="a PolicyQA (SQuAD-style) JSON file: the project beside BM25 and dense"
    )
    evaluate.add_argument(
        "--limit", type=int, default=None, metavar="N", help="only the first N questions (PolicyQA: question pairs)"
    )
    evaluate.add_argument("--out", metavar="DIR", help="write report.json and a PNG chart here")
    evaluate.add_argument("--json", action="store_true", help="print the report as JSON (progress stays on stderr)")
    return parser


def _ask(args: argparse.Namespace, settings: Settings) -> int:
    from qa.answer import PolicyQA, check_question

    # Reject bad input before the slow model load.
    question, k = check_question(args.question, settings.k if args.k is None else args.k, settings)
    answer = PolicyQA.load(settings).ask(question, k)
    print(json.dumps(answer.to_json(), ensure_ascii=False, indent=2) if args.json else format_answer(answer))
    return 0


def _index(settings: Settings) -> int:
    from qa.answer import build_index
    from qa.embed import SentenceTransformerEmbedder

    store = build_index(settings, SentenceTransformerEmbedder(settings.model))
    print(
        f"indexed {len(store.sentences)} sentences from {len(store.policy.clauses)} clauses into {settings.index_dir}"
    )
    return 0


def _eval(args: argparse.Namespace, settings: Settings) -> int:
    from qa.evaluate import run_cli

    return run_cli(args, settings)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    try:
        settings = Settings.from_env()
        if args.command == "ask":
            return _ask(args, settings)
        if args.command == "index":
            return _index(settings)
        return _eval(args, settings)
    except QAError as error:
        print(f"policyqa: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
