"""The `policyqa` command (also `python -m qa`): ask, index, list, eval.

Thin: parses arguments, calls the Python API, prints text or JSON. Project
errors and usage errors become one line on stderr and exit status 2.
`policyqa ask -` reads the question from standard input (UTF-8).
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import re
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn, TextIO

from qa.errors import InvalidQuestion, PolicyError, QAError
from qa.library.files import check_policy_file, remove_policy
from qa.library.names import list_policies, locate
from qa.messages import corrected_text, expansion_text, follows_text
from qa.read.documents import FILE_TYPES
from qa.settings import Settings
from qa.types import Answer

EXIT_USAGE = 2
# `ask -` reads at most this much; any real question is far shorter (see Settings.max_question_chars).
STDIN_LIMIT = 1 << 20


# Characters that would break an error message across lines (str.splitlines splits at all of them).
_LINE_BREAKING = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(message: str) -> str:
    """`message` safe to print as one line: line breaks and controls as spaces, bad UTF-8 as "?".

    >>> one_line("unrecognized arguments: a\\nb\\udce9")
    'unrecognized arguments: a b?'
    """
    return _LINE_BREAKING.sub(" ", message.encode("utf-8", "replace").decode("utf-8"))


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr (and exit status 2), not the usage text."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {one_line(message)} (see: {self.prog} --help)\n")


def format_answer(answer: Answer, *, width: int = 100) -> str:
    """A readable, plain-text rendering of an answer with its citations."""
    lines = [f"Q: {answer.question}"]
    if answer.corrected:
        lines.append(corrected_text(answer.corrected))
    if answer.follows:
        lines.append(follows_text(answer.follows))
    if answer.summary is not None:
        lines.extend(["", *textwrap.wrap(f"A: {answer.summary.text}", width, subsequent_indent="   ")])
    lines.extend(["", "The closest clauses:" if not answer.covered else "Cited clauses, best first:"])
    for hit in answer.hits:
        lines.append("")
        lines.append(f"{hit.rank}. {hit.citation}  (score {hit.score:.2f})")
        lines.extend(textwrap.wrap(f"» {hit.sentence}", width, initial_indent="   ", subsequent_indent="     "))
        if hit.text != hit.sentence:
            lines.extend(textwrap.wrap(hit.text, width, initial_indent="   ", subsequent_indent="   "))
    if answer.expansion:
        lines.extend(["", *textwrap.wrap(expansion_text(answer.expansion), width)])
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="policyqa", description="Cited answers about a privacy policy.")
    commands = parser.add_subparsers(dest="command", required=True)
    ask = commands.add_parser("ask", help="answer a question with cited clauses")
    ask.add_argument("question", help="the question; - reads it from standard input")
    ask.add_argument("-k", type=int, default=None, help="how many clauses to show (1-50, default 5)")
    ask.add_argument("--json", action="store_true", help="print one JSON object")
    ask.add_argument(
        "--policy", metavar="NAME", help="which policy to ask (see: policyqa list); default the shipped one"
    )
    ask.add_argument(
        "--after",
        metavar="QUESTION",
        default="",
        help="the previous question, for a follow-up (Can I opt out of that?)",
    )
    index = commands.add_parser("index", help="add a policy file and index it, or rebuild a policy's index")
    index.add_argument("path", nargs="?", help=f"an {FILE_TYPES} policy file to add (needs --name)")
    index.add_argument("--name", metavar="NAME", help="the policy's name, e.g. acme-cloud")
    index.add_argument("--replace", action="store_true", help="replace the added policy of that name")
    commands.add_parser("list", help="list the policies and whether they are indexed")
    serve = commands.add_parser("serve", help="serve the web app (chat, policy view, /ask) on 127.0.0.1:7860")
    serve.add_argument("--host", default=None, help="address to listen on (default 127.0.0.1, or POLICYQA_HOST)")
    serve.add_argument("--port", default=None, help="port to listen on (default 7860, or POLICYQA_PORT)")
    serve.add_argument("--no-browser", action="store_true", help="do not open a browser tab")
    remove = commands.add_parser("remove", help="remove an added policy: its file and its index")
    remove.add_argument("name", help="the policy's name, as `policyqa list` shows it")
    evaluate = commands.add_parser("eval", help="score retrieval on a question set or PolicyQA file")
    evaluate.add_argument("questions", nargs="?", help="a questions .jsonl file, such as eval/questions.jsonl")
    evaluate.add_argument(
        "--policyqa", metavar="FILE", help="a PolicyQA (SQuAD-style) JSON file: the project beside BM25 and dense"
    )
    evaluate.add_argument(
        "--limit", type=int, default=None, metavar="N", help="only the first N questions (PolicyQA: question pairs)"
    )
    evaluate.add_argument(
        "--documents",
        metavar="DIR",
        help="the folder of the policies a question set names (default tests/data/corpus)",
    )
    evaluate.add_argument(
        "--shipped",
        action="store_true",
        help="with --policyqa: also score the shipped adapter and reader as they are (fair only on a file "
        "they never saw, such as PolicyQA's test split)",
    )
    evaluate.add_argument("--out", metavar="DIR", help="write report.json and a PNG chart here")
    evaluate.add_argument("--json", action="store_true", help="print the report as JSON (progress stays on stderr)")
    return parser


def read_stdin_question(*, max_chars: int) -> str:
    """Standard input as UTF-8 text (a leading BOM dropped), or `InvalidQuestion` if it is not."""
    stream = getattr(sys.stdin, "buffer", sys.stdin)
    if stream is None:
        raise InvalidQuestion("there is no standard input to read the question from; give it as an argument")
    data = stream.read(STDIN_LIMIT + 1)
    if len(data) > STDIN_LIMIT:
        raise InvalidQuestion(
            f"the question on standard input is over {STDIN_LIMIT} bytes; "
            f"keep the question to at most {max_chars:,} characters"
        )
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidQuestion(
            f"the question on standard input is not valid UTF-8 (byte {data[error.start]:#04x} at offset "
            f"{error.start}); save it as UTF-8"
        ) from None


def _ask(args: argparse.Namespace, settings: Settings) -> int:
    from qa.answer import PolicyQA
    from qa.inputs import check_question

    text = read_stdin_question(max_chars=settings.max_question_chars) if args.question == "-" else args.question
    # Reject bad input before the slow model load.
    question, k = check_question(text, settings.k if args.k is None else args.k, settings)
    answer = PolicyQA.load(args.policy, settings=settings).ask(question, k, follows=args.after)
    print(json.dumps(answer.to_json(), ensure_ascii=False, indent=2) if args.json else format_answer(answer))
    return 0


class ProgressLine:
    """A long step's `Progress` on stderr: one line rewritten in place on a terminal, else a line per tenth."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self._tenth = 0

    def __call__(self, fraction: float, step: str) -> None:
        if self.stream.isatty():
            end = "\n" if fraction >= 1 else ""
            self.stream.write(f"\r\033[K[{fraction:4.0%}] {step}{end}")
        elif int(fraction * 10) > self._tenth:
            self._tenth = int(fraction * 10)
            self.stream.write(f"[{fraction:4.0%}] {step}\n")
        self.stream.flush()


def _index(args: argparse.Namespace, settings: Settings) -> int:
    from qa.embedding.factory import create_index_embedder
    from qa.library.files import add_policy
    from qa.store.build import build_index

    if args.path is not None and args.name is None:
        raise PolicyError("adding a policy file needs a name: policyqa index FILE --name NAME")
    # A bad file or an unknown name fails before the slow model load; the file is read and parsed once, here.
    if args.path is None:
        files = locate(args.name, settings)
        store = build_index(files, create_index_embedder(settings), ProgressLine())
        replaced = ""
    else:
        checked = check_policy_file(Path(args.path), args.name, settings)
        added = add_policy(checked, settings, create_index_embedder(settings), ProgressLine(), replace=args.replace)
        files, store = added.files, added.store
        old = added.replaced
        replaced = f"; it replaced {old.name} ({old.title or old.source}, {old.clauses} clauses)" if old else ""
    print(
        f"indexed {len(store.sentences)} sentences from {len(store.policy.clauses)} clauses of "
        f"{files.source.name} into {files.index_dir}{replaced}"
    )
    return 0


def _list(settings: Settings) -> int:
    rows = [("name", "file", "index", "title")]
    for info in list_policies(settings):
        rows.append(
            (info.name, info.source, f"{info.clauses} clauses" if info.indexed else "not indexed yet", info.title)
        )
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        print("  ".join([*(cell.ljust(width) for cell, width in zip(row, widths, strict=False)), row[3]]).rstrip())
    return 0


def _remove(args: argparse.Namespace, settings: Settings) -> int:
    remove_policy(args.name, settings)
    print(f"removed {args.name} (its policy file and its index)")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from qa.web.app import main as serve

    options = [*(["--host", args.host] if args.host else []), *(["--port", args.port] if args.port else [])]
    return serve([*options, *(["--no-browser"] if args.no_browser else [])])


def _eval(args: argparse.Namespace, settings: Settings) -> int:
    """Run, print a table (or JSON with --json), write report.json and a chart with --out."""
    from qa.evaluation.report import write_outputs
    from qa.evaluation.run import run_evaluation

    report = run_evaluation(args, settings, ProgressLine())
    if args.out:
        for path in write_outputs(report, Path(args.out)):
            print(f"wrote {path}", file=sys.stderr)
    print(json.dumps(report.to_json(), ensure_ascii=False, indent=2) if args.json else report.to_text())
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    if isinstance(sys.stdout, io.TextIOWrapper):
        # subtle: a terminal or file in a legacy encoding must not turn "§" or an emoji into a traceback.
        sys.stdout.reconfigure(errors="backslashreplace")
    try:
        settings = Settings.from_env()
        if args.command == "ask":
            return _ask(args, settings)
        if args.command == "index":
            return _index(args, settings)
        if args.command == "list":
            return _list(settings)
        if args.command == "remove":
            return _remove(args, settings)
        if args.command == "serve":
            return _serve(args)
        return _eval(args, settings)
    except QAError as error:
        print(f"policyqa: error: {one_line(str(error))}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader went away (`policyqa ask ... | head -1`)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so exit's flush stays quiet
        return 1


if __name__ == "__main__":
    sys.exit(main())
