"""How long adding a real policy takes: each policy of the corpus indexed in a loaded process.

    .venv/bin/python bench/indexing.py [--repeat 3] [--json]

For every policy of tests/data/corpus/ (Markdown, HTML, text and PDF as published): read, split, embed
(sentences and words, the ONNX model on every core, as `policyqa index` and the app's upload do) and save
into a temporary folder, `--repeat` times; the model is loaded once beforehand. Prints each policy's words
and median seconds, the median over the corpus, and the seconds per 10,000 words (the target: at most 8 s).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from qa.embedding.factory import create_index_embedder
from qa.settings import Settings
from qa.store.build import PolicyFiles, build_index

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "data" / "corpus"
SUFFIXES = {".md", ".html", ".txt", ".pdf"}
PER_WORDS = 10_000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    embedder = create_index_embedder(Settings.from_env())
    embedder.embed_queries(["warm up"])
    rows = []
    with tempfile.TemporaryDirectory(prefix="policyqa-bench-") as tmp:
        for path in sorted(p for p in CORPUS.iterdir() if p.suffix in SUFFIXES and p.name != "SOURCES.md"):
            seconds, words = [], 0
            for run in range(args.repeat):
                files = PolicyFiles(path.stem, path, Path(tmp) / f"{path.stem}-{run}")
                started = time.perf_counter()
                store = build_index(files, embedder)
                seconds.append(time.perf_counter() - started)
                words = len(store.policy.text.split())
            median = statistics.median(seconds)
            rows.append({"policy": path.name, "words": words, "seconds": round(median, 2)})
            rows[-1]["seconds_per_10k_words"] = round(median * PER_WORDS / max(words, 1), 2)
    summary = {
        "policies": len(rows),
        "median_words": statistics.median(r["words"] for r in rows),
        "median_seconds": round(statistics.median(r["seconds"] for r in rows), 2),
        "max_seconds": max(r["seconds"] for r in rows),
        "median_seconds_per_10k_words": round(statistics.median(r["seconds_per_10k_words"] for r in rows), 2),
        "rows": rows,
    }
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    print("| policy | words | seconds (median) | seconds per 10,000 words |\n| --- | ---: | ---: | ---: |")
    for r in rows:
        print(f"| {r['policy']} | {r['words']:,} | {r['seconds']:.2f} | {r['seconds_per_10k_words']:.2f} |")
    print(
        f"\n{summary['policies']} policies: median {summary['median_seconds']:.2f} s (median "
        f"{summary['median_words']:,.0f} words), at most {summary['max_seconds']:.2f} s; "
        f"median {summary['median_seconds_per_10k_words']:.2f} s per 10,000 words"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
