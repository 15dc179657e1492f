"""The evidence view: a cited page as an image with the answer highlighted, beside its text.

Plain functions, tested without a browser. Document text is always escaped: a page holding
``<script>`` or HTML tags shows them literally.

The index stores pypdf's extracted text; the page image comes from pdfium, whose text differs in
whitespace, line breaks and the odd character. A span is therefore found in pdfium's text by its
characters with whitespace ignored, choosing the occurrence nearest the same relative position on
the page, and highlighted with pdfium's character boxes.
"""

from __future__ import annotations

import html
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

logger = logging.getLogger(__name__)

# pdfium is not thread-safe: every call into it from this module holds this lock.
PDFIUM_LOCK = threading.RLock()

RENDER_SCALE = 2.0  # pixels per PDF point (144 dpi)
HIGHLIGHT_RGBA = (255, 221, 0, 110)  # translucent yellow
HIGHLIGHT_OUTLINE = (230, 170, 0, 255)
CONTEXT_RGBA = (255, 236, 130, 70)  # the sentence around the span, lighter
CONTEXT_CHARS = 1500  # characters shown either side of a passage in a long text page

# Characters that pypdf and pdfium commonly render differently, folded to one form for matching.
_FOLD = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2033": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u00ad": "",
        "\ufb00": "ff",
        "\ufb01": "fi",
        "\ufb02": "fl",
        "\ufb03": "ffi",
        "\ufb04": "ffl",
        "\u00a0": " ",
        "\ufffe": "",
        "\x02": "",
    }
)


# ----------------------------------------------------------------------------------- matching


def _compact(text: str) -> tuple[str, list[int]]:
    """`text` folded, lower-cased and without whitespace, with each kept char's index in `text`."""
    chars: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        folded = ch.translate(_FOLD).lower()
        for f in folded:
            if not f.isspace():
                chars.append(f)
                where.append(i)
    return "".join(chars), where


def find_span(haystack: str, needle: str, relative_position: float = 0.0) -> tuple[int, int] | None:
    """Offsets of `needle` in `haystack`, ignoring whitespace, case, quote and dash styles.

    Of several occurrences, the one whose relative position in `haystack` is nearest
    `relative_position` (0 = start, 1 = end) wins. None when it does not occur.
    """
    hay, hay_at = _compact(haystack)
    ned, _ = _compact(needle)
    if not ned or not hay:
        return None
    best: tuple[float, int] | None = None
    i = hay.find(ned)
    while i != -1:
        distance = abs(i / max(len(hay), 1) - relative_position)
        if best is None or distance < best[0]:
            best = (distance, i)
        i = hay.find(ned, i + 1)
    if best is None:
        return None
    i = best[1]
    return hay_at[i], hay_at[i + len(ned) - 1] + 1


# ----------------------------------------------------------------------------------- PDF pages


@dataclass
class PageImage:
    """A rendered page, and the rectangles (image pixels) drawn over the highlighted span."""

    image: Any  # PIL.Image.Image
    boxes: list[tuple[float, float, float, float]]  # left, top, right, bottom


def _line_boxes(
    charboxes: Sequence[tuple[float, float, float, float]],
) -> list[tuple[float, float, float, float]]:
    """Merge character boxes (PDF units: left, bottom, right, top) into one box per text line."""
    lines: list[list[float]] = []
    for left, bottom, right, top in charboxes:
        if right <= left and top <= bottom:
            continue  # generated chars (spaces, line breaks) have empty boxes
        if lines:
            cur = lines[-1]
            height = max(cur[3] - cur[1], top - bottom, 1.0)
            same_line = (
                abs((cur[1] + cur[3]) / 2 - (bottom + top) / 2) < height * 0.6 and left >= cur[0] - height
            )
            if same_line:
                cur[0], cur[1], cur[2], cur[3] = (
                    min(cur[0], left),
                    min(cur[1], bottom),
                    max(cur[2], right),
                    max(cur[3], top),
                )
                continue
        lines.append([left, bottom, right, top])
    return [tuple(b) for b in lines]  # type: ignore[misc]


def _pdfium_page_text(textpage) -> tuple[str, list[int]]:
    """pdfium's page text and, for each of its characters, the index in pdfium's char array."""
    import pypdfium2.raw as raw

    n = textpage.count_chars()
    text = textpage.get_text_range()
    if len(text) == n:
        return text, list(range(n))
    return text, [raw.FPDFText_GetCharIndexFromTextIndex(textpage.raw, i) for i in range(len(text))]


def render_pdf_page(
    pdf_path: str | Path,
    page: int,
    span_text: str | None = None,
    relative_position: float = 0.0,
    *,
    context_text: str | None = None,
    context_position: float | None = None,
    scale: float = RENDER_SCALE,
) -> PageImage:
    """Render 1-based `page` of a PDF, with `span_text` (if found on the page) under yellow boxes.

    `context_text` (the sentence around the span), when given and found, is shaded more lightly.
    """
    import pypdfium2 as pdfium
    from PIL import Image, ImageDraw

    with PDFIUM_LOCK:
        doc = pdfium.PdfDocument(str(pdf_path))
        try:
            if not 1 <= page <= len(doc):
                raise ValueError(f"{Path(pdf_path).name} has pages 1-{len(doc)}, not {page}")
            pdf_page = doc[page - 1]
            width, height = pdf_page.get_size()
            image = pdf_page.render(scale=scale).to_pil().convert("RGBA")
            charboxes: list[tuple[float, float, float, float]] = []
            contextboxes: list[tuple[float, float, float, float]] = []
            if span_text and span_text.strip():
                textpage = pdf_page.get_textpage()
                text, char_index = _pdfium_page_text(textpage)
                found = find_span(text, span_text, relative_position)
                if found is not None:
                    a, b = found
                    charboxes = [
                        textpage.get_charbox(char_index[i]) for i in range(a, b) if char_index[i] >= 0
                    ]
                    if context_text and context_text.strip() != span_text.strip():
                        pos = relative_position if context_position is None else context_position
                        around = find_span(text, context_text, pos)
                        if around is not None and around[0] <= a and b <= around[1]:
                            contextboxes = [
                                textpage.get_charbox(char_index[i])
                                for i in range(*around)
                                if char_index[i] >= 0
                            ]
                textpage.close()
            rotation = pdf_page.get_rotation()
            pdf_page.close()
        finally:
            doc.close()

    pad = 1.5

    def pixels(charboxes):
        return [
            _to_pixels(left - pad, bottom - pad, right + pad, top + pad, width, height, rotation, scale)
            for left, bottom, right, top in _line_boxes(charboxes)
        ]

    boxes = pixels(charboxes)
    if boxes:
        overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
        draw = ImageDraw.Draw(overlay)
        for box in pixels(contextboxes):
            draw.rectangle(box, fill=CONTEXT_RGBA)
        image = Image.alpha_composite(image, overlay)
        overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
        draw = ImageDraw.Draw(overlay)
        for box in boxes:
            draw.rectangle(box, fill=HIGHLIGHT_RGBA, outline=HIGHLIGHT_OUTLINE, width=2)
        image = Image.alpha_composite(image, overlay)
    return PageImage(image.convert("RGB"), boxes)


def _to_pixels(left, bottom, right, top, width, height, rotation, scale):
    """PDF user space (origin bottom-left) to rendered image pixels (origin top-left)."""
    if rotation == 90:
        x0, x1, y0, y1 = bottom, top, left, right
    elif rotation == 180:
        x0, x1, y0, y1 = width - right, width - left, bottom, top
    elif rotation == 270:
        x0, x1, y0, y1 = height - top, height - bottom, width - right, width - left
    else:
        x0, x1, y0, y1 = left, right, height - top, height - bottom
    return (x0 * scale, y0 * scale, x1 * scale, y1 * scale)


# ----------------------------------------------------------------------------------- page text


def sentence_bounds(page_text: str, quote: str, start: int, end: int) -> tuple[int, int]:
    """Offsets of the quoted sentence around [start, end) in the page text; the span itself if absent."""
    if quote:
        i = page_text.find(quote, max(0, end - len(quote)))
        while i != -1 and i <= start:
            if i + len(quote) >= end:
                return i, i + len(quote)
            i = page_text.find(quote, i + 1)
    return start, end


def marked_text_html(
    page_text: str,
    start: int,
    end: int,
    sentence: tuple[int, int] | None = None,
    *,
    window: int | None = None,
) -> str:
    """The page text as escaped HTML, the sentence marked and the span [start, end) in <mark>.

    With `window`, only that many characters either side of the sentence are shown ("…" marks a cut).
    """
    n = len(page_text)
    start, end = max(0, min(start, n)), max(0, min(end, n))
    s0, s1 = sentence or (start, end)
    s0, s1 = min(s0, start), max(s1, end)
    lo, hi = 0, n
    if window is not None:
        lo, hi = max(0, s0 - window), min(n, s1 + window)
    esc = html.escape
    parts = [
        "…" if lo > 0 else "",
        esc(page_text[lo:s0]),
        '<span class="rag-sentence" style="background:#fff6c2;border-bottom:2px solid #e6aa00">',
        esc(page_text[s0:start]),
        '<mark style="background:#ffdd00;color:#000;font-weight:600">',
        esc(page_text[start:end]),
        "</mark>",
        esc(page_text[end:s1]),
        "</span>",
        esc(page_text[s1:hi]),
        "…" if hi < n else "",
    ]
    body = "".join(parts)
    return (
        '<div class="rag-page-text" style="white-space:pre-wrap;font-family:ui-monospace,monospace;'
        f'font-size:0.85em;line-height:1.45">{body}</div>'
    )


# ----------------------------------------------------------------------------------- citations


@dataclass
class Evidence:
    """What the evidence view shows for one citation."""

    image: Any | None  # PIL image of the page (PDFs), else None
    html: str  # header and page text, escaped, with the sentence and span marked
    highlighted: bool  # the span was found and boxed on the page image


def citation_label(n: int, citation: dict) -> str:
    return f"[{n}] {citation['title']}, page {citation['page']}"


def evidence_for(
    page_text: str,
    citation: dict,
    corpus_dir: str | Path | None,
    *,
    n: int = 1,
) -> Evidence:
    """The evidence view for one citation dict (as in `Citation.to_dict()`), given its page's text."""
    document = citation["document"]
    page = int(citation["page"])
    start, end = int(citation["start"]), int(citation["end"])
    quote = citation.get("quote") or ""
    span = page_text[start:end]
    bounds = sentence_bounds(page_text, quote, start, end)
    header = (
        f'<p class="rag-evidence-head"><b>{html.escape(citation_label(n, citation))}</b><br>'
        f"<small>{html.escape(document)}</small></p>"
    )
    image = None
    highlighted = False
    note = ""
    path = _document_path(corpus_dir, document)
    if document.lower().endswith(".pdf"):
        if path is None:
            note = (
                "<p><i>The PDF file is not in the corpus folder, so only its extracted text is shown.</i></p>"
            )
        else:
            rel = start / max(len(page_text), 1)
            try:
                s0, s1 = bounds
                rendered = render_pdf_page(
                    path,
                    page,
                    span,
                    rel,
                    context_text=page_text[s0:s1],
                    context_position=s0 / max(len(page_text), 1),
                )
                image, highlighted = rendered.image, bool(rendered.boxes)
                if not highlighted:
                    note = "<p><i>Not located on the page image; the passage is marked in the text.</i></p>"
            except Exception as exc:  # a broken file must not break the chat
                logger.warning("could not render %s page %d: %s", document, page, exc)
                kind = html.escape(type(exc).__name__)
                note = f"<p><i>The page could not be rendered ({kind}); its text is shown.</i></p>"
        text = marked_text_html(page_text, start, end, bounds)
    else:
        # Text documents: the passage in its context.
        window = None if len(page_text) <= 2 * CONTEXT_CHARS else CONTEXT_CHARS
        text = marked_text_html(page_text, start, end, bounds, window=window)
    return Evidence(image, header + note + text, highlighted)


def _document_path(corpus_dir: str | Path | None, document: str) -> Path | None:
    """The file of a corpus-relative `document` path, only if it exists inside the corpus folder."""
    if not corpus_dir:
        return None
    root = Path(corpus_dir).resolve()
    path = (root / document).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path
