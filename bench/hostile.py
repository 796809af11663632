"""Questions to the default policy while hostile uploads are processed: does anyone wait?

    .venv/bin/python bench/hostile.py [--questions 20] [--json]

Starts the app (`policyqa serve`, a data folder of its own in a temporary folder), then for each case
starts the hostile action in a thread and, while it runs, asks the default policy `--questions`
questions through `/ask`, one after another, timing each. The files are tests/data/hostile/ (written
by scripts/hostile_fixtures.py):
    long-heading-line.md  a 4 KB Markdown line that starts like a heading
    comment-run.txt       96 KB of "<!--"
    bracket-run.md        16 KB of "["
    shared-stream.pdf     10 pages drawing one huge compressed stream
each uploaded through the page's "Add a policy" form in Debian's chromium (playwright), as a user
would; and two requests:
    100-files             one request to the upload route with 100 files of 20 KB
    slow-load             a question to an added policy that is not loaded yet, whose index must be built
Prints, per case, what became of the hostile action and the median and maximum latency of the
questions asked meanwhile; the target is a median under one second. Needs chromium for the uploads.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from qa.web.process import running_app

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = ROOT / "tests" / "data" / "hostile"
UPLOADS = ("long-heading-line.md", "comment-run.txt", "bracket-run.md", "shared-stream.pdf")
QUESTIONS = (
    "Who can see my bank details?",
    "Do you use cookies?",
    "Can I correct my personal data?",
    "Is my password safe?",
    "Do you collect information about children?",
)
CHROMIUM = Path("/usr/bin/chromium")
ACTION_TIMEOUT_S = 300


def ask(client: httpx.Client, question: str, policy: str | None = None) -> tuple[float, str]:
    """Seconds taken by one `/ask` call, and "answered" or the error it gave."""
    started = time.perf_counter()
    event = client.post("gradio_api/call/ask", json={"data": [question, 3, policy]}).json()["event_id"]
    stream = client.get(f"gradio_api/call/ask/{event}").text
    outcome = "answered" if stream.startswith("event: complete") else stream.split("data: ", 1)[-1].strip()[:120]
    return time.perf_counter() - started, outcome


def upload_in_browser(url: str, path: Path) -> str:
    """Add `path` through the page's form, as a user does; the status line the page ends with."""
    from playwright.sync_api import sync_playwright

    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=args)
        page = browser.new_page()
        page.goto(url, wait_until="load")
        page.get_by_role("tab", name="Add a policy").click()
        page.locator("#pqa-upload input[type=file]").set_input_files(str(path))
        page.locator("#pqa-add").click()
        # Added: the page goes back to the Ask tab with a note in the new chat; refused: a notice stays here.
        status = page.locator("#pqa-chat .pqa-info, #pqa-add-status .pqa-notice").locator("visible=true")
        status.first.wait_for(timeout=ACTION_TIMEOUT_S * 1000)
        text = status.first.inner_text()
        browser.close()
    return " ".join(text.split())[:160]


def many_files(url: str) -> str:
    files = [("files", (f"policy{i}.txt", b"x" * 20_000)) for i in range(100)]
    response = httpx.post(f"{url}gradio_api/upload", files=files, timeout=60, trust_env=False)
    return f"HTTP {response.status_code}"


def slow_load(url: str, home: Path) -> str:
    """A policy put into the library behind the app's back (no index yet), then asked about."""
    (home / "policies").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ROOT / "tests" / "data" / "docs" / "northwind.html", home / "policies" / "slow.html")
    with httpx.Client(base_url=url, timeout=ACTION_TIMEOUT_S, trust_env=False) as client:
        first = ask(client, "Do you use cookies?", "slow")[1]
        deadline = time.monotonic() + ACTION_TIMEOUT_S
        while time.monotonic() < deadline:
            seconds, outcome = ask(client, "Do you use cookies?", "slow")
            if outcome == "answered":
                return f"first: {first}; then answered"
            time.sleep(0.5)
    return f"first: {first}; not answered within {ACTION_TIMEOUT_S} s"


def measure(url: str, action: Callable[[], str], questions: int) -> dict[str, Any]:
    """Run `action` in a thread and time `questions` questions to the default policy meanwhile."""
    result: dict[str, Any] = {}

    def run() -> None:
        started = time.perf_counter()
        try:
            result["outcome"] = action()
        except Exception as error:  # noqa: BLE001 - reported, not raised: the measurement goes on
            result["outcome"] = f"{type(error).__name__}: {error}"[:200]
        result["action_s"] = round(time.perf_counter() - started, 1)

    thread = threading.Thread(target=run)
    thread.start()
    time.sleep(2)  # let the action start (a browser launch, an upload) before the questions
    latencies, failures = [], []
    with httpx.Client(base_url=url, timeout=120, trust_env=False) as client:
        for i in range(questions):
            seconds, outcome = ask(client, QUESTIONS[i % len(QUESTIONS)])
            latencies.append(seconds)
            if outcome != "answered":
                failures.append(outcome)
    busy = thread.is_alive()  # were the questions asked while the action still ran?
    thread.join(ACTION_TIMEOUT_S)
    return result | {
        "median_s": round(statistics.median(latencies), 3),
        "max_s": round(max(latencies), 3),
        "failures": failures,
        "action_still_running_after_questions": busy,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=int, default=20)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        parser.error(f"{CHROMIUM} is missing: apt-get install chromium")
    report: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="policyqa-hostile-") as scratch:
        home = Path(scratch)
        env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYQA_")} | {"POLICYQA_HOME": scratch}
        with running_app(env, timeout=300) as app:
            with httpx.Client(base_url=app.url, timeout=120, trust_env=False) as warm:
                ask(warm, QUESTIONS[0])
            cases: dict[str, Callable[[], str]] = {
                name: (lambda name=name: upload_in_browser(app.url, HOSTILE / name)) for name in UPLOADS
            }
            cases["100-files"] = lambda: many_files(app.url)
            cases["slow-load"] = lambda: slow_load(app.url, home)
            for name, action in cases.items():
                print(f"hostile: {name} ...", file=sys.stderr, flush=True)
                report[name] = measure(app.url, action, args.questions)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print("| case | what became of it | questions meanwhile: median / max |")
        print("| --- | --- | --- |")
        for name, row in report.items():
            outcome = f"{row.get('outcome', 'still running')} ({row.get('action_s', '-')} s)"
            print(f"| {name} | {outcome} | {row['median_s']:.3f} / {row['max_s']:.3f} s |")
    return 0 if all(row["median_s"] < 1.0 and not row["failures"] for row in report.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
