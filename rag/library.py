"""The document library behind the web UI: list, upload (save + index in the background), remove.

Plain functions and one small worker class, tested without a browser.

- Uploaded files are saved into the corpus folder under a sanitised name: only the last path
  component is kept, unsafe characters become "-", and the result is checked to sit directly
  inside the corpus folder, so no upload can write anywhere else.
- Indexing runs in one background thread (`Indexer`): builds and removals are serialised, while
  questions keep using the current index until `Assistant.refresh()` switches to the new one.
"""

from __future__ import annotations

import logging
import re
import shutil
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from .assistant import Assistant
from .build import BuildReport, build_index, remove_document, sha256_file

logger = logging.getLogger(__name__)

ALLOWED_SUFFIXES = (".pdf", ".txt", ".md", ".html", ".htm")
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_NAME_CHARS = 120
LIBRARY_COLUMNS = ["Title", "File", "Pages", "Chunks", "Pages without text", "Added"]

_UNSAFE = re.compile(r"[^\w.\-]+", re.UNICODE)
_REPEATS = re.compile(r"([.\-_])[.\-_]+")


class UploadError(ValueError):
    """An upload is refused; the message says why, worded for the user."""


# ----------------------------------------------------------------------------------- names


def sanitise_filename(name: str) -> str:
    """A safe file name for an upload called `name` (which may hold a path, "..", or any characters).

    Keeps letters and digits of any script (NFC), "-", "_" and "."; drops directories; never starts
    with a dot; lower-cases the extension. Raises UploadError for an unsupported type.
    """
    base = re.split(r"[\\/]", name or "")[-1]
    base = unicodedata.normalize("NFC", base).strip()
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    suffix = "." + suffix.lower() if suffix else ""
    if suffix not in ALLOWED_SUFFIXES:
        shown = suffix or "(no extension)"
        raise UploadError(
            f"{base or name!r}: files of type {shown} are not accepted. Upload PDF, text, Markdown or HTML "
            f"({', '.join(ALLOWED_SUFFIXES)})."
        )
    stem = _UNSAFE.sub("-", stem.replace(" ", "-"))
    stem = _REPEATS.sub(r"\1", stem).strip(".-_ ")
    stem = stem[: MAX_NAME_CHARS - len(suffix)].rstrip(".-_") or "document"
    return stem + suffix


def _inside(folder: Path, name: str) -> Path:
    root = folder.resolve()
    target = (root / name).resolve()
    if target.parent != root:
        raise UploadError(f"{name!r} would be saved outside the corpus folder; refused.")
    return target


def check_upload(path: Path, name: str, *, max_bytes: int = MAX_UPLOAD_BYTES) -> str:
    """Refuse a file that is too large, empty, of the wrong type, or not what its extension says.

    Returns the sanitised name to save it under.
    """
    safe = sanitise_filename(name)
    size = path.stat().st_size
    if size == 0:
        raise UploadError(f"{name}: the file is empty.")
    if size > max_bytes:
        raise UploadError(
            f"{name}: {size / 1e6:.1f} MB is over the {max_bytes / 1e6:.0f} MB limit for one file. "
            "Split it, or add it with `rag build` on the command line."
        )
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if safe.endswith(".pdf"):
        if b"%PDF-" not in head[:1024]:
            raise UploadError(f"{name}: this is not a PDF file (it does not start with %PDF-).")
    elif b"\x00" in head:
        raise UploadError(
            f"{name}: this looks like a binary file, not {safe.rsplit('.', 1)[-1].upper()} text."
        )
    return safe


@dataclass
class SavedUpload:
    name: str  # the corpus-relative file name it was saved under
    original: str
    duplicate_of: str | None = None  # an existing file with the same bytes (nothing saved)


def save_uploads(
    files: Sequence[str | Path | tuple[str | Path, str]],
    corpus_dir: str | Path,
    *,
    max_bytes: int = MAX_UPLOAD_BYTES,
) -> tuple[list[SavedUpload], list[str]]:
    """Copy uploaded files into the corpus folder under safe, non-clashing names.

    `files` are temporary paths (their base name taken as the original name) or (path, original name)
    pairs. Returns what was saved (or recognised as a duplicate) and one message per refused file.
    """
    folder = Path(corpus_dir)
    folder.mkdir(parents=True, exist_ok=True)
    existing: dict[str, str] | None = None
    saved: list[SavedUpload] = []
    errors: list[str] = []
    for item in files:
        src, original = (
            (Path(item[0]), str(item[1])) if isinstance(item, tuple) else (Path(item), Path(item).name)
        )
        try:
            if not src.is_file():
                raise UploadError(f"{original}: the upload did not arrive; try again.")
            safe = check_upload(src, original, max_bytes=max_bytes)
            if existing is None:
                existing = {sha256_file(p): p.name for p in folder.iterdir() if p.is_file()}
            sha = sha256_file(src)
            if sha in existing:
                saved.append(SavedUpload(existing[sha], original, duplicate_of=existing[sha]))
                continue
            target = _inside(folder, safe)
            stem, suffix = target.stem, target.suffix
            n = 2
            while target.exists():
                target = _inside(folder, f"{stem}-{n}{suffix}")
                n += 1
            tmp = _inside(folder, f".upload-{target.name}")  # hidden: a build never picks it up half-written
            shutil.copyfile(src, tmp)
            tmp.replace(target)
            existing[sha] = target.name
            saved.append(SavedUpload(target.name, original))
            logger.info("saved upload %r as %s", original, target)
        except UploadError as exc:
            errors.append(str(exc))
        except OSError as exc:
            errors.append(f"{original}: could not be saved ({exc.strerror or exc}).")
    return saved, errors


# ----------------------------------------------------------------------------------- table


def library_rows(assistant: Assistant) -> list[list]:
    """One row per indexed document: title, file, pages, chunks, pages without text, date added."""
    rows = []
    for d in sorted(assistant.documents, key=lambda d: d.title.lower()):
        empty = ", ".join(str(p) for p in d.empty_pages) if d.empty_pages else "none"
        rows.append([d.title, d.path, d.pages, d.chunks, empty, d.added])
    return rows


def document_choices(assistant: Assistant) -> list[tuple[str, str]]:
    """(label, path) pairs for the "ask only within" filter and the remove picker."""
    return [
        (f"{d.title} ({d.path})", d.path) for d in sorted(assistant.documents, key=lambda d: d.title.lower())
    ]


# ----------------------------------------------------------------------------------- indexing


@dataclass
class Job:
    """One background task (index uploads, or remove a document) and its progress."""

    kind: str  # "index" or "remove"
    description: str
    progress: float = 0.0
    message: str = "waiting for the indexer"
    done: threading.Event = field(default_factory=threading.Event)
    error: str | None = None
    report: BuildReport | None = None
    result: str = ""

    def wait(
        self,
        on_progress: Callable[[float, str], None] | None = None,
        poll: float = 0.2,
        timeout: float | None = None,
    ) -> "Job":
        """Block until the job ends, reporting its progress as it goes."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.done.wait(poll):
            if on_progress:
                on_progress(self.progress, self.message)
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"{self.description} is still running")
        return self


class Indexer:
    """Runs index builds and removals one at a time in a background thread.

    Questions never wait for it: the assistant keeps answering from the index it has until the job
    has written the new version and `refresh()` switches to it.
    """

    def __init__(self, assistant: Assistant, corpus_dir: str | Path) -> None:
        self.assistant = assistant
        self.corpus_dir = Path(corpus_dir)
        self._lock = threading.Lock()
        self._jobs: list[Job] = []
        self._wake = threading.Condition(self._lock)
        self._thread: threading.Thread | None = None
        self.current: Job | None = None

    def _start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="rag-indexer", daemon=True)
            self._thread.start()

    def submit_index(self, description: str = "indexing uploads") -> Job:
        job = Job("index", description)
        return self._submit(job)

    def submit_remove(self, document: str) -> Job:
        job = Job("remove", f"removing {document}")
        job.result = document
        return self._submit(job)

    def _submit(self, job: Job) -> Job:
        with self._wake:
            self._jobs.append(job)
            self._start()
            self._wake.notify()
        return job

    @property
    def busy(self) -> bool:
        with self._lock:
            return bool(self._jobs) or self.current is not None

    def _run(self) -> None:
        while True:
            with self._wake:
                while not self._jobs:
                    if not self._wake.wait(timeout=60):
                        self._thread = None
                        return
                job = self._jobs.pop(0)
                self.current = job
            try:
                if job.kind == "index":
                    self._index(job)
                else:
                    self._remove(job)
            except Exception as exc:  # reported to the user, never lost in a thread
                logger.exception("%s failed", job.description)
                job.error = str(exc) or type(exc).__name__
            finally:
                try:
                    self.assistant.refresh()
                except Exception:  # noqa: BLE001 - the next question retries the refresh
                    logger.exception("could not switch to the new index")
                with self._lock:
                    self.current = None
                job.progress = 1.0
                job.done.set()

    def _index(self, job: Job) -> None:
        def progress(fraction: float, message: str) -> None:
            job.progress, job.message = max(0.0, min(1.0, fraction)), message

        job.message = "starting"
        job.report = build_index(
            self.corpus_dir, self.assistant.root, embedder=self.assistant.embedder, progress=progress
        )
        job.message = job.report.summary()

    def _remove(self, job: Job) -> None:
        document = job.result
        job.message = f"removing {document} from the index"
        try:
            record = self.assistant.document(document)
        except KeyError as exc:
            raise ValueError(f"{document} is not in the index") from exc
        remove_document(self.assistant.root, record.path, embedder=self.assistant.embedder)
        job.progress = 0.8
        for name in [record.path, *record.aliases]:
            path = _corpus_file(self.corpus_dir, name)
            if path is not None:
                path.unlink()
                logger.info("deleted %s", path)
        job.message = f"Removed {record.title} ({record.path})"


def _corpus_file(corpus_dir: Path, document: str) -> Path | None:
    root = corpus_dir.resolve()
    path = (root / document).resolve()
    if path == root or not path.is_relative_to(root) or not path.is_file():
        return None
    return path


# ----------------------------------------------------------------------------------- callbacks


def upload_documents(
    indexer: Indexer,
    files: Sequence[str | Path | tuple[str | Path, str]] | None,
    on_progress: Callable[[float, str], None] | None = None,
    *,
    max_bytes: int = MAX_UPLOAD_BYTES,
) -> str:
    """Save uploads into the corpus folder, index them in the background, wait, and say what happened.

    The message is Markdown with every file name escaped by the caller's renderer rules.
    """
    if not files:
        return "Choose one or more PDF, text, Markdown or HTML files to add."
    saved, errors = save_uploads(files, indexer.corpus_dir, max_bytes=max_bytes)
    lines = [f"Refused: {e}" for e in errors]
    new = [s for s in saved if s.duplicate_of is None]
    lines += [
        f"Already in the library: {s.original} (same content as {s.duplicate_of})."
        for s in saved
        if s.duplicate_of
    ]
    if new:
        job = indexer.submit_index("indexing " + ", ".join(s.name for s in new))
        job.wait(on_progress)
        if job.error:
            lines.append(f"Indexing failed: {job.error}")
        else:
            report = job.report
            skipped = dict(report.skipped) if report else {}
            for s in new:
                if s.name in skipped:
                    lines.append(f"Could not index {s.name}: {skipped[s.name]}")
                else:
                    lines.append(f"Added {s.name} — ready to ask about.")
            if report:
                lines.append(f"Library: {report.summary()}.")
    return "\n".join(lines)


def remove_documents(
    indexer: Indexer,
    documents: Sequence[str] | str | None,
    on_progress: Callable[[float, str], None] | None = None,
) -> str:
    """Remove documents from the index and delete their files from the corpus folder."""
    if isinstance(documents, str):
        documents = [documents]
    if not documents:
        return "Choose a document to remove."
    lines = []
    for document in documents:
        job = indexer.submit_remove(document).wait(on_progress)
        lines.append(f"Could not remove {document}: {job.error}" if job.error else job.message + ".")
    return "\n".join(lines)
