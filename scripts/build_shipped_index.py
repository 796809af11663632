"""Rebuild the shipped policy's committed index, index/alibaba-2015/ (a development step).

    .venv/bin/python scripts/build_shipped_index.py      # or: make shipped-index

Run it after a change to parsing, sentence splitting or the store format, then commit the folder.
Users never need it: an index that does not match the code is rebuilt into their data folder
(`POLICYQA_HOME`) on first use, and `policyqa index` writes there too, never into the checkout.
The files are the same on one machine run after run; another machine may differ in the last bits
of the vectors, which is why tests compare rebuilds by rank and within a tolerance.
"""

from __future__ import annotations

import sys
from dataclasses import replace

from qa.embedding.factory import create_index_embedder
from qa.library.names import locate
from qa.settings import SHIPPED_INDEX, SHIPPED_POLICY, Settings
from qa.store.build import build_index


def main() -> int:
    settings = replace(Settings.from_env(), policy_path=SHIPPED_POLICY)
    files = replace(locate(None, settings), index_dir=SHIPPED_INDEX)
    store = build_index(files, create_index_embedder(settings))
    print(f"wrote {len(store.sentences)} sentences of {len(store.policy.clauses)} clauses to {SHIPPED_INDEX}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
