"""Chunking: whole sentences, bounded size, overlap, coverage, exact slices."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rag.chunking import ChunkerSettings, PageSegments, chunk_sentences, chunk_text, segment_document
from rag.documents import Document, DocumentError, discover_documents, load_document

ROOT = Path(__file__).resolve().parents[1]
from .conftest import extract_pages_cached  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"




def sentences_of(lengths: list[int], gap: int = 1) -> list[tuple[int, int]]:
    out, pos = [], 0
    for n in lengths:
        out.append((pos, pos + n))
        pos += n + gap
    return out


def check_chunks(
    sentences: list[tuple[int, int]], chunks: list[tuple[int, int]], cfg: ChunkerSettings
) -> None:
    covered: set[int] = set()
    for k, (i, j) in enumerate(chunks):
        assert 0 <= i < j <= len(sentences)
        size = sentences[j - 1][1] - sentences[i][0]
        assert size <= cfg.max_chars or j - i == 1, "only a lone long sentence may exceed max_chars"
        covered.update(range(i, j))
        if k:
            pi, pj = chunks[k - 1]
            assert pi < i and pj < j, "chunks advance"
            assert i <= pj, "consecutive chunks touch or overlap"
            assert pj - i <= cfg.overlap_sentences
    assert covered == set(range(len(sentences)))


def test_settings_to_dict_and_validation() -> None:
    from rag.chunking import SEGMENTER_VERSION

    assert ChunkerSettings().to_dict() == {"max_chars": 700, "overlap_sentences": 1, "segmenter": SEGMENTER_VERSION}
    with pytest.raises(ValueError):
        ChunkerSettings(max_chars=0)
    with pytest.raises(ValueError):
        ChunkerSettings(overlap_sentences=-1)


def test_chunks_pack_whole_sentences_with_one_sentence_overlap() -> None:
    sents = sentences_of([100] * 10)  # 101 chars apart
    cfg = ChunkerSettings(max_chars=350, overlap_sentences=1)
    assert chunk_sentences(sents, cfg) == [(0, 3), (2, 5), (4, 7), (6, 9), (8, 10)]


def test_no_overlap() -> None:
    cfg = ChunkerSettings(max_chars=350, overlap_sentences=0)
    assert chunk_sentences(sentences_of([100] * 7), cfg) == [(0, 3), (3, 6), (6, 7)]


def test_long_sentence_stands_alone_and_overlap_shrinks_to_fit() -> None:
    cfg = ChunkerSettings(max_chars=300, overlap_sentences=1)
    sents = sentences_of([100, 100, 900, 100])
    chunks = chunk_sentences(sents, cfg)
    assert chunks == [(0, 2), (2, 3), (3, 4)]
    check_chunks(sents, chunks, cfg)


def test_empty_and_single() -> None:
    cfg = ChunkerSettings()
    assert chunk_sentences([], cfg) == []
    assert chunk_sentences([(3, 5)], cfg) == [(0, 1)]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.integers(min_value=1, max_value=900), max_size=40),
    st.integers(min_value=1, max_value=1200),
    st.integers(min_value=0, max_value=4),
    st.integers(min_value=0, max_value=5),
)
def test_chunk_sentences_property(lengths: list[int], max_chars: int, overlap: int, gap: int) -> None:
    cfg = ChunkerSettings(max_chars=max_chars, overlap_sentences=overlap)
    sents = sentences_of(lengths, gap)
    check_chunks(sents, chunk_sentences(sents, cfg), cfg)


def test_segment_document_excludes_running_headers_and_slices_exactly() -> None:
    pages = []
    for n in range(1, 5):
        pages.append(
            f"Inspection of Somewhere children’s services \n1 to 5 May 2024 {n} \n"
            f"Page {n} says children in care number {n * 10}. Leaders act on this at pace. "
            "Social workers visit children regularly and record their views.\n"
        )
    pages.append("")  # a blank (scanned) page keeps its place
    doc = Document(path="x.txt", title="x", pages=pages, sha256="0", empty_pages=[5])
    segments = segment_document(doc, ChunkerSettings(max_chars=120, overlap_sentences=1))
    assert [s.page for s in segments] == [1, 2, 3, 4, 5]
    assert segments[4] == PageSegments(5, [], [])
    for seg, text in zip(segments, pages, strict=True):
        for k in range(len(seg.chunks)):
            start, end, chunk = chunk_text(text, seg, k)
            assert text[start:end] == chunk
            assert "Inspection of" not in chunk and "May 2024" not in chunk
    first = [pages[1][a:b] for a, b in segments[1].sentences]
    assert first == [
        "Page 2 says children in care number 20.",
        "Leaders act on this at pace.",
        "Social workers visit children regularly and record their views.",
    ]
    assert segments[1].chunks == [(0, 2), (1, 3)]


def assert_document_slices(doc: Document) -> None:
    segments = segment_document(doc)
    assert len(segments) == doc.page_count
    for seg, text in zip(segments, doc.pages, strict=True):
        for a, b in seg.sentences:
            assert 0 <= a < b <= len(text) and text[a:b].strip() == text[a:b]
        check_chunks(seg.sentences, seg.chunks, ChunkerSettings())
        for k in range(len(seg.chunks)):
            start, end, chunk = chunk_text(text, seg, k)
            assert text[start:end] == chunk and chunk


def test_every_chunk_of_the_bundled_corpus_slices_back() -> None:
    corpus = ROOT / "corpus"
    paths = discover_documents(corpus) if corpus.is_dir() else []
    for path in paths:
        try:
            doc = load_document(path, corpus)
        except DocumentError:
            continue  # unreadable files are reported by the build, not chunked
        assert_document_slices(doc)


@pytest.mark.shared
def test_every_chunk_of_the_shared_reports_slices_back(pytestconfig: pytest.Config) -> None:
    paths = sorted(SHARED.glob("ofsted-*/pdfs/*.pdf")) if SHARED.is_dir() else []
    if not paths:
        pytest.skip("../shared/data absent")
    assert pytestconfig.cache is not None
    for path in paths:
        # Same page texts as load_document gives (tested in test_documents), without
        # paying for extraction on every run.
        pages = extract_pages_cached(path, pytestconfig.cache)
        empty = [i + 1 for i, text in enumerate(pages) if not text.strip()]
        rel = path.relative_to(SHARED).as_posix()
        assert_document_slices(Document(rel, path.stem, pages, "", empty))
