"""The web app in a real browser: headless Chromium driven by Playwright over the real model.

Starts the app in-process (rag.ui.launch) on a free port of 127.0.0.1, over an index of a COPY of
corpus/ (uploads and removals must never touch the project's files). Set RAG_SCREENSHOT=1 to save
docs/screenshot.png (a real answer beside its highlighted page) for the README.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from .conftest import PROJECT, copy_corpus
from .server_process import free_port

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WAIT_MS = 120_000  # one answer takes well under a second once the model is loaded; CI machines are slow
SCRIPT = "<script>alert('xss')</script>"
IMG = "<img src=x onerror=alert('img')>"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    if not CHROMIUM.exists():
        pytest.skip(
            f"{CHROMIUM} is missing: install it with `apt-get install -y chromium` to run the browser tests"
        )
    pytest.importorskip("playwright.sync_api", reason="the playwright Python package is not installed")
    from rag import Assistant
    from rag.build import build_index
    from rag.ui import launch

    base = tmp_path_factory.mktemp("browser")
    corpus = copy_corpus(base / "corpus")
    index = base / "index"
    build_index(corpus, index)
    assistant = Assistant.open(index)
    port = free_port()
    app = launch(assistant, host="127.0.0.1", port=port, corpus_dir=str(corpus), block=False)
    try:
        yield {"url": f"http://127.0.0.1:{port}/", "corpus": corpus, "base": base}
    finally:
        app.close()


@pytest.fixture(scope="module")
def page(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1440, "height": 1000})
        pg = context.new_page()
        pg.dialogs = []  # every alert/confirm/prompt that fires: there must be none
        pg.on("dialog", lambda d: (pg.dialogs.append(d.message), d.dismiss()))
        pg.set_default_timeout(WAIT_MS)
        pg.goto(server["url"])
        pg.get_by_role("button", name="Ask", exact=True).wait_for()
        yield pg
        context.close()
        browser.close()


def ask(page, question: str) -> None:
    page.get_by_role("tab", name="Ask").click()
    n = page.locator("#rag-chat .message-row").count()
    page.locator("#rag-question textarea").fill(question)
    page.get_by_role("button", name="Ask", exact=True).click()
    # Wait for the reply: one more bot message than before the question.
    page.wait_for_function(
        "n => document.querySelectorAll('#rag-chat .message-row').length >= n + 2", arg=n, timeout=WAIT_MS
    )


def last_reply(page):
    return page.locator("#rag-chat .message-row.bot-row").last


def upload(page, path: Path, saved_as: str) -> str:
    """Upload a file on the Library tab; wait until the status mentions it, and return the status."""
    from playwright.sync_api import expect

    page.get_by_role("tab", name="Library").click()
    page.locator("#rag-upload input[type=file]").set_input_files(str(path))
    status = page.locator("#rag-status textarea")
    expect(status).to_have_value(re.compile(re.escape(saved_as)), timeout=WAIT_MS)
    return status.input_value()


def test_example_question_gives_the_marked_answer_and_its_citation(page):
    from playwright.sync_api import expect

    page.get_by_role("button", name="What share of staff had over 55 cases?").click()
    page.locator("#rag-chat .message-row.bot-row").first.wait_for(timeout=WAIT_MS)
    reply = last_reply(page)
    expect(reply).not_to_contain_text("Not found.")
    expect(reply.locator("mark", has_text="77%")).to_be_visible(timeout=5000)
    expect(reply).to_contain_text("london-crc-sample-inspection.pdf")
    expect(reply).to_contain_text("[1] An inspection of London Community Rehabilitation Company")
    expect(reply).to_contain_text("Confidence")


def test_opening_the_citation_shows_the_page_image_and_marked_text(page):
    from playwright.sync_api import expect

    options = page.locator("#rag-citations label")
    expect(options.first).to_contain_text(
        "[1] An inspection of London Community Rehabilitation Company, page 2"
    )
    if options.count() > 1:
        options.nth(1).click()
        expect(page.locator("#rag-page-text .rag-evidence-head")).to_contain_text("[2] ")
    options.first.click()
    expect(page.locator("#rag-page-text .rag-evidence-head")).to_contain_text("[1] ")
    image = page.locator("#rag-page-image img")
    expect(image).to_be_visible()
    page.wait_for_function(
        "() => { const i = document.querySelector('#rag-page-image img');"
        " return i && i.complete && i.naturalWidth > 500; }"
    )
    expect(page.locator("#rag-page-text mark", has_text="77")).to_be_visible()
    expect(page.locator("#rag-page-text")).to_contain_text(
        "[1] An inspection of London Community Rehabilitation Company"
    )
    if os.environ.get("RAG_SCREENSHOT"):
        out = PROJECT / "docs" / "screenshot.png"
        out.parent.mkdir(exist_ok=True)
        box = page.locator("#rag-page-image").bounding_box()
        height = min(box["y"] + box["height"] + 16, 2000)
        page.screenshot(path=str(out), full_page=True, clip={"x": 0, "y": 0, "width": 1440, "height": height})


def test_an_uploaded_pdf_is_answerable_at_once(page, server):
    from fpdf import FPDF
    from playwright.sync_api import expect

    path = server["base"] / "Quillon ferry report.pdf"
    pdf = FPDF(format="A4")
    pdf.set_font("Helvetica", size=12)
    pdf.add_page()
    for line in [
        "Quillon ferry terminal: annual review",
        "The Quillon ferry terminal opened in 1987 on the north quay.",
        "The terminal handles 3,450 passengers a day in the summer season.",
        "Its harbour master is Edwina Lark.",
    ]:
        pdf.cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    status = upload(page, path, "Quillon-ferry-report.pdf")
    assert "Added Quillon-ferry-report.pdf" in status, status
    assert (server["corpus"] / "Quillon-ferry-report.pdf").is_file()
    expect(page.locator("#rag-library")).to_contain_text("Quillon-ferry-report.pdf")
    ask(page, "How many passengers a day does the Quillon ferry terminal handle?")
    reply = last_reply(page)
    expect(reply.locator("mark")).to_contain_text("3,450")
    expect(reply).to_contain_text("Quillon-ferry-report.pdf")
    expect(page.locator("#rag-page-image img")).to_be_visible()


def test_a_question_the_documents_do_not_answer_is_refused(page):
    from playwright.sync_api import expect

    ask(page, "What is the boiling point of liquid nitrogen in kelvin?")
    reply = last_reply(page)
    expect(reply).to_contain_text("Not found.")
    expect(reply).to_contain_text("Closest passages (not an answer)")
    expect(reply.locator("mark")).to_have_count(0)


def test_a_document_with_script_tags_shows_them_as_text(page, server):
    from playwright.sync_api import expect

    path = server["base"] / "hostile.txt"
    path.write_text(
        "Zephyr depot stock check\n\n"
        f"The Zephyr depot held 4,321 crates of lamp oil {SCRIPT} {IMG} on the day.\n",
        encoding="utf-8",
    )
    status = upload(page, path, "hostile.txt")
    assert "Added hostile.txt" in status, status
    ask(page, "How many crates of lamp oil did the Zephyr depot hold?")
    reply = last_reply(page)
    expect(reply).to_contain_text("4,321")
    evidence = page.locator("#rag-page-text")
    expect(evidence).to_contain_text(SCRIPT)  # shown literally, as text
    expect(evidence).to_contain_text(IMG)
    assert page.locator("#rag-page-text script, #rag-page-text img, #rag-chat script").count() == 0
    page.wait_for_timeout(500)
    assert page.dialogs == []
