"""Chunking pages into overlapping passages of whole sentences.

A chunk is a range ``[i, j)`` of sentence indexes on one page; its text is the page
text from the first sentence's start to the last sentence's end, so a chunk is
always a verbatim slice of the page (``chunk_text``).  Chunks never cross pages:
a citation names one page.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from .documents import Document
from .sentences import find_running_lines, split_sentences, typical_line_length

logger = logging.getLogger(__name__)


# Bump when sentence or chunk boundaries change for the same text: indexes built before re-segment.
SEGMENTER_VERSION = 5


@dataclass(frozen=True)
class ChunkerSettings:
    max_chars: int = 700
    overlap_sentences: int = 1

    def __post_init__(self) -> None:
        if self.max_chars < 1:
            raise ValueError("max_chars must be positive")
        if self.overlap_sentences < 0:
            raise ValueError("overlap_sentences must not be negative")

    def to_dict(self) -> dict:
        """Plain dict for the index manifest: a change here means re-chunking."""
        return {**asdict(self), "segmenter": SEGMENTER_VERSION}


@dataclass(frozen=True)
class PageSegments:
    page: int  # 1-based
    sentences: list[tuple[int, int]]  # offsets into the page text
    chunks: list[tuple[int, int]]  # ranges [i, j) of sentence indexes


def chunk_sentences(
    sentences: Sequence[tuple[int, int]], settings: ChunkerSettings
) -> list[tuple[int, int]]:
    """Group consecutive sentences into chunks ``[i, j)``.

    Greedy: a chunk takes sentences while its span stays within ``max_chars`` (a
    single longer sentence forms a chunk alone).  The next chunk starts
    ``overlap_sentences`` back, fewer when the overlap would leave no room for the
    next new sentence, so that every chunk adds at least one sentence.
    """
    n = len(sentences)
    if n == 0:
        return []

    def span(a: int, b: int) -> int:
        return sentences[b - 1][1] - sentences[a][0]

    chunks: list[tuple[int, int]] = []
    start = 0
    while True:
        end = start + 1
        while end < n and span(start, end + 1) <= settings.max_chars:
            end += 1
        chunks.append((start, end))
        if end >= n:
            return chunks
        nxt = max(end - settings.overlap_sentences, start + 1)
        while nxt < end and span(nxt, end + 1) > settings.max_chars:
            nxt += 1  # shrink the overlap until the next new sentence fits
        start = nxt


def segment_document(doc: Document, settings: ChunkerSettings = ChunkerSettings()) -> list[PageSegments]:
    """Sentences and chunks for every page of ``doc`` (one entry per page, in order).

    Running headers and footers (report title, dates and page number on every page)
    are excluded, so they neither pad chunks nor turn up as answers.
    """
    running = find_running_lines(doc.pages)
    typical = typical_line_length(doc.pages)
    segments: list[PageSegments] = []
    for number, (text, exclude) in enumerate(zip(doc.pages, running, strict=True), start=1):
        sentences = split_sentences(text, exclude, typical)
        segments.append(PageSegments(number, sentences, chunk_sentences(sentences, settings)))
    logger.debug(
        "%s: %d sentences, %d chunks",
        doc.path,
        sum(len(s.sentences) for s in segments),
        sum(len(s.chunks) for s in segments),
    )
    return segments


def chunk_text(text: str, segment: PageSegments, index: int) -> tuple[int, int, str]:
    """``(start, end, text[start:end])`` of chunk ``index`` of a page."""
    i, j = segment.chunks[index]
    start, end = segment.sentences[i][0], segment.sentences[j - 1][1]
    return start, end, text[start:end]
