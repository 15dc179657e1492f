"""Hybrid retrieval: dense (FAISS over chunk vectors) and BM25, fused by reciprocal rank."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .fusion import reciprocal_rank_fusion
from .store import IndexData


@dataclass(frozen=True)
class RetrievalSettings:
    depth: int = 50  # candidates taken from each retriever before fusion
    rrf_k: float = 60.0
    dense_weight: float = 1.0
    lexical_weight: float = 1.0


def allowed_chunks(data: IndexData, documents: Sequence[str] | None) -> np.ndarray | None:
    """Chunk ids of the chosen documents (by path or alias), or None for no restriction."""
    if not documents:
        return None
    wanted = set(documents)
    doc_ids = [i for i, d in enumerate(data.documents) if d.path in wanted or wanted.intersection(d.aliases)]
    if not doc_ids:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.isin(data.chunk_doc, doc_ids)).astype(np.int64)


def hybrid_search(
    data: IndexData,
    question: str,
    question_vector: np.ndarray,
    k: int,
    *,
    documents: Sequence[str] | None = None,
    settings: RetrievalSettings = RetrievalSettings(),
) -> list[tuple[int, float]]:
    """The best `k` chunk ids with fused scores, best first."""
    allowed = allowed_chunks(data, documents)
    if allowed is not None and len(allowed) == 0:
        return []
    depth = max(settings.depth, k)
    dense = data.vectors.search(question_vector, depth, allowed_ids=allowed)
    mask = None
    if allowed is not None:
        mask = np.zeros(data.bm25.n_docs, dtype=bool)
        mask[allowed] = True
    lexical = data.bm25.search(question, depth, allowed=mask)
    fused = reciprocal_rank_fusion(
        [[i for i, _ in dense], [i for i, _ in lexical]],
        k=settings.rrf_k,
        weights=[settings.dense_weight, settings.lexical_weight],
    )
    return fused[:k]


def dense_search(data: IndexData, question_vector: np.ndarray, k: int) -> list[tuple[int, float]]:
    return data.vectors.search(question_vector, k)


def lexical_search(data: IndexData, question: str, k: int) -> list[tuple[int, float]]:
    return data.bm25.search(question, k)
