"""Dense vector search with FAISS: exact (flat) for small indexes, HNSW once exact search gets slow."""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

# Below this many vectors an exact scan takes a few milliseconds; above it HNSW keeps queries fast.
HNSW_THRESHOLD = 50_000  # measured: exact search at 100k chunks takes 50-80 ms here, HNSW 0.3 ms
HNSW_M = 32
HNSW_EF_SEARCH = 128
# Past this many vectors the same efSearch finds fewer true neighbours (benchmarks/bench_scale.py, synthetic
# clustered vectors: recall@10 0.998 at 100k but 0.887 at 1M; 256 gives 0.933 at 1M for 1.4 ms a query).
HNSW_LARGE = 500_000
HNSW_EF_SEARCH_LARGE = 256
HNSW_EF_CONSTRUCTION = 80


def _faiss():
    try:
        import faiss
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise RuntimeError("FAISS is missing. Install it with: pip install faiss-cpu") from exc
    return faiss


def ef_search(n: int) -> int:
    """The HNSW efSearch used for an index of `n` vectors."""
    return HNSW_EF_SEARCH_LARGE if n >= HNSW_LARGE else HNSW_EF_SEARCH


def choose_kind(n: int) -> str:
    """The index type used for `n` vectors."""
    return "hnsw" if n >= HNSW_THRESHOLD else "flat"


class VectorIndex:
    """Inner-product search over unit vectors (so scores are cosine similarities)."""

    FILE = "vectors.faiss"

    def __init__(self, index, kind: str) -> None:
        self.index = index
        self.kind = kind

    @property
    def size(self) -> int:
        return int(self.index.ntotal)

    @classmethod
    def build(cls, vectors: np.ndarray, kind: str | None = None) -> "VectorIndex":
        faiss = _faiss()
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        dim = vectors.shape[1]
        kind = kind or choose_kind(len(vectors))
        if kind == "flat":
            index = faiss.IndexFlatIP(dim)
        elif kind == "hnsw":
            index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
            index.hnsw.efSearch = ef_search(len(vectors))
        else:
            raise ValueError(f"unknown vector index kind {kind!r}; use 'flat' or 'hnsw'")
        if len(vectors):
            index.add(vectors)
        logger.info("built %s vector index over %d vectors", kind, len(vectors))
        return cls(index, kind)

    def search(self, query: np.ndarray, k: int, allowed_ids: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Best `k` (id, cosine) pairs, optionally only among `allowed_ids`."""
        faiss = _faiss()
        if self.size == 0 or k <= 0:
            return []
        q = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        k = min(k, self.size)
        params = None
        if allowed_ids is not None:
            if len(allowed_ids) == 0:
                return []
            selector = faiss.IDSelectorBatch(np.ascontiguousarray(allowed_ids, dtype=np.int64))
            if self.kind == "hnsw":
                params = faiss.SearchParametersHNSW(sel=selector, efSearch=max(ef_search(self.size), k))
            else:
                params = faiss.SearchParameters(sel=selector)
        scores, ids = self.index.search(q, k, params=params) if params is not None else self.index.search(q, k)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i >= 0]

    def save(self, folder: Path) -> None:
        _faiss().write_index(self.index, str(folder / self.FILE))

    @classmethod
    def load(cls, folder: Path, expected_size: int, dimension: int) -> "VectorIndex":
        faiss = _faiss()
        # A loaded index serves single questions: one OpenMP thread each. With FAISS's default team a
        # query waits for a second thread that busy cores deschedule (measured 40 ms against 0.65 ms).
        faiss.omp_set_num_threads(1)
        index = faiss.read_index(str(folder / cls.FILE))
        if index.ntotal != expected_size or index.d != dimension:
            raise ValueError(f"vector index holds {index.ntotal}x{index.d}, expected {expected_size}x{dimension}")
        kind = "hnsw" if "HNSW" in type(index).__name__ else "flat"
        if kind == "hnsw":
            index.hnsw.efSearch = ef_search(int(index.ntotal))
        return cls(index, kind)
