"""The public API over a small index built with the fake embedder."""
from __future__ import annotations

import pytest

from rag import Answer, Assistant, Citation, QuestionError
from rag.build import build_index
from rag.embedding import HashingEmbedder


@pytest.fixture
def assistant(tiny_index, fake_embedder):
    return Assistant.open(tiny_index, embedder=fake_embedder)


def test_search_finds_the_passage_and_respects_the_document_filter(assistant):
    hits = assistant.search("How many men did the prison hold?", top_k=3)
    assert hits[0].document == "prison.md" and "812" in hits[0].text
    page = assistant.page_text(hits[0].document, hits[0].page)
    assert page[hits[0].start : hits[0].end] == hits[0].text
    only = assistant.search("How many men did the prison hold?", top_k=3, documents=["care.html"])
    assert only and {h.document for h in only} == {"care.html"}
    assert assistant.search("prison", documents=["not-there.pdf"]) == []


def test_ask_offsets_slice_the_page(assistant):
    answer = assistant.ask("How many men did the prison hold on the day of the inspection?", threshold=0.0)
    assert answer.found
    cite = answer.citations[0]
    assert assistant.page_text(cite.document, cite.page)[cite.start : cite.end] == answer.answer
    assert answer.sentence and answer.answer in answer.sentence
    quotes = [(c.document, c.page, c.quote) for c in answer.citations]
    assert len(quotes) == len(set(quotes)), "each cited sentence once"


def test_abstention_lists_closest_passages(assistant):
    answer = assistant.ask("What colour is the moon?", threshold=1.01)
    assert not answer.found and answer.answer is None and answer.sentence is None
    assert answer.citations
    for c in answer.citations:
        assert assistant.page_text(c.document, c.page)[c.start : c.end] == c.quote


@pytest.mark.parametrize("question", ["", "   ", "x" * 1001])
def test_bad_questions_are_refused(assistant, question):
    with pytest.raises(QuestionError):
        assistant.ask(question)


def test_page_text_errors(assistant):
    with pytest.raises(KeyError):
        assistant.page_text("nope.pdf", 1)
    with pytest.raises(ValueError):
        assistant.page_text("prison.md", 9)


def test_refresh_picks_up_a_rebuild(tiny_corpus, tiny_index, fake_embedder):
    assistant = Assistant.open(tiny_index, embedder=fake_embedder)
    assert len(assistant.documents) == 3
    (tiny_corpus / "extra.txt").write_text("Sample extra document: the kitchen served 450 meals.", encoding="utf-8")
    build_index(tiny_corpus, tiny_index, embedder=fake_embedder)
    hits = assistant.search("how many meals did the kitchen serve")  # search refreshes first
    assert len(assistant.documents) == 4 and hits[0].document == "extra.txt"
    assert not assistant.refresh()


def test_result_html_escapes_document_text():
    answer = Answer(
        question="<b>q</b>",
        found=True,
        answer="<script>alert(1)</script>",
        sentence="before <script>alert(1)</script> after",
        score=0.9,
        citations=[Citation("a<b>.pdf", "T<i>", 1, "quote", 7, 32)],
        sentence_span=(7, 32),
    )
    html = answer._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<mark>&lt;script&gt;alert(1)&lt;/script&gt;</mark>" in html
    assert answer.to_dict()["citations"][0]["document"] == "a<b>.pdf"
    abstain = Answer("q", False, None, None, 0.1, [Citation("d.pdf", "<T>", 2, "<x>", 0, 3)])
    assert "&lt;x&gt;" in abstain._repr_html_() and "Not found" in abstain._repr_html_()


def test_other_embedder_is_refused(tiny_index):
    from rag.store import IndexMismatch

    with pytest.raises(IndexMismatch):
        Assistant.open(tiny_index, embedder=HashingEmbedder(dimension=16))


def _front_page(tmp_path, fake_embedder, rows: str) -> Assistant:
    """An assistant over one sample front page: a cover table (one line per cell, as PDF extraction gives
    it), then a paragraph of full lines."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "front.txt").write_text(
        "Sample report front page\n\nThis is a sample written for tests.\n\n" + rows + "\n"
        "The service supervises 4,100 people across the county, most of them on community orders, and it\n"
        "works with the courts, the police and local councils to manage the risk they pose to the public.\n",
        encoding="utf-8",
    )
    build_index(folder, tmp_path / "index", embedder=fake_embedder)
    return Assistant.open(tmp_path / "index", embedder=fake_embedder)


def test_a_table_label_line_is_read_with_the_value_under_it(tmp_path, fake_embedder):
    # PDF tables come out as one line per cell: the label and its value are separate sentences.
    rows = (
        "Organisation inspected\nNorth Vale Probation Service\nLead inspector\nHelen Marsh (fictional)\n"
        "Publication\nJune 2019\n"
    )
    assistant = _front_page(tmp_path, fake_embedder, rows)
    answer = assistant.ask("Who was the lead inspector?", threshold=0.0)
    assert answer.answer == "Helen Marsh"
    assert answer.sentence == "Lead inspector\nHelen Marsh (fictional)"
    cite = answer.citations[0]
    page = assistant.page_text(cite.document, cite.page)
    assert page[cite.start : cite.end] == answer.answer
    assert cite.quote == answer.sentence and cite.quote in page


def test_a_table_value_line_is_no_label_of_the_line_under_it(tmp_path, fake_embedder):
    # "Inspectorate / HM Inspectorate of Probation / Organisation inspected / ...": rows alternate, so the
    # value "HM Inspectorate of Probation" is never read as the label of "Organisation inspected"
    rows = "Inspectorate\nHM Inspectorate of Probation\nOrganisation inspected\nNorth Vale Probation Service\n"
    assistant = _front_page(tmp_path, fake_embedder, rows)
    data = assistant._data
    candidates, _ = assistant.candidates(data, [(c, 1.0) for c in range(len(data.chunk_doc))])
    rows = {c.text for c in candidates if c.label}
    assert "Inspectorate\nHM Inspectorate of Probation" in rows
    assert "Organisation inspected\nNorth Vale Probation Service" in rows
    assert "HM Inspectorate of Probation\nOrganisation inspected" not in rows


def test_a_build_that_finishes_while_the_assistant_opens_is_not_missed(tiny_corpus, tiny_index, fake_embedder, monkeypatch):
    import rag.assistant as assistant_module

    real_load = assistant_module.load_index

    def load_then_rebuild(*args, **kwargs):
        data = real_load(*args, **kwargs)
        # another process publishes a new version right after this one was read
        (tiny_corpus / "kitchen.txt").write_text("Sample kitchen note. The kitchen served 431 meals.", encoding="utf-8")
        build_index(tiny_corpus, tiny_index, embedder=fake_embedder)
        return data

    monkeypatch.setattr(assistant_module, "load_index", load_then_rebuild)
    assistant = Assistant.open(tiny_index, embedder=fake_embedder)
    monkeypatch.setattr(assistant_module, "load_index", real_load)
    assert "kitchen.txt" not in {d.path for d in assistant.documents}
    assert assistant.refresh()
    assert "kitchen.txt" in {d.path for d in assistant.documents}


def test_a_document_s_own_year_is_its_inspection_dates_or_the_one_its_cover_names_most(tmp_path, fake_embedder):
    from rag.assistant import cover_year

    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "report.txt").write_text(
        "Inspection dates: 4 to 15 March 2024. Published 9 July 2024. Previous inspection: October 2021.\n\nThe prison held 812 men.",
        encoding="utf-8",
    )
    # the earlier inspection named twice on the cover is not the report's own year
    (folder / "council.txt").write_text(
        "Inspection dates\n13 to 24 November 2023\nPrevious inspection\nJune 2019\n\nServices have improved since June 2019.",
        encoding="utf-8",
    )
    (folder / "letter.txt").write_text("Dear Governor, in 2022 and again in 2023 you wrote; by 2023 ...", encoding="utf-8")
    (folder / "undated.txt").write_text("A note with no dates at all.", encoding="utf-8")
    build_index(folder, tmp_path / "index", embedder=fake_embedder)
    data = Assistant.open(tmp_path / "index", embedder=fake_embedder).data
    years = {d.path: cover_year(data, i) for i, d in enumerate(data.documents)}
    assert years == {"report.txt": "2024", "council.txt": "2023", "letter.txt": "2023", "undated.txt": ""}


_VERDICT = "What verdict did the probation inspectorate reach overall on North Vale?"


def _north_vale(tmp_path, fake_embedder, body: str = "", other: str = "The kitchen served 431 meals.") -> Assistant:
    """An index of a probation report whose cover gives its overall rating, then `body`, and one other note."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "northvale-probation-sample.txt").write_text(
        "Sample inspection of North Vale probation service.\n\nOverall rating for North Vale: Requires improvement.\n"
        + body,
        encoding="utf-8",
    )
    (folder / "other-sample.txt").write_text(f"Sample note. {other}\n", encoding="utf-8")
    build_index(folder, tmp_path / "index", embedder=fake_embedder)
    return Assistant.open(tmp_path / "index", embedder=fake_embedder)


def test_a_grade_question_reads_the_named_report_s_overall_rating_wherever_retrieval_looked(tmp_path, fake_embedder):
    # "verdict" is not "rating": the passages retrieved for the question's words may miss the cover's grade,
    # so a grade question about a named report also reads that report's overall-rating sentences
    filler = " ".join(f"Sample paragraph {i}: the service worked with partners on case {i} and kept records." for i in range(60))
    body = "\n" + filler + "\n\nThe verdict of the probation inspectorate was reached after two weeks of fieldwork.\n"
    assistant = _north_vale(tmp_path, fake_embedder, body)
    data = assistant._data
    named = [i for i, d in enumerate(data.documents) if d.path.startswith("northvale")]
    last = [(len(data.chunk_doc) - 1, 1.0)]  # only the last passage retrieved, far from the cover
    without, _ = assistant.candidates(data, last, named)
    with_rows, where = assistant.candidates(data, last, named, _VERDICT)
    assert not any("Overall rating" in c.text for c in without)
    rows = [c for c in with_rows if "Overall rating" in c.text]
    assert len(rows) == 1 and rows[0].named and len(where) == len(with_rows)
    # and not for other kinds of question
    other, _ = assistant.candidates(data, last, named, "How many weeks of fieldwork were there in North Vale?")
    assert not any("Overall rating" in c.text for c in other)


def test_a_grade_question_naming_an_aspect_reads_the_named_report_s_ratings_table(tmp_path, fake_embedder):
    # "What rating did London CRC get for leadership?" had answered the overall grade: the ratings table's
    # rows were not among the passages retrieved, and their numbering ("1.1") hid the label the question names
    filler = " ".join(f"Sample paragraph {i}: the service worked with partners on case {i} and kept records." for i in range(60))
    table = "Ratings table\nAspect inspected\nRating\n1.1 Leadership\nGood\n1.2 Staff\nRequires improvement\n"
    assistant = _north_vale(tmp_path, fake_embedder, table + "\n" + filler + "\n")
    data = assistant._data
    named = [i for i, d in enumerate(data.documents) if d.path.startswith("northvale")]
    last = [(len(data.chunk_doc) - 1, 1.0)]
    rows, _ = assistant.candidates(data, last, named, "What rating did North Vale get for leadership?")
    assert {c.label for c in rows if c.label} >= {"1.1 Leadership", "1.2 Staff"}
    assert assistant.ask("What rating did North Vale get for leadership?", threshold=0.0).answer == "Good"
    assert assistant.ask("What rating did North Vale get for staff?", threshold=0.0).answer == "Requires improvement"
    assert assistant.ask(_VERDICT, threshold=0.0).answer == "Requires improvement"


def _north_vale_far_from(cover: str, tmp_path, fake_embedder):
    """North Vale's report with `cover` then 60 paragraphs: the assistant, its data, the report's id as the
    named documents, and a retrieval of only the last passage, far from the cover."""
    filler = " ".join(f"Sample paragraph {i}: the service worked with partners on case {i} and kept records." for i in range(60))
    assistant = _north_vale(tmp_path, fake_embedder, cover + "\n" + filler + "\n")
    data = assistant._data
    named = [i for i, d in enumerate(data.documents) if d.path.startswith("northvale")]
    return assistant, data, named, [(len(data.chunk_doc) - 1, 1.0)]


def test_a_who_or_when_question_about_a_named_report_reads_its_cover_rows(tmp_path, fake_embedder):
    # retrieval drawn to a report's end matter may not reach its first page, where the cover rows say who led
    # the inspection and when
    cover = "Lead inspector: Asha Verma, His Majesty's Inspector\nInspection dates: 3 to 7 March 2025\n"
    assistant, data, named, last = _north_vale_far_from(cover, tmp_path, fake_embedder)
    for question in ("Who led the inspection of North Vale?", "When was North Vale inspected?"):
        rows, where = assistant.candidates(data, last, named, question)
        assert {c.label for c in rows if c.label} == {"Lead inspector", "Inspection dates"} and len(where) == len(rows)
    rows, _ = assistant.candidates(data, last, named, "How many cases did North Vale keep records on?")
    assert not any(c.label for c in rows)  # not for other kinds of question
    assert assistant.ask("Who led the inspection of North Vale?", threshold=0.0).answer == "Asha Verma"


def test_a_cover_row_may_be_a_label_line_over_its_value(tmp_path, fake_embedder):
    cover = "Lead inspector\nAsha Verma\nInspection dates\n3 to 7 March 2025\n"
    assistant, data, named, last = _north_vale_far_from(cover, tmp_path, fake_embedder)
    rows, where = assistant.candidates(data, last, named, "Who led the inspection of North Vale?")
    paired = {c.label: c.text for c in rows if c.label}
    assert paired == {"Lead inspector": "Lead inspector\nAsha Verma", "Inspection dates": "Inspection dates\n3 to 7 March 2025"}
    assert all(last_ == first + 1 for (first, last_), c in zip(where, rows) if c.label)
    assert assistant.ask("Who was the lead inspector for North Vale?", threshold=0.0).answer == "Asha Verma"


def test_a_yes_no_grade_question_and_a_bare_grade_question_get_the_overall_grade(tmp_path, fake_embedder):
    table = "Judgement Grade\nThe experiences and progress of care leavers\nGood\nOverall effectiveness Requires improvement\n"
    body = (  # prose lines as long as a report page's, so the grade row is a unit of its own
        "Children in North Vale receive poor services. Leaders have not yet acted on the findings of\n"
        "the last inspection, and too many children wait too long for the help that they need to stay safe.\n"
    )
    assistant = _north_vale(tmp_path, fake_embedder, table + body)
    for q in ("Is North Vale outstanding?", "What grade did North Vale get?", "north vale rating"):
        answer = assistant.ask(q, threshold=0.0)
        assert answer.answer == "Requires improvement" and answer.question == q, q
    # a whole grade row is no label of the prose line under it
    data = assistant._data
    candidates, _ = assistant.candidates(data, [(c, 1.0) for c in range(len(data.chunk_doc))])
    assert not any(c.text.startswith("Overall effectiveness Requires improvement\n") for c in candidates)


def test_a_report_s_own_grade_rows_do_not_answer_for_its_previous_inspection(tmp_path, fake_embedder):
    assistant = _north_vale(tmp_path, fake_embedder)
    previous = assistant.ask("What overall grade did North Vale receive at its previous inspection?", threshold=0.0)
    latest = assistant.ask("What overall grade did North Vale receive at its last inspection?", threshold=0.0)
    assert latest.answer == "Requires improvement" and previous.score < latest.score / 4
    # a row about the previous inspection does answer it
    (tmp_path / "2").mkdir()
    assistant = _north_vale(tmp_path / "2", fake_embedder, "Previous inspection\nJune 2019, judged inadequate overall\n")
    previous = assistant.ask("What overall grade did North Vale receive at its previous inspection?", threshold=0.0)
    assert previous.answer == "inadequate"


def test_an_area_send_report_s_outcome_is_read_as_its_grade(tmp_path, fake_embedder):
    folder = tmp_path / "corpus"
    folder.mkdir()
    filler = " ".join(f"Sample paragraph {i}: the partnership worked with schools on plan {i}." for i in range(60))
    (folder / "northvale-area-send-sample.txt").write_text(
        "Area SEND inspection of North Vale Local Area Partnership\nInspection dates: 3 to 7 March 2025\n"
        "Inspection outcome\nThere are widespread and/or systemic failings leading to significant concerns about the\n"
        "experiences and outcomes of children and young people with special educational needs and/or disabilities.\n\n"
        + filler + "\n",
        encoding="utf-8",
    )
    (folder / "other-sample.txt").write_text("Sample note. The kitchen served 431 meals.\n", encoding="utf-8")
    build_index(folder, tmp_path / "index", embedder=fake_embedder)
    assistant = Assistant.open(tmp_path / "index", embedder=fake_embedder)
    data = assistant._data
    last = [(len(data.chunk_doc) - 1, 1.0)]  # far from the outcome
    rows, _ = assistant.candidates(data, last, [0], "What was the outcome of North Vale's area SEND inspection?")
    assert [c.label for c in rows if c.label] == ["Inspection outcome"]
    answer = assistant.ask("What was the outcome of the area SEND inspection of North Vale?", threshold=0.0)
    assert answer.answer == "widespread and/or systemic failings"


def _westvale(tmp_path, fake_embedder, heading: str):
    """A one-report index whose list of two bullet items sits under `heading`, and its sentence texts."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "report.txt").write_text(
        f"Sample report on Westvale.\n{heading}\n◼ Services to children out of hours.\n"
        "◼ Waiting time for early help support.\nThe service is good. It has 12 staff.\n",
        encoding="utf-8",
    )
    build_index(folder, tmp_path / "index", embedder=fake_embedder)
    assistant = Assistant.open(tmp_path / "index", embedder=fake_embedder)
    data = assistant.data
    return assistant, data, [data.sentence_text(s) for s in range(len(data.sent_doc))]


def test_a_bullet_item_is_read_with_the_heading_of_its_list(tmp_path, fake_embedder):
    from rag.assistant import list_heading

    assistant, data, texts = _westvale(tmp_path, fake_embedder, "What needs to improve?")
    headings = {t: list_heading(data, s) for s, t in enumerate(texts)}
    assert headings["Waiting time for early help support."] == "What needs to improve?"
    assert headings["Services to children out of hours."] == "What needs to improve?"
    assert headings["The service is good."] == "" and headings["What needs to improve?"] == ""
    # the items answer together: neither lowers the other's confidence as a rival
    candidates, _ = assistant.candidates(data, [(c, 1.0) for c in range(len(data.chunk_doc))])
    items = [c for c in candidates if c.context == "What needs to improve?"]
    assert len(items) == 2
    from rag.reader import _same_list

    assert _same_list(items[0], items[1]) and not _same_list(items[0], candidates[0])


def test_a_list_heading_may_carry_a_footnote_mark_and_never_answers(tmp_path, fake_embedder):
    from rag.assistant import list_heading

    assistant, data, texts = _westvale(tmp_path, fake_embedder, "What needs to improve?1")
    assert list_heading(data, texts.index("Services to children out of hours.")) == "What needs to improve?1"
    answer = assistant.ask("What needs to improve in Westvale?", threshold=0.0)
    assert answer.sentence != "What needs to improve?1" and answer.answer != "1"


def test_a_grade_question_restricted_to_other_documents_reads_no_named_report_s_rating(tmp_path, fake_embedder):
    assistant = _north_vale(tmp_path, fake_embedder, other="The kitchen served 431 meals and was rated good.")
    restricted = assistant.ask(_VERDICT, documents=["other-sample.txt"], threshold=0.0)
    assert all(c.document == "other-sample.txt" for c in restricted.citations)
    assert assistant.ask(_VERDICT, threshold=0.0).answer == "Requires improvement"
