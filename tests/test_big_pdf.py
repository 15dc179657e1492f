"""A long PDF (300 generated report pages) indexes every page and reports progress as it goes.

Uses the hashing embedder (the real model's speed is measured by benchmarks/bench_big_pdf.py, with the
peak memory of 100 vs 2,000 pages). The memory bound asserted here is generous: Python-level allocations
only (tracemalloc, deterministic), about 10x what the build needs.
"""
from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from rag import Assistant
from rag.build import CHUNK_VECTOR_BLOCK, build_index, chunk_vectors_from_sentences
from rag.embedding import HashingEmbedder
from rag.store import load_index

from .synthetic_reports import page_fact, write_report_pdf

PAGES = 300


@pytest.fixture(scope="module")
def long_pdf_corpus(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("long") / "corpus"
    folder.mkdir()
    write_report_pdf(folder / "long-report.pdf", PAGES)
    return folder


@pytest.mark.slow
def test_long_pdf_indexes_every_page_with_progress(long_pdf_corpus, tmp_path, capsys):
    emb = HashingEmbedder()
    index = tmp_path / "index"
    updates: list[tuple[float, str]] = []
    tracemalloc.start()
    try:
        report = build_index(
            long_pdf_corpus, index, embedder=emb, show_progress=True, progress=lambda f, m: updates.append((f, m))
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert report.indexed == ["long-report.pdf"] and not report.skipped
    assert report.pages == PAGES
    data = load_index(index, model_name=emb.name, dimension=emb.dimension)
    assert data.documents[0].pages == PAGES
    assert sorted(set(int(p) for p in data.sent_page)) == list(range(1, PAGES + 1))  # every page holds sentences
    assert len(data.sent_doc) == report.sentences >= PAGES * 5

    # Progress: the callback rises from reading to embedding to done; the command line's bar is printed.
    fractions = [f for f, _ in updates]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    embedding = [m for _, m in updates if m.startswith("embedding")]
    assert len(embedding) >= 2, updates
    assert any(m.startswith("reading") for _, m in updates)
    # pages are reported while the one long PDF is read, not only once it is done
    assert f"reading long-report.pdf: page 25 of {PAGES}" in [m for _, m in updates]
    err = capsys.readouterr().err
    assert "embedding" in err and "reading" in err

    # Generous: a 300-page build allocates a few tens of MB in Python objects and arrays.
    assert peak < 300 * 2**20, f"build allocated {peak / 2**20:.0f} MB at peak"

    # Any page is findable by the fact only it holds (lexical index: the hashing embedder's dense ranking
    # is noise, so the fused ranking is not tested here), and its stored text holds that fact.
    a = Assistant.open(index, embedder=emb)
    for page in (1, 2, PAGES // 2, PAGES - 1, PAGES):
        fact, question = page_fact(page)
        ((chunk, _),) = a.data.bm25.search(question, 1)
        assert int(a.data.chunk_page[chunk]) == page
        assert " ".join(fact.split()) in " ".join(a.page_text("long-report.pdf", page).split())


def test_chunk_vectors_in_blocks_equal_one_pass():
    """Chunk vectors computed a block at a time (to bound memory) equal the one-pass cumulative-sum result,
    for overlapping chunks, chunks straddling block edges, and an empty chunk."""
    rng = np.random.default_rng(3)
    n = CHUNK_VECTOR_BLOCK * 7 + 13
    sv = rng.standard_normal((n, 16)).astype(np.float32) + 0.2
    starts = np.arange(0, n - 4, 3)
    s0 = np.concatenate([starts, [5]])
    s1 = np.concatenate([np.minimum(starts + 4, n), [5]])  # overlapping by one sentence; the last chunk is empty

    cum = np.vstack([np.zeros((1, 16)), np.cumsum(sv, axis=0, dtype=np.float64)])
    sums = cum[s1] - cum[s0]
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    expected = (sums / norms).astype(np.float32)

    got = chunk_vectors_from_sentences(sv, s0, s1)
    assert got.dtype == np.float32 and got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-6)
    assert not got[-1].any()
    assert chunk_vectors_from_sentences(sv, s0[:0], s1[:0]).shape == (0, 16)
