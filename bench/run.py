"""How fast policyqa is, measured in one run: build, cold starts, warm latency, memory, app throughput, scale.

    .venv/bin/python bench/run.py [--out bench/results.json] [--cold-runs 7] [--clients 8] [--skip-scale]

Everything runs against copies in a temporary folder (the index, and a fresh
model cache, so the ONNX export is part of the build), never the repository's.
Each figure comes from this one run; timings on a shared machine are noisy, so
the targets are medians and ratios of figures measured side by side:
    index build          `policyqa index` as a process (model load, embedding, ONNX export), and the
                         build alone in a loaded process (parse, split, embed, save)
    cold ask             `policyqa ask` from process start to printed answer, median of --cold-runs
    app start            `policyqa serve` from process start to its first `/ask` answer
    warm ask, embedding  `PolicyQA.ask` and the bare `embed_queries` of one question, interleaved,
                         every question of eval/questions.jsonl --repeat times; median and p95
    peak memory          maximum resident memory of each process
    throughput           questions answered per second by the app to --clients concurrent clients
    scale                bench/scale.py (10k, 100k, 1M vectors)
Writes JSON to --out and prints a markdown table (docs/README-bench.md keeps one).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from qa.web.process import AppDidNotStart, running_app

ROOT = Path(__file__).resolve().parent.parent

QUESTION = "Who can see my bank details?"
BACKENDS = ("onnx", "torch")
APP_START_TIMEOUT_S = 300
# The ratio is the whole answer, the reader included, over the bare query embedding: the reader's budget.
TARGETS = {"ratio": 4.0, "cold_ask_s": 1.5, "scale_ms": 5.0, "scale_recall": 0.95, "scale_mb": 1000.0}


def run_process(command: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run `command` to the end: (wall seconds, its peak resident MB, stdout); a non-zero exit stops the bench."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        child = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(child.pid, 0)  # this child's own rusage (Linux: ru_maxrss in KiB)
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if child.returncode != 0:
            raise SystemExit(f"bench: {' '.join(command[:4])} failed ({child.returncode}):\n{err.read()[-2000:]}")
        return seconds, usage.ru_maxrss / 1024, out.read()


def median_p95(seconds: list[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    return {
        "median_ms": round(1000 * statistics.median(ordered), 3),
        "p95_ms": round(1000 * ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 3),
        "n": len(ordered),
    }


def warm_worker(backend: str, repeat: int) -> dict[str, Any]:
    """In this process: build the store, then time ask() against the bare query embedding, interleaved."""
    from qa.answer import PolicyQA
    from qa.embedding.factory import create_embedder
    from qa.evaluation.questions import load_questions
    from qa.library.names import locate
    from qa.settings import Settings
    from qa.store.build import build_index

    settings = Settings.from_env()
    embedder = create_embedder(settings)
    with tempfile.TemporaryDirectory() as scratch:
        start = time.perf_counter()
        build_index(replace(locate(None, settings), index_dir=Path(scratch) / "index"), embedder)
        build_s = time.perf_counter() - start
    qa = PolicyQA.load(settings=settings, embedder=embedder)
    questions = [q.question for q in load_questions(ROOT / "eval" / "questions.jsonl")]
    for question in questions[:20]:
        qa.ask(question)
    asks, embeds = [], []
    for _ in range(repeat):
        for question in questions:
            start = time.perf_counter()
            embedder.embed_queries([question])
            middle = time.perf_counter()
            qa.ask(question)
            embeds.append(middle - start)
            asks.append(time.perf_counter() - middle)
    ask, embed = median_p95(asks), median_p95(embeds)
    return {
        "build_s": round(build_s, 3),
        "ask": ask,
        "embed": embed,
        "ratio": round(ask["median_ms"] / embed["median_ms"], 3),
    }


def resident_peak_mb(pid: int) -> float:
    """Peak resident memory of a running process (Linux /proc VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def load_app(url: str, clients: int, per_client: int) -> tuple[float, list[float]]:
    """`clients` threads, each its own client asking `per_client` questions: (wall seconds, latencies)."""
    from gradio_client import Client

    from qa.evaluation.questions import load_questions

    questions = [q.question for q in load_questions(ROOT / "eval" / "questions.jsonl")]
    latencies: list[float] = []
    lock = threading.Lock()

    def one_client(offset: int) -> None:
        own = Client(url, verbose=False, download_files=False)
        for i in range(per_client):
            began = time.perf_counter()
            own.predict(questions[(offset * 13 + i) % len(questions)], 5, api_name="/ask")
            with lock:
                latencies.append(time.perf_counter() - began)

    threads = [threading.Thread(target=one_client, args=(n,)) for n in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began, latencies


def measure_app(env: dict[str, str], clients: int, per_client: int) -> dict[str, Any]:
    """Start app.py, time it to the first `/ask` answer, then drive it with `clients` concurrent clients."""
    from gradio_client import Client  # imported before the clock starts

    start = time.perf_counter()
    try:
        with running_app(env, timeout=APP_START_TIMEOUT_S, poll=0.1) as app:
            Client(app.url, verbose=False, download_files=False).predict(QUESTION, 5, api_name="/ask")
            first_answer_s = time.perf_counter() - start
            wall, latencies = load_app(app.url, clients, per_client)
            peak = resident_peak_mb(app.process.pid)
    except AppDidNotStart as error:
        raise SystemExit(f"bench: {error}") from None
    return {
        "first_answer_s": round(first_answer_s, 3),
        "clients": clients,
        "questions": len(latencies),
        "questions_per_s": round(len(latencies) / wall, 1),
        "latency_under_load": median_p95(latencies),
        "peak_mb": round(peak, 1),
    }


def policyqa_command(entry: str = "script") -> list[str]:
    """The `policyqa` console script beside this Python, or `python -m qa` (the code in ROOT, not the installed)."""
    script = Path(sys.executable).parent / "policyqa"
    return [str(script)] if entry == "script" and script.exists() else [sys.executable, "-m", "qa"]


def measure_cold_ask(env: dict[str, str], backend: str, runs: int, entry: str) -> dict[str, Any]:
    """`policyqa ask` in new processes: one untimed run (warms the file cache), then `runs` timed ones."""
    env = env | {"POLICYQA_BACKEND": backend}
    command = [*policyqa_command(entry), "ask", QUESTION]
    run_process(command, env)
    samples = [run_process(command, env) for _ in range(runs)]
    walls = [seconds for seconds, _, _ in samples]
    return {
        "median_s": round(statistics.median(walls), 3),
        "min_s": round(min(walls), 3),
        "max_s": round(max(walls), 3),
        "runs": runs,
        "peak_mb": round(max(peak for _, peak, _ in samples), 1),
    }


def machine() -> dict[str, Any]:
    from importlib import metadata

    names = ("torch", "onnxruntime", "sentence-transformers", "faiss-cpu", "gradio")
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "libraries": {name: metadata.version(name) for name in names},
        "date": time.strftime("%Y-%m-%d %H:%M"),
    }


def checks(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each speed target beside the figure measured for it in this run."""
    rows = [
        ("warm ask / bare embedding, onnx (median)", results["warm"]["onnx"]["ratio"], "<=", TARGETS["ratio"]),
        ("warm ask / bare embedding, torch (median)", results["warm"]["torch"]["ratio"], "<=", TARGETS["ratio"]),
        ("cold `policyqa ask`, onnx (median s)", results["cold_ask"]["onnx"]["median_s"], "<=", TARGETS["cold_ask_s"]),
    ]
    big = max(results.get("scale", {}).get("sizes", []), key=lambda row: row["rows"], default=None)
    if big is not None:
        label = f"{big['rows']:,} vectors:"
        rows += [
            (f"{label} search median (ms)", big["search_median_ms"], "<=", TARGETS["scale_ms"]),
            (f"{label} recall@10", big["recall_at_10"], ">=", TARGETS["scale_recall"]),
            (f"{label} index size (MB)", big["index_mb"], "<=", TARGETS["scale_mb"]),
        ]
    return [
        {
            "target": name,
            "measured": value,
            "limit": f"{op} {limit}",
            "met": value <= limit if op == "<=" else value >= limit,
        }
        for name, value, op, limit in rows
    ]


def _row(label: str, cells: list[str]) -> str:
    return f"| {label} | " + " | ".join(cells) + " |"


def table(results: dict[str, Any]) -> str:
    """The results as markdown: latency and memory by backend, the app, scale, and the targets."""
    warm = [results["warm"][b] for b in BACKENDS]
    cold = [results["cold_ask"][b] for b in BACKENDS]
    app, index = results["app"], results["index"]
    lines = [
        _row(f"shipped policy ({warm[0]['ask']['n']} timed questions)", ["onnx (default)", "torch"]),
        "| --- | --- | --- |",
        _row("index build in a loaded process (parse, split, embed, save)", [f"{w['build_s']:.2f} s" for w in warm]),
        _row(
            f"cold `policyqa ask`, median of {cold[0]['runs']} / {cold[1]['runs']} (min-max)",
            [f"{c['median_s']:.2f} s ({c['min_s']:.2f}-{c['max_s']:.2f})" for c in cold],
        ),
        _row("peak memory, cold ask", [f"{c['peak_mb']:.0f} MB" for c in cold]),
        _row("warm `ask()` median / p95", [f"{w['ask']['median_ms']:.2f} / {w['ask']['p95_ms']:.2f} ms" for w in warm]),
        _row(
            "bare query embedding median / p95",
            [f"{w['embed']['median_ms']:.2f} / {w['embed']['p95_ms']:.2f} ms" for w in warm],
        ),
        _row("warm ask / bare embedding (medians)", [f"{w['ratio']:.2f}" for w in warm]),
        _row("peak memory, warm process", [f"{w['peak_mb']:.0f} MB" for w in warm]),
        "",
        f"`policyqa index` as a process (torch model load, build, ONNX export): {index['process_s']:.1f} s, "
        f"peak {index['peak_mb']:.0f} MB.",
        f"App (`policyqa serve`, onnx): start to first `/ask` answer {app['first_answer_s']:.2f} s, "
        f"peak {app['peak_mb']:.0f} MB; {app['questions_per_s']:.1f} questions/s to {app['clients']} concurrent "
        f"clients ({app['questions']} questions; latency under load median "
        f"{app['latency_under_load']['median_ms']:.0f} ms, p95 {app['latency_under_load']['p95_ms']:.0f} ms).",
    ]
    if "scale" in results:
        lines += ["", results["scale"]["table"]]
    lines += ["", "| target | measured | limit | met |", "| --- | --- | --- | --- |"]
    lines += [
        _row(c["target"], [str(c["measured"]), c["limit"], "yes" if c["met"] else "NO"]) for c in results["checks"]
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results.json")
    parser.add_argument("--cold-runs", type=int, default=7, help="timed cold `policyqa ask` runs (onnx)")
    parser.add_argument("--torch-cold-runs", type=int, default=3, help="timed cold runs with the torch backend")
    parser.add_argument("--repeat", type=int, default=3, help="passes over the questions for warm latency")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--per-client", type=int, default=25, help="questions each app client asks")
    parser.add_argument("--scale-sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument("--entry", choices=("script", "module"), default="script", help="policyqa or python -m qa")
    parser.add_argument("--warm-worker", choices=BACKENDS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.warm_worker:
        print(json.dumps(warm_worker(args.warm_worker, args.repeat)))
        return 0
    results: dict[str, Any] = {"machine": machine(), "targets": TARGETS, "warm": {}, "cold_ask": {}}
    with tempfile.TemporaryDirectory(prefix="policyqa-bench-") as scratch:
        env = {k: v for k, v in os.environ.items() if not k.startswith("POLICYQA_")}
        env |= {"POLICYQA_HOME": scratch}  # the index and a fresh model cache, built here
        print("bench: policyqa index (fresh model cache) ...", file=sys.stderr)
        seconds, peak, _ = run_process([*policyqa_command(args.entry), "index"], env)
        results["index"] = {"process_s": round(seconds, 2), "peak_mb": round(peak, 1)}
        for backend in BACKENDS:
            print(f"bench: warm latency, {backend} ...", file=sys.stderr)
            command = [sys.executable, __file__, "--warm-worker", backend, "--repeat", str(args.repeat)]
            _, peak, out = run_process(command, env | {"POLICYQA_BACKEND": backend})
            results["warm"][backend] = json.loads(out) | {"peak_mb": round(peak, 1)}
        for backend, runs in (("onnx", args.cold_runs), ("torch", args.torch_cold_runs)):
            print(f"bench: cold policyqa ask, {backend} x {runs} ...", file=sys.stderr)
            results["cold_ask"][backend] = measure_cold_ask(env, backend, runs, args.entry)
        print("bench: app start and throughput ...", file=sys.stderr)
        results["app"] = measure_app(env, args.clients, args.per_client)
        if not args.skip_scale:
            print("bench: scale (bench/scale.py) ...", file=sys.stderr)
            sizes = [str(size) for size in args.scale_sizes]
            scale_json = Path(scratch) / "scale.json"
            _, peak, out = run_process(
                [sys.executable, str(ROOT / "bench" / "scale.py"), "--out", str(scale_json), "--sizes", *sizes], env
            )
            results["scale"] = json.loads(scale_json.read_text(encoding="utf-8")) | {"peak_mb": round(peak, 1)}
            results["scale"]["table"] = out.strip()  # scale.py's own markdown table
    results["checks"] = checks(results)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(table(results))
    print(f"\nwrote {args.out}", file=sys.stderr)
    return 0 if all(c["met"] for c in results["checks"]) else 1


if __name__ == "__main__":
    sys.exit(main())
