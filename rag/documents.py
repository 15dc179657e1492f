"""Loading documents from a corpus folder into per-page text.

Page texts are stored exactly as extracted (for PDFs: ``page.extract_text()``
verbatim), because answer offsets index into them and users check
``page_text[start:end] == answer``.  Any cleaning happens downstream, by offset.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import zipfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Callable
from xml.etree import ElementTree

logger = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (".pdf", ".txt", ".md", ".markdown", ".html", ".htm", ".docx")

DECRYPT_HINT = "encrypted with a password; decrypt it first (for example with qpdf --decrypt)"


class DocumentError(Exception):
    """A document cannot be read; the message is the reason, worded for a user."""


@dataclass
class Document:
    path: str  # relative to the corpus root, POSIX separators
    title: str
    pages: list[str]  # pages[0] is page 1
    sha256: str  # of the file bytes
    empty_pages: list[int] = field(default_factory=list)  # 1-based, no extractable text

    @property
    def page_count(self) -> int:
        return len(self.pages)


def discover_documents(root: Path) -> list[Path]:
    """Supported files under ``root``, recursively, sorted by relative path; hidden ones skipped."""
    root = Path(root)
    found: list[Path] = []
    for path in root.rglob("*"):
        rel = path.relative_to(root)
        # Dot-files and dot-folders are editor/VCS litter (.git, .~lock, .DS_Store).
        if any(part.startswith(".") for part in rel.parts):
            continue
        if path.suffix.lower() in SUPPORTED_SUFFIXES and path.is_file():
            found.append(path)
    return sorted(found, key=lambda p: p.relative_to(root).as_posix())


def load_document(path: Path, root: Path, on_page: Callable[[int, int], None] | None = None) -> Document:
    """Read one file into a :class:`Document`; raise :class:`DocumentError` if unreadable.

    `on_page(number, pages)` is called after each PDF page is read (a long report takes minutes).
    """
    path, root = Path(path), Path(root)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(f"cannot read file: {exc.strerror or exc}") from exc
    if not data:
        raise DocumentError("empty file")
    try:
        rel = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        rel = path.name  # not under root: still give it a stable, readable name
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        pages, title = _load_pdf(data, rel, on_page)
    elif suffix in (".txt", ".md", ".markdown"):
        pages, title = _load_text(data, rel, markdown=suffix != ".txt")
    elif suffix in (".html", ".htm"):
        pages, title = _load_html(data, rel)
    elif suffix == ".docx":
        pages, title = _load_docx(data)
    else:
        raise DocumentError(f"unsupported file type {suffix or '(none)'}")
    empty = [i + 1 for i, text in enumerate(pages) if not text.strip()]
    if empty:
        # A scanned page has no text layer; say so rather than index nothing silently.
        logger.warning("%s: no extractable text on page(s) %s", rel, ", ".join(map(str, empty)))
    title = _collapse(title or "") or _title_from_stem(path)
    return Document(
        path=rel, title=title, pages=pages, sha256=hashlib.sha256(data).hexdigest(), empty_pages=empty
    )


# --------------------------------------------------------------------------- titles

_SPACES = re.compile(r"\s+")
_FILE_NAME = re.compile(r"\.(?:docx?|pdf|txt|rtf|odt|pptx?|xlsx?|indd|html?|md)\s*$", re.IGNORECASE)
# Word template placeholders such as "LA NAME - ... - INSPECTION DATE".
_PLACEHOLDER = re.compile(r"\b[A-Z]{2,}\s+[A-Z]{2,}\b")
_LABEL_LINE = re.compile(r"[A-Z][\w’'()/&-]*(?: [\w’'()/&-]+){0,5}:\s+\S")


def _collapse(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def _title_from_stem(path: Path) -> str:
    return _collapse(re.sub(r"[_-]+", " ", path.stem)) or path.name


def _plausible_title(title: str | None) -> bool:
    """Reject metadata titles that are file names, "untitled" or template text."""
    if not title:
        return False
    t = _collapse(str(title))
    if len(t) < 3 or "untitled" in t.lower():
        return False
    if _FILE_NAME.search(t) or t.lower().startswith("microsoft "):
        return False
    if " " not in t and ("_" in t or "-" in t):
        return False  # "final_report_v2"
    return not _PLACEHOLDER.search(t)


def _heading_title(text: str) -> str | None:
    """First heading-like lines of a page, joined: the title block of a report.

    Reports put the title just above "Label: value" lines (inspection dates, lead
    inspector); when those exist, the block right before them wins, which skips a
    banner such as "Local area partnership report".
    """
    blocks: list[list[str]] = []
    current: list[str] = []
    saw_label = False
    for raw in text.split("\n")[:60]:
        line = raw.strip()
        if not line:
            if current:
                blocks.append(current)
                current = []
            continue
        if _LABEL_LINE.match(line):
            saw_label = True
            break
        if len(line) > 120 or line.endswith(".") or len(current) >= 6:
            break  # prose: no more heading lines
        current.append(line)
    if current and (saw_label or not blocks):
        blocks.append(current)
    if not blocks:
        return None
    block = blocks[-1] if saw_label else blocks[0]
    if len(block) > 3:
        # Too long for one title: keep the first line and any wrapped continuation.
        kept = [block[0]]
        for line in block[1:]:
            if not line[0].islower():
                break
            kept.append(line)
        block = kept
    title = _collapse(" ".join(block))
    return title or None


# --------------------------------------------------------------------------- PDF


def _load_pdf(data: bytes, rel: str, on_page: Callable[[int, int], None] | None = None) -> tuple[list[str], str | None]:
    import pypdf  # imported here so text-only corpora do not pay for it

    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except Exception as exc:  # noqa: BLE001 - pypdf raises several types here
                raise DocumentError(f"{DECRYPT_HINT} ({exc})") from exc
            if not ok:
                raise DocumentError(DECRYPT_HINT)
        page_objects = list(reader.pages)
    except DocumentError:
        raise
    except Exception as exc:  # noqa: BLE001 - broken PDFs fail in many ways; all mean "unreadable"
        raise DocumentError(f"not a valid PDF: {exc}") from exc
    if not page_objects:
        raise DocumentError("not a valid PDF: it has no pages")
    pages: list[str] = []
    for number, page in enumerate(page_objects, start=1):
        try:
            pages.append(page.extract_text() or "")
        except Exception as exc:  # noqa: BLE001 - one bad page must not lose the document
            logger.warning("%s: text extraction failed on page %d: %s", rel, number, exc)
            pages.append("")
        if on_page is not None:
            on_page(number, len(page_objects))
    meta_title = None
    try:
        meta_title = reader.metadata.title if reader.metadata else None
    except Exception:  # noqa: BLE001 - broken metadata only costs us the title
        logger.debug("%s: unreadable metadata", rel)
    if _plausible_title(meta_title):
        return pages, str(meta_title)
    return pages, _heading_title(pages[0])


# --------------------------------------------------------------------------- text


def _decode(data: bytes, rel: str) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    for encoding in ("cp1252", "latin-1"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        logger.warning("%s: not UTF-8, decoded as %s", rel, encoding)
        return text
    raise AssertionError("latin-1 decodes any bytes")  # pragma: no cover


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _split_pages(text: str) -> list[str]:
    pages = text.split("\f")
    if len(pages) > 1 and not pages[-1].strip():
        pages.pop()  # a trailing form feed does not start a real page
    return pages


def _load_text(data: bytes, rel: str, markdown: bool) -> tuple[list[str], str | None]:
    text = _normalise_newlines(_decode(data, rel))
    pages = _split_pages(text)
    title = None
    if markdown:
        m = re.search(r"^#[ \t]+(.+?)[ \t#]*$", text, re.MULTILINE)
        title = m.group(1) if m else None
    else:
        title = _heading_title(pages[0])
    return pages, title


# --------------------------------------------------------------------------- HTML

_BLOCK_TAGS = frozenset(
    """p div br li ul ol dl dt dd h1 h2 h3 h4 h5 h6 tr table thead tbody tfoot section article
    aside header footer nav main blockquote pre hr figure figcaption caption address form
    fieldset details summary""".split()
)
_SKIP_TAGS = frozenset("script style head noscript template svg".split())
_HTML_SPACES = re.compile(r"[ \t\n\r\f]+")  # HTML's own whitespace; &nbsp; survives


class _HTMLText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_depth = 0
        self.in_title = False
        self.title_parts: list[str] = []
        self.h1_depth = 0
        self.h1_parts: list[str] = []
        self.first_h1: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self.in_title = True
        elif tag in _SKIP_TAGS:
            self.skip_depth += 1
        elif tag == "h1":
            self.h1_depth += 1
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")
        elif tag in ("td", "th"):
            self.parts.append("\t")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        elif tag in _SKIP_TAGS:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag == "h1" and self.h1_depth:
            self.h1_depth -= 1
            if not self.h1_depth and self.first_h1 is None:
                self.first_h1 = _collapse("".join(self.h1_parts)) or None
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title_parts.append(data)
            return
        if self.skip_depth:
            return
        if self.h1_depth and self.first_h1 is None:
            self.h1_parts.append(data)
        # HTML collapses source whitespace; line structure comes from block tags.
        self.parts.append(_HTML_SPACES.sub(" ", data))


def _load_html(data: bytes, rel: str) -> tuple[list[str], str | None]:
    parser = _HTMLText()
    try:
        parser.feed(_decode(data, rel))
        parser.close()
    except Exception as exc:  # noqa: BLE001 - html.parser is lenient; be safe anyway
        raise DocumentError(f"not valid HTML: {exc}") from exc
    lines = [line.strip(" \t") for line in "".join(parser.parts).split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
    title = _collapse("".join(parser.title_parts)) or parser.first_h1
    return [text], title


# --------------------------------------------------------------------------- DOCX

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_DC_TITLE = "{http://purl.org/dc/elements/1.1/}title"


def _load_docx(data: bytes) -> tuple[list[str], str | None]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            root = ElementTree.fromstring(archive.read("word/document.xml"))
            core = archive.read("docProps/core.xml") if "docProps/core.xml" in archive.namelist() else None
    except Exception as exc:  # noqa: BLE001 - bad zip, missing part, bad XML, encrypted zip...
        raise DocumentError(f"not a valid DOCX: {exc}") from exc
    pages: list[list[str]] = [[]]
    for para in root.iter(f"{_W}p"):
        line: list[str] = []
        for node in para.iter():
            if node.tag == f"{_W}t":
                line.append(node.text or "")
            elif node.tag == f"{_W}tab":
                line.append("\t")
            elif node.tag in (f"{_W}br", f"{_W}cr"):
                if node.get(f"{_W}type") == "page":
                    # An explicit page break is the only page boundary a DOCX really has.
                    pages[-1].append("".join(line))
                    line = []
                    pages.append([])
                else:
                    line.append("\n")
        pages[-1].append("".join(line))
    texts = ["\n".join(lines).strip("\n") for lines in pages]
    title = None
    if core is not None:
        try:
            node = ElementTree.fromstring(core).find(_DC_TITLE)
            title = node.text if node is not None else None
        except ElementTree.ParseError:
            title = None
    if not _plausible_title(title):
        first = next((line.strip() for text in texts for line in text.split("\n") if line.strip()), None)
        title = first if first and len(first) <= 200 else None
    return texts, title
