"""What the web chat shows, as plain functions (tested without a browser), and its launcher."""
from __future__ import annotations

import html
import logging
import re
from pathlib import Path

from .assistant import Assistant, QuestionError
from .results import Answer

logger = logging.getLogger(__name__)

EXAMPLE_QUESTIONS = [
    "What share of staff had over 55 cases?",
    "How many people does London CRC supervise?",
    "Who is the Chief Inspector of Probation?",
    "How many recommendations did inspectors make?",
]

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")


def safe_text(text: str) -> str:
    """Document text made inert for a Markdown+HTML renderer: tags shown literally, no formatting."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(" ".join(text.split())))


def format_answer(answer: Answer) -> str:
    """The chat reply for one answer: bold span, highlighted sentence, confidence, numbered citations."""
    if not answer.found:
        lines = [
            f"**Not found.** The documents do not answer this with enough confidence ({answer.score:.0%}).",
            "",
            "Closest passages (not an answer):",
        ]
        for n, c in enumerate(answer.citations, start=1):
            quote = c.quote if len(c.quote) < 300 else c.quote[:299] + "…"
            lines.append(f"{n}. *{safe_text(c.title)}*, page {c.page}: {safe_text(quote)}")
        return "\n".join(lines)
    sentence = answer.sentence or ""
    a, b = answer.sentence_span or (0, len(sentence))
    highlighted = f"{safe_text(sentence[:a])} <mark>{safe_text(sentence[a:b])}</mark> {safe_text(sentence[b:])}"
    lines = [
        f"**{safe_text(answer.answer or '')}**",
        "",
        f"> {highlighted.strip()}",
        "",
        f"Confidence {answer.score:.0%}",
        "",
    ]
    for n, c in enumerate(answer.citations, start=1):
        lines.append(f"[{n}] {safe_text(c.title)} ({safe_text(c.document)}), page {c.page}")
    return "\n".join(lines)


def respond(assistant: Assistant, message: str) -> str:
    """Answer one chat message; bad questions get a plain explanation, never a traceback."""
    try:
        return format_answer(assistant.ask(message))
    except QuestionError as exc:
        return safe_text(str(exc))


def make_app(assistant: Assistant):
    import gradio as gr

    def chat(message: str, history: list) -> str:
        return respond(assistant, message)

    return gr.ChatInterface(
        chat,
        title="Inspection report assistant",
        description="Verbatim answers from the indexed reports, with the page they come from. Nothing is generated.",
        examples=EXAMPLE_QUESTIONS,
    )


def launch(assistant: Assistant, *, host: str = "127.0.0.1", port: int = 7860, corpus_dir: str | None = None) -> None:
    app = make_app(assistant)
    app.queue(default_concurrency_limit=4)
    logger.info("serving on http://%s:%d", host, port)
    app.launch(server_name=host, server_port=port, show_api=False, share=False)


def corpus_folder(assistant: Assistant, override: str | None) -> Path | None:
    folder = override or assistant.data.corpus_dir
    return Path(folder) if folder else None
