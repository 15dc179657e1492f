"""The index on disk: build, incremental update, atomic replace, refusal of foreign or damaged indexes."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from rag.build import CorpusError, build_index, remove_document
from rag.embedding import HashingEmbedder
from rag.store import BuildLock, IndexCorrupt, IndexLocked, IndexMismatch, IndexNotFound, current_version, load_index


class CountingEmbedder(HashingEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.calls = 0
        self.texts = 0

    def embed(self, texts, **kw):
        self.calls += 1
        self.texts += len(texts)
        return super().embed(texts, **kw)


def _load(index: Path, emb=None):
    emb = emb or HashingEmbedder()
    return load_index(index, model_name=emb.name, dimension=emb.dimension)


def test_every_chunk_and_sentence_slices_its_page(tiny_index):
    data = _load(tiny_index)
    assert len(data.documents) == 3
    for c in range(len(data.chunk_doc)):
        a, b = data.chunk_bounds(c)
        page = data.page_text(int(data.chunk_doc[c]), int(data.chunk_page[c]))
        assert data.chunk_text(c) == page[a:b]
        assert data.chunk_text(c).strip()
    for s in range(len(data.sent_doc)):
        assert data.sentence_text(s).strip()
    assert data.vectors.size == len(data.chunk_doc)
    titles = {d.path: d.title for d in data.documents}
    assert titles["prison.md"] == "Sample prison report"
    assert titles["care.html"] == "Sample care home report"


def test_unchanged_rebuild_embeds_nothing_and_writes_nothing(tiny_corpus, tmp_path):
    emb = CountingEmbedder()
    index = tmp_path / "idx"
    first = build_index(tiny_corpus, index, embedder=emb)
    assert first.changed and len(first.indexed) == 3
    version = current_version(index)
    emb.calls = 0
    again = build_index(tiny_corpus, index, embedder=emb)
    assert emb.calls == 0
    assert not again.changed and sorted(again.reused) == ["care.html", "prison.md", "probation.txt"]
    assert current_version(index) == version


def test_changed_and_deleted_documents_touch_only_their_rows(tiny_corpus, tmp_path):
    emb = CountingEmbedder()
    index = tmp_path / "idx"
    build_index(tiny_corpus, index, embedder=emb)
    before = _load(index)
    prison_before = [before.sentence_text(s) for s in np.flatnonzero(before.sent_doc == 1)]

    (tiny_corpus / "probation.txt").write_text("Sample probation report\n\nThe CRC was sold in 2021.", encoding="utf-8")
    (tiny_corpus / "care.html").unlink()
    emb.texts = 0
    report = build_index(tiny_corpus, index, embedder=emb)
    assert report.indexed == ["probation.txt"]
    assert report.removed == ["care.html"]
    assert report.reused == ["prison.md"]
    assert emb.texts == report.embedded_sentences == 2
    after = _load(index)
    assert [d.path for d in after.documents] == ["prison.md", "probation.txt"]
    prison_after = [after.sentence_text(s) for s in np.flatnonzero(after.sent_doc == 0)]
    assert prison_after == prison_before
    np.testing.assert_array_equal(
        np.asarray(after.sent_vectors[after.sent_doc == 0]), np.asarray(before.sent_vectors[before.sent_doc == 1])
    )


def test_same_report_under_two_names_is_indexed_once(tiny_corpus, tmp_path):
    (tiny_corpus / "prison copy.md").write_bytes((tiny_corpus / "prison.md").read_bytes())
    report = build_index(tiny_corpus, tmp_path / "idx", embedder=HashingEmbedder())
    assert report.duplicates == [("prison.md", "prison copy.md")]
    data = _load(tmp_path / "idx")
    assert len(data.documents) == 3
    record = next(d for d in data.documents if d.path == "prison copy.md")
    assert record.aliases == ["prison.md"]


def test_bad_files_are_skipped_with_their_reason(tiny_corpus, tmp_path):
    (tiny_corpus / "broken.pdf").write_bytes(b"%PDF-1.4\nthis is not really a pdf")
    (tiny_corpus / "empty.txt").write_bytes(b"")
    (tiny_corpus / "notes.xyz").write_text("not a report", encoding="utf-8")
    (tiny_corpus / ".hidden.txt").write_text("ignored", encoding="utf-8")
    report = build_index(tiny_corpus, tmp_path / "idx", embedder=HashingEmbedder())
    skipped = dict(report.skipped)
    assert set(skipped) == {"broken.pdf", "empty.txt", "notes.xyz"}
    assert "unsupported file type .xyz" in skipped["notes.xyz"]
    assert all(reason for reason in skipped.values())
    assert report.documents == 3


def test_missing_or_empty_corpus_is_refused(tmp_path):
    with pytest.raises(CorpusError, match="does not exist"):
        build_index(tmp_path / "nope", tmp_path / "idx", embedder=HashingEmbedder())
    (tmp_path / "empty").mkdir()
    with pytest.raises(CorpusError, match="no supported documents"):
        build_index(tmp_path / "empty", tmp_path / "idx", embedder=HashingEmbedder())
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "a.txt").write_bytes(b"")
    with pytest.raises(CorpusError, match="could be indexed"):
        build_index(tmp_path / "junk", tmp_path / "idx", embedder=HashingEmbedder())


def test_index_of_another_model_or_format_is_refused(tiny_index):
    with pytest.raises(IndexMismatch, match="rag build"):
        load_index(tiny_index, model_name="other/model", dimension=64)
    manifest_path = current_version(tiny_index) / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["format_version"] = 999
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(IndexMismatch, match="format version"):
        _load(tiny_index)
    with pytest.raises(IndexMismatch):
        build_index(tiny_index.parent / "corpus", tiny_index, embedder=HashingEmbedder())
    # --rebuild replaces it
    build_index(tiny_index.parent / "corpus", tiny_index, embedder=HashingEmbedder(), rebuild=True)
    assert _load(tiny_index).manifest["format_version"] != 999


@pytest.mark.parametrize("victim", ["sentences.npz", "vectors.faiss", "bm25_postings.npz", "pages.jsonl", "sentence_vectors.npy"])
def test_truncated_index_file_is_refused_with_a_message(tiny_index, victim):
    path = current_version(tiny_index) / victim
    path.write_bytes(path.read_bytes()[: max(1, path.stat().st_size // 3)])
    with pytest.raises(IndexCorrupt, match="rag build"):
        _load(tiny_index)


def test_no_index_says_how_to_build(tmp_path):
    with pytest.raises(IndexNotFound, match="rag build"):
        _load(tmp_path / "nothing")


def test_failed_write_leaves_previous_index_usable(tiny_corpus, tmp_path, monkeypatch):
    index = tmp_path / "idx"
    build_index(tiny_corpus, index, embedder=HashingEmbedder())
    version = current_version(index)
    (tiny_corpus / "new.txt").write_text("A new sample document about 44 inspections.", encoding="utf-8")

    def boom(self, folder):
        raise KeyboardInterrupt  # what Ctrl-C looks like in the middle of writing

    monkeypatch.setattr("rag.vectors.VectorIndex.save", boom)
    with pytest.raises(KeyboardInterrupt):
        build_index(tiny_corpus, index, embedder=HashingEmbedder())
    assert current_version(index) == version
    assert len(_load(index).documents) == 3
    assert not [p for p in index.iterdir() if p.name.startswith(".tmp-")]
    monkeypatch.undo()
    assert build_index(tiny_corpus, index, embedder=HashingEmbedder()).indexed == ["new.txt"]


def test_second_build_on_a_locked_index_is_refused(tiny_corpus, tmp_path):
    index = tmp_path / "idx"
    with BuildLock(index):
        with pytest.raises(IndexLocked, match="Another build"):
            build_index(tiny_corpus, index, embedder=HashingEmbedder())


def test_remove_document(tiny_index):
    assert remove_document(tiny_index, "care.html", embedder=HashingEmbedder())
    assert [d.path for d in _load(tiny_index).documents] == ["prison.md", "probation.txt"]
    assert not remove_document(tiny_index, "care.html", embedder=HashingEmbedder())


def test_non_utf8_text_and_unusual_names_are_indexed(tiny_corpus, tmp_path):
    (tiny_corpus / "rapport d’été 2024.txt").write_bytes("Sample: the café inspection found 17 défauts — résumé.".encode("cp1252"))
    report = build_index(tiny_corpus, tmp_path / "idx", embedder=HashingEmbedder())
    assert "rapport d’été 2024.txt" in report.indexed
    data = _load(tmp_path / "idx")
    d = next(i for i, doc in enumerate(data.documents) if doc.path == "rapport d’été 2024.txt")
    assert "café" in data.page_text(d, 1) and "défauts" in data.page_text(d, 1)


def test_hnsw_searches_wider_on_large_indexes(tmp_path):
    import numpy as np

    from rag import vectors as V

    assert V.ef_search(10_000) == V.HNSW_EF_SEARCH
    assert V.ef_search(V.HNSW_LARGE) == V.HNSW_EF_SEARCH_LARGE > V.HNSW_EF_SEARCH
    rng = np.random.default_rng(0)
    x = rng.standard_normal((300, 16)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    built = V.VectorIndex.build(x, "hnsw")
    assert built.kind == "hnsw" and built.index.hnsw.efSearch == V.HNSW_EF_SEARCH
    built.save(tmp_path)
    loaded = V.VectorIndex.load(tmp_path, 300, 16)
    assert loaded.index.hnsw.efSearch == V.ef_search(300)
    assert loaded.search(x[7], 1)[0][0] == 7
