"""Write qa/data/common-words.txt: English words too common to say what a question is about.

    .venv/bin/pip install wordfreq   # not a project dependency: the list is shipped
    .venv/bin/python bench/common_words.py [--zipf 4.5]

A word is common when its Zipf frequency in wordfreq's English data is at least
`--zipf` (4.5: about once in 30,000 words; 3,000 or so words). Only alphabetic words
are kept, lower-cased and sorted. qa/words.py treats every other word of a question
(that is not a stopword) as salient: the policy must mention it, or something close.
"""

from __future__ import annotations

import argparse
import sys
from importlib import metadata
from pathlib import Path

TARGET = Path(__file__).resolve().parent.parent / "qa" / "data" / "common-words.txt"
HEADER = """\
# English words with a wordfreq Zipf frequency of at least {zipf} (wordfreq {version}, "en"),
# alphabetic only, lower-cased, sorted. Written by bench/common_words.py; read by qa/words.py.
# Derived from the wordfreq data by Robyn Speer et al. (https://github.com/rspeer/wordfreq),
# licensed CC BY-SA 4.0; this list is shared under the same licence.
"""


def main() -> int:
    from wordfreq import top_n_list, zipf_frequency

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--zipf", type=float, default=4.5)
    parser.add_argument("--out", type=Path, default=TARGET)
    args = parser.parse_args()
    words = sorted(
        {w for w in top_n_list("en", 50_000) if w.isalpha() and w.isascii() and zipf_frequency(w, "en") >= args.zipf}
    )
    header = HEADER.format(zipf=args.zipf, version=metadata.version("wordfreq"))
    args.out.write_text(header + "\n".join(words) + "\n", encoding="utf-8")
    print(f"wrote {len(words):,} words to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
