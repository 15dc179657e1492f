"""Building and incrementally updating the index from a folder of documents."""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from .chunking import ChunkerSettings, segment_document
from .documents import SUPPORTED_SUFFIXES, Document, DocumentError, discover_documents, load_document
from .embedding import Embedder, default_embedder
from .lexical import BM25Index, lexical_text
from .store import (
    FORMAT_VERSION,
    BuildLock,
    DocumentRecord,
    IndexData,
    IndexMismatch,
    check_compatible,
    load_index,
    read_manifest,
    write_index,
)
from .vectors import VectorIndex

logger = logging.getLogger(__name__)

# Sentences embedded per call: bounds memory by a batch, not by the size of a document.
EMBED_GROUP = 1024
# Chunks whose vectors are averaged per step: bounds that step's float64 working memory.
CHUNK_VECTOR_BLOCK = 512

ProgressCallback = Callable[[float, str], None]


class CorpusError(Exception):
    """The corpus folder cannot be indexed; the message says what to do."""


@dataclass
class BuildReport:
    indexed: list[str] = field(default_factory=list)  # newly embedded documents
    reused: list[str] = field(default_factory=list)  # unchanged documents kept as they were
    removed: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (path, same content as)
    empty_pages: list[tuple[str, list[int]]] = field(default_factory=list)
    documents: int = 0
    pages: int = 0
    sentences: int = 0
    chunks: int = 0
    embedded_sentences: int = 0
    changed: bool = False
    index_folder: str = ""
    timings_s: dict[str, float] = field(default_factory=dict)

    def summary(self) -> str:
        parts = [
            f"{self.documents} documents in the index ({len(self.indexed)} indexed, {len(self.reused)} unchanged, "
            f"{len(self.removed)} removed, {len(self.skipped)} skipped)",
            f"{self.pages} pages, {self.chunks} chunks, {self.sentences} sentences",
        ]
        if self.duplicates:
            parts.append(f"{len(self.duplicates)} duplicate files indexed once")
        n_empty = sum(len(p) for _, p in self.empty_pages)
        if n_empty:
            parts.append(f"{n_empty} pages without text")
        if not self.changed:
            parts.append("index already up to date")
        return "; ".join(parts)


def unsupported_files(corpus: Path) -> list[Path]:
    """Visible files under `corpus` that no loader reads: named in the build summary, never silently dropped."""
    return sorted(
        p
        for p in corpus.rglob("*")
        if p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(corpus).parts)
        and p.suffix.lower() not in SUPPORTED_SUFFIXES
    )


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass
class _DocParts:
    record: DocumentRecord
    pages: list[str]
    sent: np.ndarray  # (n, 3) page, start, end
    chunks: np.ndarray  # (m, 3) page, s0, s1 (document-local sentence indexes)
    vectors: np.ndarray  # (n, dim)


def _segment(doc: Document, settings: ChunkerSettings) -> tuple[np.ndarray, np.ndarray]:
    sent_rows: list[tuple[int, int, int]] = []
    chunk_rows: list[tuple[int, int, int]] = []
    for seg in segment_document(doc, settings):
        base = len(sent_rows)
        sent_rows.extend((seg.page, a, b) for a, b in seg.sentences)
        chunk_rows.extend((seg.page, base + i, base + j) for i, j in seg.chunks)
    return (
        np.array(sent_rows, dtype=np.int32).reshape(-1, 3),
        np.array(chunk_rows, dtype=np.int32).reshape(-1, 3),
    )


def _parts_from_index(data: IndexData, d: int) -> _DocParts:
    """The rows of document `d` of a loaded index, with document-local sentence numbers."""
    s_idx = np.flatnonzero(data.sent_doc == d)
    c_idx = np.flatnonzero(data.chunk_doc == d)
    first = int(s_idx[0]) if len(s_idx) else 0
    sent = np.stack([data.sent_page[s_idx], data.sent_start[s_idx], data.sent_end[s_idx]], axis=1).astype(np.int32)
    chunks = np.stack(
        [data.chunk_page[c_idx], data.chunk_s0[c_idx] - first, data.chunk_s1[c_idx] - first], axis=1
    ).astype(np.int32)
    return _DocParts(data.documents[d], data.page_texts[d], sent, chunks, np.asarray(data.sent_vectors[s_idx]))


def _assemble(parts: list[_DocParts], manifest: dict, dimension: int) -> IndexData:
    documents, page_texts = [], []
    s_rows, c_rows, vecs = [], [], []
    offset = 0
    for d, p in enumerate(parts):
        documents.append(p.record)
        page_texts.append(p.pages)
        s_rows.append(np.column_stack([np.full(len(p.sent), d, np.int32), p.sent]))
        c_rows.append(np.column_stack([np.full(len(p.chunks), d, np.int32), p.chunks[:, :1], p.chunks[:, 1:] + offset]))
        vecs.append(p.vectors)
        offset += len(p.sent)
    sent = np.concatenate(s_rows) if s_rows else np.zeros((0, 4), np.int32)
    chunks = np.concatenate(c_rows) if c_rows else np.zeros((0, 4), np.int32)
    # copy=False: the vectors are float32 already; astype would copy all of them once more.
    sent_vectors = np.concatenate(vecs).astype(np.float32, copy=False) if vecs else np.zeros((0, dimension), np.float32)
    chunk_vectors = chunk_vectors_from_sentences(sent_vectors, chunks[:, 2], chunks[:, 3])
    lex = [
        lexical_text(documents[c[0]].title, documents[c[0]].path, _slice_chunk(page_texts, sent, c)) for c in chunks
    ]
    return IndexData(
        manifest=manifest,
        documents=documents,
        page_texts=page_texts,
        sent_doc=sent[:, 0].copy(),
        sent_page=sent[:, 1].copy(),
        sent_start=sent[:, 2].copy(),
        sent_end=sent[:, 3].copy(),
        sent_vectors=sent_vectors,
        chunk_doc=chunks[:, 0].copy(),
        chunk_page=chunks[:, 1].copy(),
        chunk_s0=chunks[:, 2].copy(),
        chunk_s1=chunks[:, 3].copy(),
        vectors=VectorIndex.build(chunk_vectors if len(chunk_vectors) else np.zeros((0, dimension), np.float32)),
        bm25=BM25Index.build(lex),
    )


def _slice_chunk(page_texts: list[list[str]], sent: np.ndarray, c: np.ndarray) -> str:
    d, page, s0, s1 = (int(x) for x in c)
    return page_texts[d][page - 1][sent[s0, 2] : sent[s1 - 1, 3]]


def chunk_vectors_from_sentences(sent_vectors: np.ndarray, s0: np.ndarray, s1: np.ndarray) -> np.ndarray:
    """A chunk's vector is the normalised mean of its sentences' vectors.

    Embedding sentences once serves both retrieval (chunks) and answer ranking (sentences): the
    embedder, the slow step, runs once per sentence and never at question time.
    """
    out = np.zeros((len(s0), sent_vectors.shape[1]), np.float32)
    # A block of chunks at a time, over only the sentences they span: the float64 working copies stay
    # a few MB instead of growing with the corpus (they were 4x the size of all sentence vectors).
    for lo in range(0, len(s0), CHUNK_VECTOR_BLOCK):
        a, b = s0[lo : lo + CHUNK_VECTOR_BLOCK], s1[lo : lo + CHUNK_VECTOR_BLOCK]
        first, last = int(a.min()), int(b.max())
        cum = np.zeros((last - first + 1, sent_vectors.shape[1]), np.float64)
        np.cumsum(sent_vectors[first:last], axis=0, dtype=np.float64, out=cum[1:])
        sums = cum[b - first] - cum[a - first]
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        out[lo : lo + CHUNK_VECTOR_BLOCK] = sums / norms
    return out


def build_index(
    corpus_dir: Path | str,
    index_dir: Path | str,
    *,
    embedder: Embedder | None = None,
    settings: ChunkerSettings | None = None,
    rebuild: bool = False,
    show_progress: bool = False,
    progress: ProgressCallback | None = None,
) -> BuildReport:
    """Build or incrementally update the index at `index_dir` from the documents under `corpus_dir`.

    Unchanged documents (same content hash) are never re-embedded; a changed or deleted document
    changes only its own rows. The new index replaces the old one atomically.
    """
    corpus = Path(corpus_dir).expanduser()
    root = Path(index_dir).expanduser()
    if not corpus.is_dir():
        raise CorpusError(f"Corpus folder {corpus} does not exist. Give a folder of PDF, text, Markdown or HTML files.")
    files = discover_documents(corpus)
    if not files:
        raise CorpusError(
            f"Corpus folder {corpus} holds no supported documents (.pdf, .txt, .md, .html, .docx). Add some and run again."
        )
    embedder = embedder or default_embedder()
    settings = settings or ChunkerSettings()
    report = BuildReport()
    timer = _Timer(report.timings_s)
    for path in unsupported_files(corpus):
        rel = path.relative_to(corpus).as_posix()
        reason = f"unsupported file type {path.suffix or '(no extension)'}; supported: {', '.join(SUPPORTED_SUFFIXES)}"
        report.skipped.append((rel, reason))
        logger.warning("skipped %s: %s", rel, reason)

    with BuildLock(root):
        old: IndexData | None = None
        manifest = read_manifest(root) if root.is_dir() else None
        if manifest is not None and not rebuild:
            check_compatible(manifest, root, embedder.name, embedder.dimension)
            if manifest.get("chunker") != settings.to_dict():
                logger.info("chunker settings changed: re-segmenting every document")
            else:
                old = load_index(root, model_name=embedder.name, dimension=embedder.dimension)

        with timer("hash"):
            hashes: dict[str, str] = {}
            for f in files:
                rel = f.relative_to(corpus).as_posix()
                try:
                    hashes[rel] = sha256_file(f)
                except OSError as exc:
                    report.skipped.append((rel, f"cannot be read: {exc.strerror or exc}"))
                    logger.warning("skipped %s: cannot be read (%s)", rel, exc)

        old_by_sha: dict[str, int] = {}
        if old is not None:
            old_by_sha = {d.sha256: i for i, d in enumerate(old.documents)}

        # One entry per distinct content; later names of the same bytes become aliases.
        primary_of_sha: dict[str, str] = {}
        aliases: dict[str, list[str]] = {}
        for rel, sha in hashes.items():
            if sha in primary_of_sha:
                aliases[primary_of_sha[sha]].append(rel)
                report.duplicates.append((rel, primary_of_sha[sha]))
                logger.warning("%s has the same content as %s: indexed once under both names", rel, primary_of_sha[sha])
            else:
                primary_of_sha[sha] = rel
                aliases[rel] = []

        today = dt.date.today().isoformat()
        parts: list[_DocParts] = []
        to_embed: list[tuple[Document, np.ndarray, np.ndarray]] = []
        reading = _progress_bar(show_progress and any(sha not in old_by_sha for sha in primary_of_sha), "reading", "page")
        share = 0.3 / max(len(primary_of_sha), 1)  # of the progress fraction, per document read
        with timer("load"):
            for n, (sha, rel) in enumerate(primary_of_sha.items()):
                if progress:
                    progress(share * n, f"reading {rel}")
                if sha in old_by_sha:
                    p = _parts_from_index(old, old_by_sha[sha])
                    p.record.path = rel
                    p.record.aliases = aliases[rel]
                    parts.append(p)
                    report.reused.append(rel)
                    continue

                def on_page(number: int, pages: int, n: int = n, rel: str = rel) -> None:
                    # a long report takes minutes to read: say how far it has got
                    if reading is not None:
                        reading.update(1)
                    if progress and (number % 25 == 0 or number == pages):
                        progress(share * (n + number / pages), f"reading {rel}: page {number} of {pages}")

                try:
                    doc = load_document(corpus / rel, corpus, on_page=on_page)
                except DocumentError as exc:
                    report.skipped.append((rel, str(exc)))
                    logger.warning("skipped %s: %s", rel, exc)
                    continue
                except Exception as exc:  # a broken file must never stop the build
                    report.skipped.append((rel, f"could not be read ({type(exc).__name__}: {exc})"))
                    logger.warning("skipped %s: could not be read (%s: %s)", rel, type(exc).__name__, exc)
                    continue
                sent, chunks = _segment(doc, settings)
                if len(sent) == 0:
                    reason = "no extractable text (scanned or image-only?)"
                    report.skipped.append((rel, reason))
                    report.empty_pages.append((rel, list(range(1, doc.page_count + 1))))
                    logger.warning("skipped %s: %s", rel, reason)
                    continue
                to_embed.append((doc, sent, chunks))

        if reading is not None:
            reading.close()
        total = sum(len(s) for _, s, _ in to_embed)
        done = 0
        bar = _progress_bar(show_progress, "embedding", "sent", total)
        with timer("embed"):
            for doc, sent, chunks in to_embed:
                texts = [doc.pages[p - 1][a:b] for p, a, b in sent]
                vecs = []
                for lo in range(0, len(texts), EMBED_GROUP):
                    group = texts[lo : lo + EMBED_GROUP]
                    vecs.append(embedder.embed(group))
                    done += len(group)
                    if bar is not None:
                        bar.update(len(group))
                    if progress:
                        progress(0.3 + 0.65 * done / max(total, 1), f"embedding {doc.path}")
                record = DocumentRecord(
                    path=doc.path,
                    title=doc.title,
                    sha256=doc.sha256,
                    pages=doc.page_count,
                    empty_pages=list(doc.empty_pages),
                    added=today,
                    aliases=aliases.get(doc.path, []),
                    sentences=len(sent),
                    chunks=len(chunks),
                )
                parts.append(_DocParts(record, list(doc.pages), sent, chunks, np.concatenate(vecs)))
                report.indexed.append(doc.path)
                report.embedded_sentences += len(sent)
        if bar is not None:
            bar.close()

        parts.sort(key=lambda p: p.record.path)
        if old is not None:
            kept = {name for p in parts for name in [p.record.path, *p.record.aliases]}
            report.removed = sorted(d.path for d in old.documents if d.path not in kept)
        report.empty_pages += [(p.record.path, p.record.empty_pages) for p in parts if p.record.empty_pages]
        report.documents = len(parts)
        report.pages = sum(p.record.pages for p in parts)
        report.sentences = sum(len(p.sent) for p in parts)
        report.chunks = sum(len(p.chunks) for p in parts)
        if not parts:
            raise CorpusError(
                f"None of the {len(files)} files in {corpus} could be indexed: "
                + "; ".join(f"{p}: {r}" for p, r in report.skipped[:5])
            )

        unchanged = (
            old is not None
            and not report.indexed
            and not report.removed
            and [(d.path, d.aliases) for d in old.documents] == [(p.record.path, p.record.aliases) for p in parts]
            and old.manifest.get("corpus_dir") == str(corpus.resolve())
        )
        if unchanged:
            report.changed = False
            report.index_folder = str(old.folder)
            if progress:
                progress(1.0, "index up to date")
            return report

        new_manifest = {
            "format_version": FORMAT_VERSION,
            "model": {"name": embedder.name, "dimension": embedder.dimension},
            "chunker": settings.to_dict(),
            "corpus_dir": str(corpus.resolve()),
            "built": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        }
        with timer("index"):
            data = _assemble(parts, new_manifest, embedder.dimension)
            new_manifest["vector_index"] = data.vectors.kind
            new_manifest["counts"] = {"documents": report.documents, "sentences": report.sentences, "chunks": report.chunks}
        with timer("write"):
            folder = write_index(root, data)
        report.changed = True
        report.index_folder = str(folder)
        if progress:
            progress(1.0, "index updated")
        return report


def _progress_bar(show: bool, desc: str, unit: str, total: int | None = None):
    """A terminal progress bar, or None when not shown (or when there is nothing to count)."""
    if not show or total == 0:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit=unit, desc=desc, dynamic_ncols=True)


class _Timer:
    def __init__(self, sink: dict[str, float]) -> None:
        self.sink = sink

    def __call__(self, name: str):
        import contextlib
        import time

        @contextlib.contextmanager
        def cm():
            t = time.perf_counter()
            try:
                yield
            finally:
                self.sink[name] = self.sink.get(name, 0.0) + time.perf_counter() - t

        return cm()


def remove_document(index_dir: Path | str, document: str, *, embedder: Embedder | None = None) -> bool:
    """Drop one document (by its corpus-relative path) from the index without touching the others."""
    root = Path(index_dir)
    embedder = embedder or default_embedder()
    with BuildLock(root):
        data = load_index(root, model_name=embedder.name, dimension=embedder.dimension)
        keep = [i for i, d in enumerate(data.documents) if d.path != document and document not in d.aliases]
        if len(keep) == len(data.documents):
            return False
        parts = [_parts_from_index(data, i) for i in keep]
        manifest = dict(data.manifest)
        manifest["built"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        if not parts:
            raise IndexMismatch("Refusing to remove the last document: the index would be empty.")
        new = _assemble(parts, manifest, embedder.dimension)
        manifest["vector_index"] = new.vectors.kind
        write_index(root, new)
        return True
