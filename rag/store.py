"""The index on disk: a folder of plain files, versioned, replaced atomically, checked on load.

Layout of an index root:
    CURRENT                  name of the live version folder (replaced with os.replace)
    .lock                    held by a running build
    v-<stamp>/manifest.json  format version, model, chunker settings, documents with hashes
    v-<stamp>/pages.jsonl    the extracted text of every page (answer offsets index into it)
    v-<stamp>/sentences.npz  per sentence: document, page, start, end
    v-<stamp>/sentence_vectors.npy
    v-<stamp>/chunks.npz     per chunk: document, page, first and past-last sentence
    v-<stamp>/vectors.faiss  chunk vectors
    v-<stamp>/bm25_*         lexical index
A crash at any point leaves CURRENT naming a complete version. Nothing is pickled.
"""
from __future__ import annotations

import errno
import json
import logging
import os
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .lexical import BM25Index
from .vectors import VectorIndex

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
CURRENT_FILE = "CURRENT"
LOCK_FILE = ".lock"


class IndexProblem(Exception):
    """Base for index problems; the message tells the user what to do."""


class IndexNotFound(IndexProblem):
    pass


class IndexMismatch(IndexProblem):
    pass


class IndexCorrupt(IndexProblem):
    pass


class IndexLocked(IndexProblem):
    pass


@dataclass
class DocumentRecord:
    path: str
    title: str
    sha256: str
    pages: int
    empty_pages: list[int] = field(default_factory=list)
    added: str = ""
    aliases: list[str] = field(default_factory=list)
    sentences: int = 0
    chunks: int = 0


@dataclass
class IndexData:
    """Everything a loaded index holds, as arrays and plain records."""

    manifest: dict[str, Any]
    documents: list[DocumentRecord]
    page_texts: list[list[str]]  # [document][page-1]
    sent_doc: np.ndarray
    sent_page: np.ndarray
    sent_start: np.ndarray
    sent_end: np.ndarray
    sent_vectors: np.ndarray
    chunk_doc: np.ndarray
    chunk_page: np.ndarray
    chunk_s0: np.ndarray
    chunk_s1: np.ndarray
    vectors: VectorIndex
    bm25: BM25Index
    folder: Path | None = None

    def page_text(self, doc: int, page: int) -> str:
        return self.page_texts[doc][page - 1]

    def sentence_text(self, i: int) -> str:
        return self.sentences_text(i, i)

    def sentences_text(self, first: int, last: int) -> str:
        """The page text from sentence `first` through sentence `last` (same page), gaps included."""
        return self.page_texts[self.sent_doc[first]][self.sent_page[first] - 1][self.sent_start[first] : self.sent_end[last]]

    def chunk_bounds(self, c: int) -> tuple[int, int]:
        """Start and end offsets of chunk `c` in its page text."""
        return int(self.sent_start[self.chunk_s0[c]]), int(self.sent_end[self.chunk_s1[c] - 1])

    def chunk_text(self, c: int) -> str:
        a, b = self.chunk_bounds(c)
        return self.page_texts[self.chunk_doc[c]][self.chunk_page[c] - 1][a:b]

    @property
    def corpus_dir(self) -> str | None:
        return self.manifest.get("corpus_dir")


def current_version(root: Path) -> Path | None:
    pointer = root / CURRENT_FILE
    if not pointer.exists():
        return None
    name = pointer.read_text(encoding="utf-8").strip()
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise IndexCorrupt(f"{pointer} is damaged. Rebuild the index with: rag build CORPUS_DIR --index {root}")
    return root / name


def read_manifest(root: Path) -> dict[str, Any] | None:
    folder = current_version(root)
    if folder is None:
        return None
    try:
        return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise IndexCorrupt(
            f"The index manifest in {folder} cannot be read ({exc}). Rebuild with: rag build CORPUS_DIR --index {root}"
        ) from exc


def check_compatible(manifest: dict[str, Any], root: Path, model_name: str, dimension: int) -> None:
    """Refuse an index of another format or model, saying how to rebuild it."""
    how = f"Rebuild it with: rag build CORPUS_DIR --index {root} --rebuild"
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexMismatch(
            f"The index at {root} has format version {manifest.get('format_version')!r}; this version of rag reads "
            f"format {FORMAT_VERSION}. {how}"
        )
    model = manifest.get("model", {})
    if model.get("name") != model_name or model.get("dimension") != dimension:
        raise IndexMismatch(
            f"The index at {root} was built with the embedding model {model.get('name')!r} "
            f"({model.get('dimension')} dimensions), not {model_name!r} ({dimension}). {how}"
        )


def load_index(root: Path | str, *, model_name: str, dimension: int) -> IndexData:
    root = Path(root)
    folder = current_version(root) if root.is_dir() else None
    if folder is None:
        raise IndexNotFound(f"No index at {root}. Build one with: rag build CORPUS_DIR --index {root}")
    manifest = read_manifest(root)
    assert manifest is not None
    check_compatible(manifest, root, model_name, dimension)
    try:
        documents = [DocumentRecord(**d) for d in manifest["documents"]]
        index_of = {d.path: i for i, d in enumerate(documents)}
        page_texts: list[list[str]] = [[""] * d.pages for d in documents]
        with open(folder / "pages.jsonl", encoding="utf-8") as fh:
            for line in fh:
                row = json.loads(line)
                page_texts[index_of[row["document"]]][row["page"] - 1] = row["text"]
        with np.load(folder / "sentences.npz", allow_pickle=False) as z:
            sent = {k: z[k] for k in ("doc", "page", "start", "end")}
        with np.load(folder / "chunks.npz", allow_pickle=False) as z:
            chunk = {k: z[k] for k in ("doc", "page", "s0", "s1")}
        sent_vectors = np.load(folder / "sentence_vectors.npy", allow_pickle=False, mmap_mode="r")
        n_sent, n_chunk = len(sent["doc"]), len(chunk["doc"])
        if sent_vectors.shape != (n_sent, dimension):
            raise ValueError(f"sentence vectors have shape {sent_vectors.shape}, expected {(n_sent, dimension)}")
        if n_chunk and (int(chunk["s1"].max()) > n_sent or int(chunk["s0"].min()) < 0):
            raise ValueError("chunk table points outside the sentence table")
        if n_sent and int(sent["doc"].max()) >= len(documents):
            raise ValueError("sentence table points outside the document list")
        vectors = VectorIndex.load(folder, n_chunk, dimension)
        bm25 = BM25Index.load(folder)
        if bm25.n_docs != n_chunk:
            raise ValueError("lexical index does not match the chunk table")
    except IndexProblem:
        raise
    except Exception as exc:  # any damage to any file: refuse with one clear message
        raise IndexCorrupt(
            f"The index at {root} is damaged or incomplete ({type(exc).__name__}: {exc}). "
            f"Rebuild it with: rag build CORPUS_DIR --index {root} --rebuild"
        ) from exc
    return IndexData(
        manifest=manifest,
        documents=documents,
        page_texts=page_texts,
        sent_doc=sent["doc"],
        sent_page=sent["page"],
        sent_start=sent["start"],
        sent_end=sent["end"],
        sent_vectors=sent_vectors,
        chunk_doc=chunk["doc"],
        chunk_page=chunk["page"],
        chunk_s0=chunk["s0"],
        chunk_s1=chunk["s1"],
        vectors=vectors,
        bm25=bm25,
        folder=folder,
    )


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_index(root: Path, data: IndexData) -> Path:
    """Write `data` as a new version under `root` and switch CURRENT to it atomically."""
    root.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S") + f"-{time.time_ns() % 1_000_000_000:09d}-{os.getpid()}"
    tmp = root / f".tmp-{stamp}"
    final = root / f"v-{stamp}"
    tmp.mkdir()
    try:
        manifest = dict(data.manifest)
        manifest["documents"] = [asdict(d) for d in data.documents]
        with open(tmp / "pages.jsonl", "w", encoding="utf-8") as fh:
            for doc, pages in zip(data.documents, data.page_texts):
                for number, text in enumerate(pages, start=1):
                    fh.write(json.dumps({"document": doc.path, "page": number, "text": text}, ensure_ascii=False) + "\n")
        np.savez(tmp / "sentences.npz", doc=data.sent_doc, page=data.sent_page, start=data.sent_start, end=data.sent_end)
        np.save(tmp / "sentence_vectors.npy", np.ascontiguousarray(data.sent_vectors, dtype=np.float32), allow_pickle=False)
        np.savez(tmp / "chunks.npz", doc=data.chunk_doc, page=data.chunk_page, s0=data.chunk_s0, s1=data.chunk_s1)
        data.vectors.save(tmp)
        data.bm25.save(tmp)
        # The manifest goes last: a version folder without one is never complete.
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
        for f in tmp.iterdir():
            with open(f, "rb") as fh:
                os.fsync(fh.fileno())
        _fsync_dir(tmp)
        os.replace(tmp, final)
        pointer_tmp = root / f".CURRENT-{stamp}"
        pointer_tmp.write_text(final.name + "\n", encoding="utf-8")
        with open(pointer_tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(pointer_tmp, root / CURRENT_FILE)
        _fsync_dir(root)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    remove_stale_versions(root, keep=final.name)
    return final


def remove_stale_versions(root: Path, keep: str, grace_seconds: float = 300.0) -> None:
    """Delete old versions and leftovers of crashed builds.

    Versions replaced less than `grace_seconds` ago are kept, so a server that opened one a moment
    ago can finish reading it (it reloads on its next question).
    """
    now = time.time()
    for child in root.iterdir():
        if child.name == keep or not child.is_dir():
            if child.name.startswith(".CURRENT-"):
                child.unlink(missing_ok=True)
            continue
        if child.name.startswith(".tmp-") or (child.name.startswith("v-") and now - child.stat().st_mtime > grace_seconds):
            shutil.rmtree(child, ignore_errors=True)


class BuildLock:
    """An exclusive lock on an index root, so two builds cannot interleave their writes."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._fh = None

    def __enter__(self) -> "BuildLock":
        import fcntl

        self.root.mkdir(parents=True, exist_ok=True)
        self._fh = open(self.root / LOCK_FILE, "a+")
        try:
            fcntl.flock(self._fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            self._fh.seek(0)
            holder = self._fh.read().strip() or "another process"
            self._fh.close()
            self._fh = None
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                raise IndexLocked(
                    f"Another build is updating {self.root} ({holder}). Wait for it to finish, then run this again."
                ) from exc
            raise
        self._fh.seek(0)
        self._fh.truncate()
        self._fh.write(f"pid {os.getpid()}\n")
        self._fh.flush()
        return self

    def __exit__(self, *exc: object) -> None:
        import fcntl

        if self._fh is not None:
            self._fh.truncate(0)
            fcntl.flock(self._fh.fileno(), fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None
