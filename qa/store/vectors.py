"""The FAISS index of a store, chosen by its size: exact while small, compressed and approximate when large.

    rows <= FLAT_MAX_ROWS   IndexFlatIP: exact inner product, 4 bytes a dimension
                            (every store of a single policy; 50,000 rows x 384 dims = 77 MB)
    more                    IndexIVFScalarQuantizer, 8-bit codes (1 byte a dimension) in
                            `ivf_lists(rows)` inverted lists, searching `ivf_probes(lists)` of them

Vectors are unit length, so inner product is cosine for both. At 1,000,000
sentence-like vectors of 384 dims the IVF index holds about 0.4 GB, answers one
query in a few milliseconds and finds about 97% of the exact top 10
(bench/scale.py measures it). The number of lists searched is stored in the
index (FAISS saves `nprobe`), so a loaded index searches as it was built to.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager

import faiss
import numpy as np

FLAT_MAX_ROWS = 50_000
# Inverted lists ~ 2 sqrt(rows), a power of two: 100k rows -> 512 lists, 1M -> 2048.
LISTS_PER_SQRT_ROW = 2
# Share of the lists one query searches (at least MIN_PROBES): recall 0.97 at 1M, see bench/scale.py.
PROBE_SHARE = 1 / 32
MIN_PROBES = 32
# k-means trains on this many vectors per list (FAISS warns below 39), drawn with a fixed seed.
TRAIN_PER_LIST = 40
SEED = 0
# Up to this many queries (one question, or its few salient words) are searched on one thread.
FEW_QUERIES = 16


def ivf_lists(rows: int) -> int:
    """How many inverted lists an IVF index of `rows` vectors gets.

    >>> ivf_lists(100_000), ivf_lists(1_000_000)
    (512, 2048)
    """
    return 2 ** max(4, round(math.log2(LISTS_PER_SQRT_ROW * math.sqrt(rows))))


def ivf_probes(lists: int) -> int:
    """How many of `lists` inverted lists one query searches.

    >>> ivf_probes(512), ivf_probes(2048)
    (32, 64)
    """
    return min(lists, max(MIN_PROBES, round(lists * PROBE_SHARE)))


def index_kind(rows: int, *, flat_max_rows: int = FLAT_MAX_ROWS) -> str:
    """The index for a store of `rows` vectors: "flat" (exact) or "ivf-sq8" (approximate, compressed).

    >>> index_kind(84), index_kind(1_000_000)
    ('flat', 'ivf-sq8')
    """
    return "flat" if rows <= flat_max_rows else "ivf-sq8"


def build_vector_index(vectors: np.ndarray, *, flat_max_rows: int = FLAT_MAX_ROWS) -> faiss.Index:
    """An inner-product index over `vectors` (n, dim) float32 unit rows, row i = id i.

    Deterministic for the same vectors (the training sample uses a fixed seed).
    """
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    rows, dimension = vectors.shape
    if index_kind(rows, flat_max_rows=flat_max_rows) == "flat":
        index = faiss.IndexFlatIP(dimension)
        index.add(vectors)
        return index
    lists = ivf_lists(rows)
    quantizer = faiss.IndexFlatIP(dimension)
    ivf = faiss.IndexIVFScalarQuantizer(
        quantizer, dimension, lists, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
    )
    ivf.cp.seed = SEED
    sample = min(rows, TRAIN_PER_LIST * lists)
    chosen = np.sort(np.random.default_rng(SEED).choice(rows, size=sample, replace=False))
    ivf.train(vectors[chosen])
    ivf.add(vectors)
    ivf.nprobe = ivf_probes(lists)
    return ivf


def search_vectors(index: faiss.Index, queries: np.ndarray, depth: int) -> tuple[np.ndarray, np.ndarray]:
    """Top `depth` rows for each of `queries` (m, dim): (scores (m, depth'), rows (m, depth')), best first.

    depth' = min(depth, index.ntotal); an approximate index pads with row -1 (score -inf)
    when its searched lists hold fewer rows.
    """
    depth = min(depth, index.ntotal)
    queries = np.ascontiguousarray(queries.reshape(-1, index.d), dtype=np.float32)
    if len(queries) <= FEW_QUERIES:
        with _one_thread():
            scores, rows = index.search(queries, depth)
    else:
        scores, rows = index.search(queries, depth)
    return np.where(rows < 0, -np.inf, scores).astype(np.float32), rows


@contextmanager
def _one_thread() -> Iterator[None]:
    """FAISS on one OpenMP thread (for the calling thread only) inside the block.

    A few queries gain nothing from a second thread, and when other processes hold
    the CPU, waiting for it is costly: a flat search of 10,000 rows took 24 ms
    on two threads and 0.4 ms on one on this 2-core machine under load.
    """
    previous = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(previous)
