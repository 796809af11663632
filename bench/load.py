"""Load test: many clients ask the app's `/ask` endpoint different questions at once; every answer is checked.

    .venv/bin/python bench/load.py                                  # 16 clients x 60 s against a fresh app.py
    .venv/bin/python bench/load.py --clients 4 --duration 5 --json  # the reduced run CI makes
    .venv/bin/python bench/load.py --url http://127.0.0.1:7860/     # an app that is already running

The expected answer to every question is computed first in this process with
the Python API (same settings, so the same index and model). Client i asks its
own questions (eval/*.jsonl, i-th of every N) with its own k, and each HTTP
answer is compared with the expected answer to *its* question: the question
echoed, `covered`, the clauses and sentences in order, scores within 1e-4. Any
difference is a mismatch (cross-talk or a race); any failed request an error.

Bounded: stops after --duration seconds or --max-requests requests, whichever
comes first; every request times out after --timeout seconds. Loopback only:
a --url on another host is refused, and proxies from the environment are
ignored. Prints requests, errors, mismatches, throughput and p50/p95/p99
latency; exits 1 if there was any error or mismatch.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

import httpx
import numpy as np

from qa.answer import PolicyQA
from qa.web.process import AppDidNotStart, running_app

ROOT = Path(__file__).resolve().parent.parent

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
QUESTION_FILES = (ROOT / "eval" / "questions.jsonl", ROOT / "eval" / "heldout.jsonl")
SCORE_TOLERANCE = 1e-4
APP_START_TIMEOUT_S = 300


@dataclass
class Tally:
    """What the clients saw, shared between their threads (guarded by `lock`)."""

    max_requests: int
    started: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reserve(self) -> bool:
        """Claim one request of the budget; False once it is spent."""
        with self.lock:
            if self.started >= self.max_requests:
                return False
            self.started += 1
            return True


def load_questions(limit: int | None) -> list[str]:
    """Distinct questions from eval/*.jsonl, in file order, at most `limit`."""
    seen: dict[str, None] = {}
    for path in QUESTION_FILES:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                seen.setdefault(json.loads(line)["question"], None)
    return list(seen)[:limit]


def ask_http(client: httpx.Client, url: str, question: str, k: int) -> dict[str, Any]:
    """One `/ask` call the way `curl` makes it: POST the inputs, then read the event stream to its end."""
    posted = client.post(f"{url}gradio_api/call/ask", json={"data": [question, k, None]})
    posted.raise_for_status()
    stream = client.get(f"{url}gradio_api/call/ask/{posted.json()['event_id']}")
    stream.raise_for_status()
    event, data = "", ""
    for line in stream.text.splitlines():
        if line.startswith("event:"):
            event = line.split(":", 1)[1].strip()
        elif line.startswith("data:"):
            data = line.split(":", 1)[1].strip()
    if event != "complete":
        raise RuntimeError(f"event {event!r}: {data[:200]}")
    return json.loads(data)[0]


def difference(got: dict[str, Any], expected: dict[str, Any]) -> str | None:
    """Why `got` is not the expected answer, or None if it is."""
    if got.get("question") != expected["question"]:
        return f"answer to {got.get('question')!r} returned for {expected['question']!r}"
    if got.get("covered") != expected["covered"]:
        return f"covered {got.get('covered')} != {expected['covered']}"
    pairs = [(h["clause_id"], h["sentence"]) for h in got.get("hits", [])]
    if pairs != [(h["clause_id"], h["sentence"]) for h in expected["hits"]]:
        return f"clauses {[p[0] for p in pairs]} != {[h['clause_id'] for h in expected['hits']]}"
    scores = np.array([h["score"] for h in got["hits"]]) - np.array([h["score"] for h in expected["hits"]])
    if scores.size and np.abs(scores).max() > SCORE_TOLERANCE:
        return f"scores differ by up to {np.abs(scores).max():.2g}"
    return None


def client_loop(url: str, work: list[tuple[str, int]], expected: dict, tally: Tally, deadline: float, timeout: float):
    """One client: ask its questions in turn until the deadline or the request budget."""
    with httpx.Client(timeout=timeout, trust_env=False) as client:
        turn = 0
        while time.monotonic() < deadline and tally.reserve():
            question, k = work[turn % len(work)]
            turn += 1
            started = time.perf_counter()
            try:
                got = ask_http(client, url, question, k)
            except (httpx.HTTPError, RuntimeError, ValueError, KeyError, IndexError) as error:
                with tally.lock:
                    tally.errors.append(f"{question[:40]!r}: {type(error).__name__}: {error}"[:300])
                continue
            elapsed = (time.perf_counter() - started) * 1000
            problem = difference(got, expected[question, k])
            with tally.lock:
                tally.latencies_ms.append(elapsed)
                if problem:
                    tally.mismatches.append(f"{question[:40]!r}: {problem}")


def start_app(stack: ExitStack, log: IO[bytes]) -> str:
    """`python app.py` on a free 127.0.0.1 port (same environment as this process), stopped with `stack`: its URL."""
    try:
        return stack.enter_context(running_app(dict(os.environ), timeout=APP_START_TIMEOUT_S, log=log)).url
    except AppDidNotStart as error:
        raise SystemExit(f"load: {error}") from None


def check_url(url: str) -> str:
    """`url` with a trailing slash, if it points at this machine; otherwise exit with status 2."""
    host = urlsplit(url).hostname
    if host not in LOOPBACK:
        print(f"load: refusing {url}: this load test only targets 127.0.0.1 / localhost", file=sys.stderr)
        raise SystemExit(2)
    return url if url.endswith("/") else url + "/"


def summary(tally: Tally, *, clients: int, seconds: float, url: str, asks_logged: int | None) -> dict[str, Any]:
    latencies = np.array(tally.latencies_ms) if tally.latencies_ms else np.array([np.nan])
    p50, p95, p99 = (round(float(v), 1) for v in np.percentile(latencies, [50, 95, 99]))
    requests = len(tally.latencies_ms) + len(tally.errors)
    return {
        "url": url,
        "clients": clients,
        "seconds": round(seconds, 1),
        "requests": requests,
        "errors": len(tally.errors),
        "mismatches": len(tally.mismatches),
        "throughput_per_s": round(requests / seconds, 2) if seconds else 0.0,
        "p50_ms": p50,
        "p95_ms": p95,
        "p99_ms": p99,
        "max_ms": round(float(np.max(latencies)), 1),
        "asks_logged": asks_logged,
        "first_errors": tally.errors[:5],
        "first_mismatches": tally.mismatches[:5],
    }


def print_summary(report: dict[str, Any]) -> None:
    print(f"load: {report['clients']} clients for {report['seconds']} s against {report['url']}")
    for key in ("requests", "errors", "mismatches", "throughput_per_s", "asks_logged"):
        print(f"  {key:<17} {report[key]}")
    print(f"  latency ms        p50 {report['p50_ms']}  p95 {report['p95_ms']}  p99 {report['p99_ms']}")
    for line in report["first_errors"] + report["first_mismatches"]:
        print(f"  ! {line}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (threads), default 16")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load, default 60")
    parser.add_argument("--max-requests", type=int, default=100_000, help="stop after this many requests")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds before one request counts as failed")
    parser.add_argument("--questions", type=int, default=None, help="use only the first N questions")
    parser.add_argument("--url", help="an app already running on this machine (default: start app.py)")
    parser.add_argument("--json", action="store_true", help="print the report as one JSON object")
    args = parser.parse_args(argv)
    if args.clients < 1 or args.duration <= 0 or args.max_requests < 1:
        parser.error("--clients, --duration and --max-requests must be positive")
    target = check_url(args.url) if args.url else None

    qa = PolicyQA.load()
    questions = load_questions(args.questions)
    # Client i: every N-th question from the i-th on, all with k = 3, 4 or 5 (so k is checked too).
    work = [
        [(q, 3 + i % 3) for q in questions[i :: args.clients] or [questions[i % len(questions)]]]
        for i in range(args.clients)
    ]
    # Through JSON and back, as the wire gives it.
    expected = {(q, k): json.loads(json.dumps(qa.ask(q, k).to_json())) for jobs in work for q, k in jobs}

    with tempfile.TemporaryDirectory(prefix="policyqa-load-") as tmp:
        log_path = Path(tmp) / "app.log"
        with log_path.open("w+b") as log, ExitStack() as app:
            url = target or start_app(app, log)
            with httpx.Client(timeout=args.timeout, trust_env=False) as warm:
                ask_http(warm, url, questions[0], 3)  # first call loads lazy parts; not timed
            tally = Tally(args.max_requests)
            started = time.monotonic()
            threads = [
                threading.Thread(
                    target=client_loop, args=(url, work[i], expected, tally, started + args.duration, args.timeout)
                )
                for i in range(args.clients)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            seconds = time.monotonic() - started
        asks = log_path.read_text(errors="replace").count('{"event":"ask",') - 1 if target is None else None
    report = summary(tally, clients=args.clients, seconds=seconds, url=url, asks_logged=asks)
    if args.json:
        print(json.dumps(report))
    else:
        print_summary(report)
    return 0 if report["requests"] and not report["errors"] and not report["mismatches"] else 1


if __name__ == "__main__":
    sys.exit(main())
