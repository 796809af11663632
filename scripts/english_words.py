"""Write qa/data/english-words.txt: English words and how common they are.

    .venv/bin/pip install wordfreq   # not a project dependency: the list is shipped
    .venv/bin/python scripts/english_words.py [--floor 3.0]

One line per alphabetic ASCII word whose Zipf frequency in wordfreq's English data is at
least `--floor` (3.0: about once in a million words; 28,000 or so words): the word, a tab,
its Zipf frequency (two decimals, as wordfreq gives it). qa/coverage/words.py reads it twice over: words at Zipf 4.5 or
more are too common to say what a question is about, and a word missing from the list
altogether may be a misspelling.
"""

from __future__ import annotations

import argparse
import sys
from importlib import metadata
from pathlib import Path

TARGET = Path(__file__).resolve().parent.parent / "qa" / "data" / "english-words.txt"
HEADER = """\
# English words with a wordfreq Zipf frequency of at least {floor} (wordfreq {version}, "en"):
# word, tab, Zipf frequency. Alphabetic ASCII only, lower-cased, most common first.
# Written by scripts/english_words.py; read by qa/vocabulary.py.
# Derived from the wordfreq data by Robyn Speer et al. (https://github.com/rspeer/wordfreq),
# licensed CC BY-SA 4.0; this list is shared under the same licence.
"""


def main() -> int:
    from wordfreq import top_n_list, zipf_frequency

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--floor", type=float, default=3.0)
    parser.add_argument("--out", type=Path, default=TARGET)
    args = parser.parse_args()
    rows = []
    for word in top_n_list("en", 200_000):
        zipf = zipf_frequency(word, "en")
        if word.isalpha() and word.isascii() and zipf >= args.floor:
            rows.append(f"{word}\t{zipf:.2f}")
    header = HEADER.format(floor=args.floor, version=metadata.version("wordfreq"))
    args.out.write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    print(f"wrote {len(rows):,} words to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
