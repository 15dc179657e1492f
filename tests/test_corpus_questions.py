"""The team's question files about corpus/: test (reported) and development (chooses the threshold)."""
from __future__ import annotations

import pytest

from rag.documents import load_document
from rag.evaluation import load_eval_file

from .conftest import CORPUS, TEST_DATA

FILES = ("corpus_qa.jsonl", "corpus_qa_dev.jsonl")
DEV_FILES = ("corpus_qa_dev.jsonl", "seed_qa_dev.jsonl", "reports_qa_dev.jsonl")  # they choose the threshold


def _squash(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def pages() -> dict[str, list[str]]:
    return {p.name: load_document(p, CORPUS).pages for p in sorted(CORPUS.iterdir()) if p.is_file()}


@pytest.mark.parametrize("name", FILES)
def test_every_answer_is_on_its_page(name, pages):
    items = load_eval_file(TEST_DATA / name)
    assert len(items) >= 40 and sum(not i.answerable for i in items) >= 10
    for item in items:
        if not item.answerable:
            continue
        text = _squash(" ".join(pages[item.document][p - 1] for p in item.pages))
        assert any(_squash(a) in text for a in item.answers), (item.id, item.answers)


@pytest.mark.parametrize("name", DEV_FILES)
def test_development_questions_are_not_the_test_questions(name):
    test = {_squash(i.question).lower() for i in load_eval_file(TEST_DATA / FILES[0])}
    dev = load_eval_file(TEST_DATA / name)
    assert not test & {_squash(i.question).lower() for i in dev}
    assert len({i.id for i in dev}) == len(dev)


@pytest.mark.shared
def test_every_answer_about_the_real_reports_is_on_its_page():
    from .conftest import shared_data

    items = load_eval_file(TEST_DATA / "reports_qa_dev.jsonl")
    assert len(items) >= 40 and sum(not i.answerable for i in items) >= 10
    folders = [shared_data("ofsted-ilacs-london", "pdfs"), shared_data("ofsted-cqc-area-send-london", "pdfs")]
    for item in items:
        if not item.answerable:
            continue
        path = next(f / item.document for f in folders if (f / item.document).exists())
        doc = load_document(path, path.parent)
        text = _squash(" ".join(doc.pages[p - 1] for p in item.pages)).lower()
        assert any(_squash(a).lower() in text for a in item.answers), (item.id, item.answers)
