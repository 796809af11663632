"""Concurrency: one PolicyQA (model and index) shared by many threads, and the app under load.

The full load test is `bench/load.py` (16 clients x 60 s, figures in the README);
CI runs it reduced (4 clients x 5 s) here.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import threading

import pytest

from qa.answer import PolicyQA
from qa.settings import ROOT, Settings
from tests.conftest import POLICY_PATH, KeywordEmbedder

LOAD_SCRIPT = ROOT / "bench" / "load.py"
THREADS = 16


def hammer(qa: PolicyQA, work: list[list[tuple[str, int]]], rounds: int) -> tuple[list[str], list[str]]:
    """Each thread asks its own (question, k) list `rounds` times, all starting together.

    Returns (errors, mismatches): a mismatch is an answer unequal to the one asked alone.
    """
    expected = {job: qa.ask(*job) for jobs in work for job in jobs}
    errors: list[str] = []
    mismatches: list[str] = []
    start = threading.Barrier(len(work))

    def client(jobs: list[tuple[str, int]]) -> None:
        start.wait()
        for _ in range(rounds):
            for question, k in jobs:
                try:
                    answer = qa.ask(question, k)
                except Exception as error:  # noqa: BLE001 - every failure is reported
                    errors.append(repr(error))
                    continue
                if answer != expected[question, k]:
                    mismatches.append(f"{question!r} k={k}: {answer.question!r} {len(answer.hits)} hits")

    threads = [threading.Thread(target=client, args=(jobs,)) for jobs in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    assert not any(thread.is_alive() for thread in threads), "a client hung"
    return errors, mismatches


def test_threads_share_one_policyqa_without_cross_talk(tmp_path):
    settings = Settings(policy_path=POLICY_PATH, index_dir=tmp_path / "index")
    qa = PolicyQA.load(settings=settings, embedder=KeywordEmbedder())
    pairs = [" ".join(p) for p in itertools.combinations(KeywordEmbedder.VOCABULARY, 2)]
    work = [[(pairs[(t * 7 + j) % len(pairs)], 1 + (t + j) % 8) for j in range(8)] for t in range(THREADS)]
    errors, mismatches = hammer(qa, work, rounds=10)
    assert (errors, mismatches) == ([], [])


def eval_questions() -> list[str]:
    lines = (ROOT / "eval" / "questions.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()]


@pytest.mark.model
def test_threads_share_the_real_model_and_index(real_qa):
    questions = eval_questions()
    work = [[(q, 3 + t % 3) for q in questions[t::THREADS][:3]] for t in range(THREADS)]
    errors, mismatches = hammer(real_qa, work, rounds=2)
    assert (errors, mismatches) == ([], [])


def run_load(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(LOAD_SCRIPT), *args],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )


@pytest.mark.model
def test_load_script_reduced():
    """bench/load.py at CI size: the app (a subprocess) answers 24 questions from 4 clients at once, each
    answer checked against the Python API; a count of requests, not a rate, so a slow machine passes too."""
    result = run_load("--clients", "4", "--duration", "600", "--max-requests", "24", "--questions", "48", "--json")
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    report = json.loads(result.stdout.splitlines()[-1])
    assert report["requests"] == 24 and report["errors"] == 0 and report["mismatches"] == 0, report
    assert report["asks_logged"] == report["requests"]  # one JSON log line per answered question
    assert 0 < report["p50_ms"] <= report["p95_ms"] <= report["p99_ms"]
    assert report["url"].startswith("http://127.0.0.1:")


def test_load_script_only_targets_this_machine():
    result = run_load("--url", "http://192.0.2.1:7860/", "--duration", "1")
    assert result.returncode == 2 and "only targets 127.0.0.1" in result.stderr
