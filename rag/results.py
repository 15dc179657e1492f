"""Result types returned by the public API: plain dataclasses with `to_dict()` and notebook HTML."""
from __future__ import annotations

import html
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Citation:
    """Where an answer (or a closest passage) sits: a document, a 1-based page, and offsets in that page's text."""

    document: str  # path relative to the corpus folder
    title: str
    page: int  # 1-based
    quote: str  # the verbatim sentence or passage quoted
    start: int  # offset of the answer span (or quote) in the page's extracted text
    end: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Answer:
    """One answer to one question, in the JSON schema of DESIGN.md."""

    question: str
    found: bool
    answer: str | None
    sentence: str | None
    score: float
    citations: list[Citation] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    # Offsets of the answer inside `sentence` (for highlighting); not part of the JSON schema.
    sentence_span: tuple[int, int] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "found": self.found,
            "answer": self.answer,
            "sentence": self.sentence,
            "score": round(float(self.score), 4),
            "citations": [c.to_dict() for c in self.citations],
            "timings_ms": {k: round(float(v), 2) for k, v in self.timings_ms.items()},
        }

    def highlighted_sentence_html(self) -> str:
        """The sentence as escaped HTML with the answer span in <mark>."""
        if not self.sentence:
            return ""
        if self.sentence_span is None:
            return html.escape(self.sentence)
        a, b = self.sentence_span
        s = self.sentence
        return f"{html.escape(s[:a])}<mark>{html.escape(s[a:b])}</mark>{html.escape(s[b:])}"

    def _repr_html_(self) -> str:
        q = html.escape(self.question)
        if not self.found:
            rows = "".join(
                f"<li>{html.escape(c.title)}, p. {c.page}: <q>{html.escape(_clip(c.quote))}</q></li>" for c in self.citations
            )
            return (
                f"<div><p><b>Q:</b> {q}</p><p><b>Not found</b> in the documents "
                f"(confidence {self.score:.2f}). Closest passages, not an answer:</p><ol>{rows}</ol></div>"
            )
        cite = self.citations[0] if self.citations else None
        where = f"{html.escape(cite.title)} ({html.escape(cite.document)}), page {cite.page}" if cite else ""
        return (
            f"<div><p><b>Q:</b> {q}</p><p><b>{html.escape(self.answer or '')}</b> "
            f"<small>(confidence {self.score:.2f})</small></p>"
            f"<blockquote>{self.highlighted_sentence_html()}</blockquote><p>{where}</p></div>"
        )


@dataclass(frozen=True)
class Hit:
    """A retrieved passage (chunk) with its fused retrieval score."""

    document: str
    title: str
    page: int
    start: int
    end: int
    text: str
    score: float
    chunk_id: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def _repr_html_(self) -> str:
        return (
            f"<div><b>{html.escape(self.title)}</b>, p. {self.page} <small>({self.score:.3f})</small>"
            f"<p>{html.escape(_clip(self.text, 400))}</p></div>"
        )


def _clip(text: str, limit: int = 240) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
