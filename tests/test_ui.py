"""Unit tests of every web UI callback (rag.ui, rag.evidence, rag.library), without a browser.

Fast: a tiny index built with the hashing embedder, a PDF made with fpdf2.
"""

from __future__ import annotations

import io
import threading
from pathlib import Path

import pytest

from rag import Assistant
from rag.build import build_index
from rag.embedding import HashingEmbedder
from rag.evidence import evidence_for, find_span, marked_text_html, render_pdf_page, sentence_bounds
from rag.library import (
    LIBRARY_COLUMNS,
    Indexer,
    UploadError,
    check_upload,
    document_choices,
    library_rows,
    remove_documents,
    sanitise_filename,
    save_uploads,
    upload_documents,
)
from rag.results import Answer, Citation
from rag.ui import (
    EXAMPLE_QUESTIONS,
    chat_turn,
    citation_choices,
    format_answer,
    respond,
    safe_text,
    show_evidence,
)


SCRIPT = "<script>alert('pwned')</script>"
PDF_LINES = [
    "Sample staffing report",
    "This is a sample written for tests.",
    "Workloads are high, with more than 77% of interviewed staff",
    "saying they managed more than 55 cases.",
    "The service supervises 28,819 people across the capital.",
]


def make_pdf(path: Path, pages: list[list[str]]) -> Path:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_font("Helvetica", size=12)
    for lines in pages:
        pdf.add_page()
        for line in lines:
            pdf.cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


@pytest.fixture
def ui_corpus(tiny_corpus: Path) -> Path:
    folder = tiny_corpus  # the shared sample documents, plus a PDF and a hostile text file
    make_pdf(folder / "staffing.pdf", [["Contents page", "Nothing here."], PDF_LINES])
    (folder / "hostile.txt").write_text(
        f"Hostile sample\n\nThe depot held 4,321 crates {SCRIPT} <b>bold</b> on the day.\n", encoding="utf-8"
    )
    return folder


@pytest.fixture
def ui_assistant(ui_corpus: Path, tmp_path: Path) -> Assistant:
    index = tmp_path / "index"
    build_index(ui_corpus, index, embedder=HashingEmbedder())
    return Assistant.open(index, embedder=HashingEmbedder(), threshold=0.0)


def _found(sentence: str, span: str, title: str = "A report", document: str = "a.pdf") -> Answer:
    a = sentence.index(span)
    cite = Citation(document, title, 2, sentence, 100 + a, 100 + a + len(span))
    return Answer(
        "q?",
        True,
        span,
        sentence,
        0.83,
        [cite, Citation("b.txt", "Other", 1, "x", 0, 1)],
        {},
        (a, a + len(span)),
    )


# ----------------------------------------------------------------------------------- formatting


def test_format_answer_shows_bold_span_marked_sentence_confidence_and_numbered_citations():
    text = format_answer(_found("Of the staff, more than 77% said so.", "more than 77%"))
    assert text.splitlines()[0] == "**more than 77%**"
    assert "<mark>more than 77%</mark>" in text
    assert "Confidence 83%" in text
    assert "[1] A report (a\\.pdf), page 2" in text
    assert "[2] Other (b\\.txt), page 1" in text


def test_the_mark_adds_no_space_the_sentence_does_not_have():
    text = format_answer(_found("Of the staff, more than 77% said so.", "more than 77"))
    assert "> Of the staff, <mark>more than 77</mark>% said so\\." in text
    text = format_answer(_found("Of the staff, more than 77% said so.", "77%"))
    assert "more than <mark>77%</mark> said" in text


def test_abstention_says_so_and_labels_closest_passages_as_not_an_answer():
    answer = Answer(
        "q?", False, None, None, 0.07, [Citation("a.pdf", "A report", 3, "Some passage.", 0, 13)], {}
    )
    text = format_answer(answer)
    assert text.startswith("**Not found.**")
    assert "Closest passages (not an answer)" in text
    assert "*A report*, page 3" in text
    assert "<mark>" not in text


def test_document_text_is_escaped_in_the_chat():
    text = format_answer(_found(f"The figure {SCRIPT} is 12%.", "12%", title="<img src=x onerror=alert(1)>"))
    assert "<script" not in text and "<img" not in text
    assert "&lt;script&gt;" in text and "&lt;img" in text
    assert "<mark>12%</mark>" in text  # our own markup survives
    assert safe_text("**bold** $x$ [link](http://e)") == "\\*\\*bold\\*\\* \\$x\\$ \\[link\\]\\(http://e\\)"


def test_respond_explains_a_bad_question(ui_assistant):
    assert "question is empty" in respond(ui_assistant, "   ")
    assert "characters long" in respond(ui_assistant, "x" * 2000)


def test_chat_turn_appends_the_exchange_and_prepares_the_first_citation(ui_assistant, ui_corpus):
    turn = chat_turn(ui_assistant, "How many people does the service supervise?", [], None, ui_corpus)
    assert [m["role"] for m in turn.history] == ["user", "assistant"]
    assert "28,819" in turn.history[1]["content"]
    assert turn.citations and turn.choices[0].startswith("[1] ")
    assert turn.evidence is not None and ">28,819</mark>" in turn.evidence.html
    again = chat_turn(ui_assistant, "", turn.history, None, ui_corpus)
    assert len(again.history) == 4 and "question is empty" in again.history[-1]["content"]
    assert again.citations == [] and again.evidence is None


def test_the_filter_asks_only_within_chosen_documents(ui_assistant, ui_corpus):
    q = "How many people does the service supervise?"
    turn = chat_turn(ui_assistant, q, [], ["prison.md"], ui_corpus)
    assert turn.citations and {c["document"] for c in turn.citations} == {"prison.md"}
    assert "28,819" not in turn.history[-1]["content"]


def test_citation_choices_number_and_label_closest_passages():
    cites = [
        {"document": "a.pdf", "title": "A", "page": 2, "found": True},
        {"document": "b", "title": "B", "page": 1, "found": False},
    ]
    assert citation_choices(cites) == ["[1] A, page 2", "[2] B, page 1 (closest passage, not an answer)"]


def test_example_questions_include_the_caseload_question():
    assert "What share of staff had over 55 cases?" in EXAMPLE_QUESTIONS


# ----------------------------------------------------------------------------------- evidence


def test_find_span_ignores_whitespace_and_prefers_the_nearest_occurrence():
    hay = "77% here.\r\nLater: more than\r\n77%\r\nsaid they were ... 77% again"
    a, b = find_span(hay, "more than 77%", 0.5)
    assert hay[a:b] == "more than\r\n77%"
    first = find_span(hay, "77%", 0.0)
    last = find_span(hay, "77%", 1.0)
    assert first == (0, 3) and hay[last[0] : last[1]] == "77%" and last[0] > 40
    assert find_span(hay, "it’s “quoted” – yes", 0) is None
    assert find_span('it\'s "quoted" - yes', "it’s “quoted” – yes", 0) == (0, 19)
    assert find_span(hay, "absent", 0) is None and find_span(hay, "  ", 0) is None


def test_pdf_page_renders_as_an_image_with_the_span_highlighted(ui_corpus):
    from PIL import Image

    page = render_pdf_page(ui_corpus / "staffing.pdf", 2, "more than 77% of interviewed staff", 0.3)
    assert isinstance(page.image, Image.Image) and page.image.mode == "RGB"
    assert len(page.boxes) == 1
    left, top, right, bottom = page.boxes[0]
    plain = render_pdf_page(ui_corpus / "staffing.pdf", 2, None)
    assert plain.boxes == [] and plain.image.size == page.image.size

    def yellow(image) -> float:
        import numpy as np

        px = np.asarray(image.crop((int(left), int(top), int(right), int(bottom)))).reshape(-1, 3).astype(int)
        return float(((px[:, 0] > 200) & (px[:, 1] > 180) & (px[:, 2] < 150)).mean())

    assert yellow(page.image) > 0.5 and yellow(plain.image) == 0  # translucent yellow over the span only
    buf = io.BytesIO()
    page.image.save(buf, format="PNG")
    assert buf.getvalue().startswith(b"\x89PNG")
    two_lines = render_pdf_page(ui_corpus / "staffing.pdf", 2, "staff saying they", 0.5)
    assert len(two_lines.boxes) == 2  # one rectangle per line the span covers
    with pytest.raises(ValueError):
        render_pdf_page(ui_corpus / "staffing.pdf", 9, "x")
    # The sentence around the span is shaded more lightly; the span keeps its strong box.
    shaded = render_pdf_page(
        ui_corpus / "staffing.pdf",
        2,
        "77%",
        0.3,
        context_text="Workloads are high, with more than 77% of interviewed staff",
    )
    assert (
        len(shaded.boxes) == 1 and shaded.image.getpixel((int(left) - 40, int((top + bottom) / 2)))[2] < 250
    )


def test_show_evidence_for_a_pdf_citation_gives_the_page_image_and_marked_text(ui_assistant, ui_corpus):
    turn = chat_turn(
        ui_assistant,
        "What share of interviewed staff managed more than 55 cases?",
        [],
        ["staffing.pdf"],
        ui_corpus,
    )
    assert turn.citations[0]["document"] == "staffing.pdf" and turn.citations[0]["page"] == 2
    ev = show_evidence(ui_assistant, ui_corpus, turn.citations, 0)
    assert ev.image is not None and ev.highlighted
    assert "<mark" in ev.html and "rag-sentence" in ev.html and "staffing.pdf" in ev.html


def test_evidence_without_the_pdf_file_falls_back_to_text(ui_assistant, ui_corpus, tmp_path):
    turn = chat_turn(
        ui_assistant,
        "What share of interviewed staff managed more than 55 cases?",
        [],
        ["staffing.pdf"],
        ui_corpus,
    )
    ev = show_evidence(ui_assistant, tmp_path / "elsewhere", turn.citations, 0)
    assert ev.image is None and "<mark" in ev.html and "not in the corpus folder" in ev.html


def test_text_document_evidence_shows_the_passage_in_context_escaped(ui_assistant, ui_corpus):
    text = ui_assistant.page_text("hostile.txt", 1)
    a = text.index("4,321")
    cite = {
        "document": "hostile.txt",
        "title": "Hostile sample",
        "page": 1,
        "quote": text[text.index("The depot") :].strip(),
        "start": a,
        "end": a + 5,
        "found": True,
    }
    ev = show_evidence(ui_assistant, ui_corpus, [cite], 0)
    assert ev.image is None
    assert "<script" not in ev.html and "<b>bold" not in ev.html
    assert "&lt;script&gt;alert(&#x27;pwned&#x27;)&lt;/script&gt;" in ev.html
    assert ">4,321</mark>" in ev.html and "Hostile sample" in ev.html


def test_marked_text_windows_long_pages_and_marks_the_sentence():
    page = "a" * 5000 + " The answer is 42. " + "b" * 5000
    start = page.index("42")
    s0, s1 = sentence_bounds(page, "The answer is 42.", start, start + 2)
    assert page[s0:s1] == "The answer is 42."
    out = marked_text_html(page, start, start + 2, (s0, s1), window=100)
    assert out.count("a") < 300 and "…" in out and ">42</mark>" in out and "The answer is " in out


def test_show_evidence_handles_no_selection_and_removed_documents(ui_assistant, ui_corpus):
    assert show_evidence(ui_assistant, ui_corpus, [], None).image is None
    gone = {"document": "gone.pdf", "title": "Gone", "page": 1, "quote": "", "start": 0, "end": 1}
    ev = show_evidence(ui_assistant, ui_corpus, [gone], 0)
    assert ev.image is None and "removed" in ev.html


def test_evidence_for_an_abstention_says_it_is_not_an_answer(ui_assistant, ui_corpus):
    passage = Citation("prison.md", "Sample prison report", 1, "The prison held 812 men", 0, 10)
    cites = [{**passage.to_dict(), "found": False}]
    ev = show_evidence(ui_assistant, ui_corpus, cites, 0)
    assert "Not an answer" in ev.html
    direct = evidence_for("The prison held 812 men", passage.to_dict(), ui_corpus)
    assert direct.image is None and "<mark" in direct.html


# ----------------------------------------------------------------------------------- library


@pytest.mark.parametrize(
    "name, expected",
    [
        ("report.pdf", "report.pdf"),
        ("../../etc/passwd.txt", "passwd.txt"),
        ("..\\..\\Windows\\win.ini.md", "win.ini.md"),
        ("/abs/path/Report FINAL (v2).PDF", "Report-FINAL-v2.pdf"),
        ("Rapport d’été 2024.pdf", "Rapport-d-été-2024.pdf"),
        ("检查报告.md", "检查报告.md"),
        ("Cafe\u0301.txt", "Café.txt"),  # normalised to NFC
        (".hidden.txt", "hidden.txt"),
        ("<script>alert(1)</script>.html", "script.html"),  # "/" ends a directory
        ("<b>x&y.html", "b-x-y.html"),
        ("....pdf", "document.pdf"),
        ("a" * 300 + ".htm", "a" * 116 + ".htm"),
    ],
)
def test_upload_names_are_sanitised(name, expected):
    assert sanitise_filename(name) == expected


@pytest.mark.parametrize(
    "name", ["../../etc/passwd", "payload.exe", "archive.tar.gz", "doc.docx", "", "..", "notes."]
)
def test_upload_names_of_other_types_are_refused(name):
    with pytest.raises(UploadError, match="not accepted"):
        sanitise_filename(name)


def test_uploads_are_saved_inside_the_corpus_folder_under_safe_names(tmp_path):
    corpus = tmp_path / "corpus"
    up = tmp_path / "up"
    up.mkdir()
    (up / "f1").write_text("first", encoding="utf-8")
    (up / "f2").write_text("second", encoding="utf-8")
    (up / "f3").write_text("first", encoding="utf-8")
    saved, errors = save_uploads(
        [(up / "f1", "../../etc/passwd.txt"), (up / "f2", "passwd.txt"), (up / "f3", "copy.txt")], corpus
    )
    assert errors == []
    assert [s.name for s in saved] == ["passwd.txt", "passwd-2.txt", "passwd.txt"]
    assert saved[2].duplicate_of == "passwd.txt"
    assert sorted(p.name for p in corpus.iterdir()) == ["passwd-2.txt", "passwd.txt"]
    assert not (tmp_path / "etc").exists()


def test_uploads_of_wrong_type_size_or_content_are_refused_with_a_reason(tmp_path):
    corpus = tmp_path / "corpus"
    up = tmp_path / "up"
    up.mkdir()
    (up / "big.txt").write_bytes(b"x" * 2000)
    (up / "fake.pdf").write_bytes(b"MZ\x90\x00 not a pdf")
    (up / "bin.txt").write_bytes(b"\x00\x01\x02")
    (up / "empty.md").write_bytes(b"")
    (up / "run.exe").write_bytes(b"MZ")
    files = [up / n for n in ["big.txt", "fake.pdf", "bin.txt", "empty.md", "run.exe"]] + [up / "missing.txt"]
    saved, errors = save_uploads(files, corpus, max_bytes=1000)
    assert saved == []
    text = "\n".join(errors)
    assert "big.txt: 0.0 MB is over the 0 MB limit" in text
    assert "fake.pdf: this is not a PDF" in text
    assert "bin.txt: this looks like a binary file" in text
    assert "empty.md: the file is empty" in text
    assert "type .exe are not accepted" in text
    assert "missing.txt: the upload did not arrive" in text
    assert list(corpus.iterdir()) == []
    ok = up / "ok.pdf"
    make_pdf(ok, [["hello"]])
    assert check_upload(ok, "My report.pdf") == "My-report.pdf"


def test_library_rows_list_every_indexed_document(ui_assistant):
    rows = library_rows(ui_assistant)
    assert len(LIBRARY_COLUMNS) == 6
    by_file = {r[1]: r for r in rows}
    assert set(by_file) == {"probation.txt", "prison.md", "care.html", "staffing.pdf", "hostile.txt"}
    title, path, pages, chunks, empty, added = by_file["staffing.pdf"]
    assert title == "Sample staffing report" or title
    assert pages == 2 and chunks >= 1 and empty == "none" and len(added) == 10
    assert ("Sample care home report (care.html)", "care.html") in document_choices(ui_assistant)


def test_upload_indexes_in_the_background_and_is_answerable_at_once(ui_assistant, ui_corpus, tmp_path):
    indexer = Indexer(ui_assistant, ui_corpus)
    up = tmp_path / "Ferry notes.txt"
    up.write_text("Ferry notes\n\nThe Quillon ferry carries 3,450 passengers a day.\n", encoding="utf-8")
    seen: list[tuple[float, str]] = []
    message = upload_documents(indexer, [str(up)], lambda f, m: seen.append((f, m)))
    assert "Added Ferry-notes.txt" in message and "Refused" not in message
    assert (ui_corpus / "Ferry-notes.txt").is_file()
    assert "Ferry-notes.txt" in {d.path for d in ui_assistant.documents}  # refreshed already
    answer = ui_assistant.ask("How many passengers does the Quillon ferry carry a day?")
    assert answer.found and "3,450" in answer.answer
    again = upload_documents(indexer, [str(up)])
    assert "Already in the library" in again
    assert upload_documents(indexer, []).startswith("Choose")
    refused = upload_documents(indexer, [(str(up), "evil.sh")])
    assert "Refused" in refused and "not accepted" in refused


def test_asking_never_waits_for_an_upload_being_indexed(ui_assistant, ui_corpus, tmp_path, monkeypatch):
    import rag.library as library

    release = threading.Event()
    started = threading.Event()
    real_build = library.build_index

    def slow_build(*args, **kwargs):
        started.set()
        assert release.wait(30)
        return real_build(*args, **kwargs)

    monkeypatch.setattr(library, "build_index", slow_build)
    indexer = Indexer(ui_assistant, ui_corpus)
    up = tmp_path / "ferry.md"
    up.write_text("# Ferry\n\nThe Quillon ferry carries 3,450 passengers a day.\n", encoding="utf-8")
    result: list[str] = []
    worker = threading.Thread(target=lambda: result.append(upload_documents(indexer, [str(up)])))
    worker.start()
    try:
        assert started.wait(10)
        # While indexing runs, questions are answered from the current index.
        turn = chat_turn(ui_assistant, "How many people does the service supervise?", [], None, ui_corpus)
        assert "28,819" in turn.history[-1]["content"]
        assert "ferry.md" not in {d.path for d in ui_assistant.documents}
        assert indexer.busy
    finally:
        release.set()
    worker.join(30)
    assert result and "Added ferry.md" in result[0]
    assert "ferry.md" in {d.path for d in ui_assistant.documents}


def test_remove_drops_the_document_from_index_and_folder(ui_assistant, ui_corpus):
    indexer = Indexer(ui_assistant, ui_corpus)
    message = remove_documents(indexer, "care.html")
    assert message == "Removed Sample care home report (care.html)."
    assert not (ui_corpus / "care.html").exists()
    assert "care.html" not in {d.path for d in ui_assistant.documents}
    assert "not in the index" in remove_documents(indexer, ["care.html"])
    assert remove_documents(indexer, None).startswith("Choose")
    # Nothing outside the corpus folder can be deleted through a crafted name.
    outside = ui_corpus.parent / "keep.txt"
    outside.write_text("keep", encoding="utf-8")
    assert "not in the index" in remove_documents(indexer, "../keep.txt")
    assert outside.exists()


def test_the_app_builds(ui_assistant, ui_corpus):
    import gradio as gr

    from rag.ui import make_app

    app = make_app(ui_assistant, ui_corpus)
    assert isinstance(app, gr.Blocks)
