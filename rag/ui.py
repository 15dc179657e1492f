"""What the web chat shows, as plain functions (tested without a browser), and its launcher.

Every callback of the Gradio app is a plain function here, in `rag.evidence` or in `rag.library`;
`make_app` only wires components to them. Document text is always escaped before it is shown.
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from .assistant import Assistant, QuestionError
from .evidence import Evidence, citation_label, evidence_for
from .library import (
    ALLOWED_SUFFIXES,
    LIBRARY_COLUMNS,
    MAX_UPLOAD_BYTES,
    Indexer,
    document_choices,
    library_rows,
    remove_documents,
    upload_documents,
)
from .results import Answer

logger = logging.getLogger(__name__)

EXAMPLE_QUESTIONS = [
    "What share of staff had over 55 cases?",
    "How many people does London CRC supervise?",
    "Who is the Chief Inspector of Probation?",
    "Which company owns London CRC?",
    "How much was spent on security at HMP Eastmoor in 2023?",
]

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>$])")


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
    highlighted = _joined(
        safe_text(sentence[:a]),
        f"<mark>{safe_text(sentence[a:b])}</mark>",
        safe_text(sentence[b:]),
        sentence,
        a,
        b,
    )
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


def _joined(before: str, mark: str, after: str, sentence: str, a: int, b: int) -> str:
    """Join the escaped parts around the mark, with a space only where the sentence has one
    (safe_text trims each part, and "77%" must not become "77 %")."""
    left = " " if before and (sentence[a - 1 : a].isspace() or sentence[a : a + 1].isspace()) else ""
    right = " " if after and (sentence[b - 1 : b].isspace() or sentence[b : b + 1].isspace()) else ""
    return f"{before}{left}{mark}{right}{after}"


def respond(assistant: Assistant, message: str, documents: Sequence[str] | None = None) -> str:
    """Answer one chat message; bad questions get a plain explanation, never a traceback."""
    try:
        return format_answer(assistant.ask(message, documents=list(documents) if documents else None))
    except QuestionError as exc:
        return safe_text(str(exc))


# ----------------------------------------------------------------------------------- chat turn


@dataclass
class Turn:
    """Everything one question changes on screen."""

    history: list[dict[str, Any]]
    citations: list[dict[str, Any]]  # Citation.to_dict() plus "found"
    choices: list[str]  # evidence picker labels
    evidence: Evidence | None  # of the first citation


def ask_documents(
    assistant: Assistant, message: str, documents: Sequence[str] | None = None
) -> tuple[str, Answer | None]:
    """The reply text and the answer (None when the question could not be asked)."""
    try:
        answer = assistant.ask(message, documents=list(documents) if documents else None)
    except QuestionError as exc:
        return safe_text(str(exc)), None
    except Exception as exc:  # noqa: BLE001 - the chat must say something, never show a traceback
        logger.exception("question failed: %r", message)
        return safe_text(f"Sorry, something went wrong answering that ({type(exc).__name__}: {exc})."), None
    return format_answer(answer), answer


def chat_turn(
    assistant: Assistant,
    message: str,
    history: list | None,
    documents: Sequence[str] | None = None,
    corpus_dir: str | Path | None = None,
) -> Turn:
    """One question: append it and the reply to the chat, and prepare the evidence of citation [1]."""
    history = list(history or [])
    message = (message or "").strip()
    reply, answer = ask_documents(assistant, message, documents)
    history.append({"role": "user", "content": safe_text(message) if message else "(empty question)"})
    history.append({"role": "assistant", "content": reply})
    citations = citation_dicts(answer) if answer is not None else []
    evidence = show_evidence(assistant, corpus_dir, citations, 0) if citations else None
    return Turn(history, citations, citation_choices(citations), evidence)


def citation_dicts(answer: Answer) -> list[dict[str, Any]]:
    return [{**c.to_dict(), "found": answer.found, "answer": answer.answer} for c in answer.citations]


def citation_choices(citations: Sequence[dict[str, Any]]) -> list[str]:
    """Labels of the evidence picker: numbered like the chat's citations."""
    labels = []
    for n, c in enumerate(citations, start=1):
        label = citation_label(n, c)
        labels.append(label if c.get("found", True) else label + " (closest passage, not an answer)")
    return labels


def show_evidence(
    assistant: Assistant,
    corpus_dir: str | Path | None,
    citations: Sequence[dict[str, Any]] | None,
    index: int | None,
) -> Evidence:
    """The evidence view for the citation at `index` (0-based) of the last answer."""
    if not citations or index is None or not 0 <= int(index) < len(citations):
        return Evidence(
            None, "<p><i>Ask a question, then choose a citation to see it on its page.</i></p>", False
        )
    c = citations[int(index)]
    try:
        page_text = assistant.page_text(c["document"], int(c["page"]))
    except (KeyError, ValueError) as exc:
        return Evidence(
            None, f"<p><i>{html.escape(str(exc))} (it may have been removed from the library).</i></p>", False
        )
    ev = evidence_for(page_text, c, corpus_dir, n=int(index) + 1)
    if not c.get("found", True):
        ev.html = "<p><b>Not an answer:</b> the closest passage the documents hold.</p>" + ev.html
    return ev


# ----------------------------------------------------------------------------------- library


def library_table(assistant: Assistant) -> list[list]:
    return library_rows(assistant)


# ----------------------------------------------------------------------------------- the app


def corpus_folder(assistant: Assistant, override: str | None) -> Path | None:
    folder = override or assistant.data.corpus_dir
    return Path(folder) if folder else None


CSS = """
.rag-evidence-head { margin: 0 0 0.4em 0; }
mark { background: #ffdd00; color: #000; padding: 0 2px; border-radius: 2px; }
#rag-examples button { text-align: left; }
"""


def make_app(assistant: Assistant, corpus_dir: str | Path | None = None):
    """The Gradio Blocks app. Only wiring: each callback delegates to a plain, tested function."""
    import gradio as gr

    corpus = corpus_folder(assistant, str(corpus_dir) if corpus_dir else None)
    indexer = Indexer(assistant, corpus) if corpus else None

    def doc_updates():
        choices = document_choices(assistant)
        return library_table(assistant), gr.update(choices=choices), gr.update(choices=choices, value=None)

    def on_ask(message, history, documents):
        turn = chat_turn(assistant, message, history, documents, corpus)
        ev = turn.evidence or show_evidence(assistant, corpus, [], None)
        picker = gr.update(choices=turn.choices, value=turn.choices[0] if turn.choices else None)
        return (
            turn.history,
            "",
            turn.citations,
            picker,
            gr.update(value=ev.image, visible=ev.image is not None),
            ev.html,
        )

    def on_pick(citations, index):
        ev = show_evidence(assistant, corpus, citations, index)
        return gr.update(value=ev.image, visible=ev.image is not None), ev.html

    def on_upload(files, progress=gr.Progress()):  # noqa: B008 - how Gradio asks for a progress bar
        if indexer is None:
            message = (
                "Uploads are off: the index does not record its corpus folder. Start with --corpus FOLDER."
            )
        else:
            message = upload_documents(indexer, files, lambda f, m: progress(f, desc=m))
        return (message, *doc_updates(), None)

    def on_remove(document, progress=gr.Progress()):  # noqa: B008 - how Gradio asks for a progress bar
        if indexer is None:
            message = (
                "Removing is off: the index does not record its corpus folder. Start with --corpus FOLDER."
            )
        else:
            message = remove_documents(indexer, document, lambda f, m: progress(f, desc=m))
        return (message, *doc_updates())

    choices = document_choices(assistant)
    with gr.Blocks(title="Inspection report assistant") as demo:
        citations = gr.State([])
        gr.Markdown(
            "# Inspection report assistant\n"
            "Verbatim answers from the indexed reports, with the page they come from. Nothing is generated; "
            "when the documents do not answer, it says so."
        )
        with gr.Tabs():
            with gr.Tab("Ask", id="ask"):
                with gr.Row():
                    with gr.Column(scale=5):
                        chatbot = gr.Chatbot(
                            label="Answers",
                            height=520,
                            latex_delimiters=[],
                            feedback_options=None,
                            elem_id="rag-chat",
                        )
                        with gr.Row():
                            msg = gr.Textbox(
                                placeholder="Ask a question about the reports…",
                                show_label=False,
                                scale=6,
                                max_lines=4,
                                elem_id="rag-question",
                            )
                            ask_btn = gr.Button("Ask", variant="primary", scale=1, elem_id="rag-ask")
                        only = gr.Dropdown(
                            choices=choices,
                            multiselect=True,
                            label="Ask only within these documents (leave empty for all)",
                            elem_id="rag-filter",
                        )
                        gr.Markdown("**Example questions** (click to ask)")
                        with gr.Column(elem_id="rag-examples"):
                            example_btns = [
                                gr.Button(q, size="sm", variant="secondary") for q in EXAMPLE_QUESTIONS
                            ]
                    with gr.Column(scale=6):
                        picker = gr.Radio(
                            choices=[],
                            type="index",
                            label="Evidence: choose a citation",
                            elem_id="rag-citations",
                        )
                        page_image = gr.Image(
                            type="pil",
                            format="png",
                            label="Page, answer highlighted",
                            interactive=False,
                            visible=False,
                            height=760,
                            elem_id="rag-page-image",
                        )
                        page_html = gr.HTML(
                            "<p><i>Ask a question, then choose a citation to see it on its page.</i></p>",
                            elem_id="rag-page-text",
                        )
            with gr.Tab("Library", id="library"):
                table = gr.Dataframe(
                    value=library_table(assistant),
                    headers=LIBRARY_COLUMNS,
                    datatype=["str", "str", "number", "number", "str", "str"],
                    interactive=False,
                    wrap=True,
                    label="Indexed documents",
                    elem_id="rag-library",
                )
                upload = gr.File(
                    file_count="multiple",
                    file_types=list(ALLOWED_SUFFIXES),
                    type="filepath",
                    label=f"Add documents (PDF, text, Markdown, HTML; up to {MAX_UPLOAD_BYTES // 2**20} MB each)",  # noqa: E501
                    elem_id="rag-upload",
                )
                status = gr.Textbox(label="Status", interactive=False, lines=3, elem_id="rag-status")
                with gr.Row():
                    remove_pick = gr.Dropdown(
                        choices=choices, label="Remove a document", scale=4, elem_id="rag-remove-pick"
                    )
                    remove_btn = gr.Button("Remove", variant="stop", scale=1, elem_id="rag-remove")

        ask_outputs = [chatbot, msg, citations, picker, page_image, page_html]
        msg.submit(on_ask, [msg, chatbot, only], ask_outputs)
        # A stable API name (POST /gradio_api/call/ask): scripts and the load tests ask through it.
        ask_btn.click(on_ask, [msg, chatbot, only], ask_outputs, api_name="ask")
        for btn, q in zip(example_btns, EXAMPLE_QUESTIONS, strict=True):
            btn.click(
                lambda history, documents, q=q: on_ask(q, history, documents), [chatbot, only], ask_outputs
            )
        picker.input(on_pick, [citations, picker], [page_image, page_html], trigger_mode="always_last")
        upload.upload(on_upload, [upload], [status, table, only, remove_pick, upload], concurrency_limit=2)
        remove_btn.click(on_remove, [remove_pick], [status, table, only, remove_pick], concurrency_limit=2)
        demo.load(doc_updates, None, [table, only, remove_pick])
    return demo


def launch(
    assistant: Assistant,
    *,
    host: str = "127.0.0.1",
    port: int = 7860,
    corpus_dir: str | None = None,
    block: bool = True,
):
    """Serve the app on http://host:port (127.0.0.1 unless told otherwise). Several users at once:
    questions queue and run four at a time; uploads index in a background thread."""
    app = make_app(assistant, corpus_dir)
    app.queue(default_concurrency_limit=4)
    logger.info("serving on http://%s:%d", host, port)
    app.launch(
        server_name=host,
        server_port=port,
        share=False,
        footer_links=[],
        max_file_size=MAX_UPLOAD_BYTES,
        prevent_thread_lock=not block,
        quiet=not block,
        css=CSS,
    )
    return app
