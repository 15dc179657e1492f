"""The real model, the real index, the real CLI: the product as a user meets it."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rag.evaluation import evaluate, load_eval_file

from .conftest import CORPUS, TEST_DATA, shared_data

pytestmark = pytest.mark.slow

SEED_QUESTION = "What share of staff had over 55 cases?"


def test_seed_question_gives_the_exact_span_and_its_page(real_assistant):
    answer = real_assistant.ask(SEED_QUESTION)
    assert answer.found
    assert answer.answer == "more than 77%"
    cite = answer.citations[0]
    assert cite.document == "london-crc-sample-inspection.pdf"
    page = real_assistant.page_text(cite.document, cite.page)
    assert page[cite.start : cite.end] == answer.answer
    assert answer.sentence and answer.answer in answer.sentence and answer.sentence in page
    assert answer.to_dict()["citations"][0]["page"] == cite.page


def test_answers_are_deterministic(real_assistant):
    a = real_assistant.ask("How many recommendations did the inspectors make?").to_dict()
    b = real_assistant.ask("How many recommendations did the inspectors make?").to_dict()
    a.pop("timings_ms"), b.pop("timings_ms")
    assert a == b


def test_corpus_questions_do_not_regress(real_assistant):
    # The goal is 90% right with every unanswerable question abstained on; measured today over corpus/:
    # 0.722 right, abstention recall 0.50 (6 of 12) at the threshold 0.04, which the development questions
    # chose (README, "Measured figures"). Floors catch regressions, not the goal.
    items = load_eval_file(TEST_DATA / "corpus_qa.jsonl")
    assert len(items) >= 40 and sum(not i.answerable for i in items) >= 10
    report = evaluate(real_assistant, items)
    wrong = [(r.id, r.question, r.gold, r.answer) for r in report.rows if not r.right]
    assert report.metrics["accuracy"] >= 0.6, wrong
    assert report.metrics["abstain_recall"] >= 0.45, wrong
    assert report.metrics["recall@5"] >= 0.90


def test_cli_ask_json_in_a_subprocess(real_index):
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    out = subprocess.run(
        [sys.executable, "-m", "rag.cli", "ask", SEED_QUESTION, "--index", str(real_index), "--json"],
        capture_output=True, text=True, env=env, timeout=300, check=True,
    )
    payload = json.loads(out.stdout)
    assert payload["found"] and payload["answer"] == "more than 77%"
    assert payload["citations"][0]["document"] == "london-crc-sample-inspection.pdf"
    # nothing but the answer: no model-loading progress bar or warning on stderr
    assert out.stderr.strip() == "", out.stderr


def test_cli_rebuild_of_unchanged_corpus_embeds_nothing(real_index, tmp_path):
    import shutil

    index = tmp_path / "index"
    shutil.copytree(real_index, index)
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    out = subprocess.run(
        [sys.executable, "-m", "rag.cli", "build", str(CORPUS), "--index", str(index)],
        capture_output=True, text=True, env=env, timeout=300, check=True,
    )
    assert "0 indexed" in out.stdout and "up to date" in out.stdout


@pytest.fixture(scope="session")
def reports_index(tmp_path_factory) -> Path:
    """The 43 real reports plus corpus/, indexed once per session (about two minutes)."""
    from rag.build import build_index

    folder = tmp_path_factory.mktemp("reports")
    corpus = folder / "corpus"
    corpus.mkdir()
    for sub in ("ofsted-ilacs-london", "ofsted-cqc-area-send-london"):
        for pdf in sorted(shared_data(sub, "pdfs").glob("*.pdf")):
            (corpus / pdf.name).symlink_to(pdf)
    for f in CORPUS.iterdir():
        (corpus / f.name).symlink_to(f)
    build_index(corpus, folder / "index")
    return folder / "index"


@pytest.mark.shared
def test_real_reports_meet_the_bar(reports_index):
    from rag import Assistant

    items = load_eval_file(shared_data("ofsted-ilacs-london", "derived_ilacs_facts_qa.dev.jsonl"))
    report = evaluate(Assistant.open(reports_index), items)
    assert report.metrics["sentence_accuracy"] >= 0.80  # measured 0.993
    assert report.metrics["page_accuracy"] >= 0.80  # measured 0.993
    assert report.metrics["exact_match"] >= 0.70  # measured 0.993


def _development_set_report(reports_index: Path, name: str):
    """`rag eval` figures of one of tests/data's development sets over the reports index, and its misses."""
    from rag import Assistant

    report = evaluate(Assistant.open(reports_index), load_eval_file(TEST_DATA / name))
    return report.metrics, [(r.id, r.answer) for r in report.rows if not r.right]


# tests/data's development sets over the reports index, each with floors (right, abstention recall, and
# recall@5 where given) a little under its measured figures, so a regression fails:
_DEVELOPMENT_FLOORS = [
    # reports_qa_dev.jsonl: findings in the real reports (they choose the threshold). Measured: right 0.931
    # over 232 (51 of the 53 unanswerable abstained on), recall@5 0.939.
    pytest.param("reports_qa_dev.jsonl", 0.85, 0.9, 0.90, id="reports"),
    # seed_qa_dev.jsonl: the seed article's facts in new words, where the real reports compete. Measured:
    # right 0.805 over 133 (26 of the 32 unanswerable abstained on).
    pytest.param("seed_qa_dev.jsonl", 0.72, 0.7, None, id="seed"),
    # fresh_qa_dev.jsonl: 70 questions a helper wrote in session 13 without seeing our other question files
    # or the assistant's answers (20 seed facts, 10 other samples, 25 findings from 25 real reports, 15
    # unanswerable). 0.429 right when first asked; 0.557 now (12 of the 15 unanswerable abstained on).
    pytest.param("fresh_qa_dev.jsonl", 0.45, 0.7, None, id="fresh"),
    # fresh_qa_dev_2.jsonl: 70 more, written in session 14 blind to the system (20 seed facts in a
    # journalist's words, 12 other samples, 24 findings from 24 real reports, 14 unanswerable). 0.486 right
    # when first asked; 0.657 now (9 of the 14 unanswerable abstained on).
    pytest.param("fresh_qa_dev_2.jsonl", 0.55, 0.6, None, id="fresh-2"),
    # tables_qa_dev.jsonl: 40 written in session 15 blind to the system, answered by values read from tables
    # (ratings-table rows, Ofsted judgement rows, cover details; 12 about the samples, 20 about 20 real
    # reports, 8 unanswerable). 0.700 right when first asked; 0.900 now (7 of the 8 abstained on).
    pytest.param("tables_qa_dev.jsonl", 0.8, 0.75, None, id="tables"),
    # seed_news_qa_dev.jsonl: 50 written in session 15 from the seed news article alone (wording fixed
    # before reading our sample report, gold spans taken from it after; 40 answerable, 10 unanswerable).
    # 0.520 right when first asked (7 of the 10 abstained on).
    pytest.param("seed_news_qa_dev.jsonl", 0.45, 0.6, None, id="seed-news"),
    # keyword_qa_dev.jsonl: 50 written in session 16 blind to the system, typed as into a search box
    # ("barnet inspection dates") or as yes/no questions ("is croydon rated good?"); 10 unanswerable. 0.400
    # right when first asked; 0.760 now (7 of the 10 abstained on).
    pytest.param("keyword_qa_dev.jsonl", 0.68, 0.6, None, id="keywords"),
    # people_qa_dev.jsonl: 40 written in session 16 blind to the system on people and posts (15 answered by a
    # name, 15 by a post or body, 10 unanswerable). 0.525 right when first asked; 0.675 now (8 of the 10
    # abstained on); 0.800 at the end of session 19.
    pytest.param("people_qa_dev.jsonl", 0.6, 0.7, None, id="people"),
    # Four sets written in session 17 blind to the system, 40 answerable and 10 unanswerable each:
    # findings_qa_dev.jsonl: findings in the body of 26 real reports (numbers, named things, dates, short
    # phrases). 0.660 right when first asked; 0.720 at the end of session 17, 0.740 at the end of 19 (9 of the
    # 10 abstained on).
    pytest.param("findings_qa_dev.jsonl", 0.65, 0.8, None, id="findings"),
    # seed_reader_qa_dev.jsonl: the seed's facts asked as readers of the news article would, with chatty
    # lead-ins and follow-ups. 0.420 right when first asked; 0.500 now (8 of the 10 abstained on).
    pytest.param("seed_reader_qa_dev.jsonl", 0.44, 0.7, None, id="seed-reader"),
    # seed_plain_qa_dev.jsonl: the seed's facts asked by an examiner told to rephrase every fact in other
    # words. 0.340 right when first asked; 0.360 now (8 of the 10 abstained on).
    pytest.param("seed_plain_qa_dev.jsonl", 0.3, 0.7, None, id="seed-plain"),
    # figures_qa_dev.jsonl: figures in the body of 37 real reports (ages, frequencies, shares in words,
    # dates). 0.720 right when first asked and now (10 of the 10 abstained on).
    pytest.param("figures_qa_dev.jsonl", 0.65, 0.9, None, id="figures"),
    # Three sets written in session 18 blind to the system, 40 answerable and 10 unanswerable each:
    # analyst_qa_dev.jsonl: 20 seed facts in an analyst's or a journalist's words and 20 findings from 17 real
    # reports. 0.580 right when first asked (one gold span, "four" for "how many directors", added since);
    # 0.640 at the end of session 18, 0.680 at the end of 19 (9 of the 10 abstained on).
    pytest.param("analyst_qa_dev.jsonl", 0.58, 0.8, None, id="analyst"),
    # other_qa_dev.jsonl: the four other samples, asked by someone who has not read them ("jail", "kids in
    # care"). 0.580 right when first asked; 0.600 at the end of session 18, 0.640 at the end of 19 (8 of the
    # 10 abstained on).
    pytest.param("other_qa_dev.jsonl", 0.54, 0.6, None, id="other-samples"),
    # judge_qa_dev.jsonl: what inspectors concluded in 27 real reports (grades, areas for improvement,
    # findings about a service, officials, outcomes). 0.640 right when first asked; 0.660 now (9 of the 10
    # abstained on).
    pytest.param("judge_qa_dev.jsonl", 0.6, 0.8, None, id="judgements"),
    # Two sets written at the start of session 19 blind to the system, 15 seed facts, 5 other samples, 20
    # findings from 16-17 real reports and 10 unanswerable each:
    # factcheck_qa_dev.jsonl: a fact-checker's claims and plain-word queries ("jail", "agency temps", "the
    # Square Mile"). 0.740 right when first asked; 0.780 at the end of session 19 (9 of the 10 abstained on).
    pytest.param("factcheck_qa_dev.jsonl", 0.72, 0.8, None, id="fact-check"),
    # scrutiny_qa_dev.jsonl: a council scrutiny officer's quick lower-case queries and comparisons ("bexley
    # send inspection when is the monitoring inspection due"). 0.620 right when first asked; 0.760 at the end
    # of session 19, when only 4 of its 10 unanswerable questions were abstained on.
    pytest.param("scrutiny_qa_dev.jsonl", 0.7, 0.3, None, id="scrutiny"),
]


@pytest.mark.shared
@pytest.mark.parametrize("name,right,abstained,recall5", _DEVELOPMENT_FLOORS)
def test_development_questions_do_not_regress(reports_index, name, right, abstained, recall5):
    metrics, wrong = _development_set_report(reports_index, name)
    assert metrics["accuracy"] >= right, wrong
    assert metrics["abstain_recall"] >= abstained, wrong
    if recall5 is not None:
        assert metrics["recall@5"] >= recall5
