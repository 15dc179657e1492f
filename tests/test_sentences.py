"""Sentence units: exact offsets, abbreviations, lists, wrapped PDF lines, rating tables."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rag.sentences import MAX_UNIT_CHARS, find_running_lines, is_label_line, row_label, split_sentences, typical_line_length

from .conftest import extract_pages_cached  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"




def units(text: str, exclude=()) -> list[str]:
    return [text[a:b] for a, b in split_sentences(text, exclude)]


def check_invariants(text: str, spans: list[tuple[int, int]]) -> None:
    previous_end = 0
    for a, b in spans:
        assert 0 <= previous_end <= a < b <= len(text)
        assert text[a:b] == text[a:b].strip()
        previous_end = b


# ---------------------------------------------------------------- abbreviations and numbers


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Mr Russell met Mrs Jones. Dr. Patel agreed.",
         ["Mr Russell met Mrs Jones.", "Dr. Patel agreed."]),
        ("They met at St. Mary's Hospital. It went well.",
         ["They met at St. Mary's Hospital.", "It went well."]),
        ("Some services, e.g. Health visiting, improved. Others did not.",
         ["Some services, e.g. Health visiting, improved.", "Others did not."]),
        ("Partners, i.e. The police and schools, attend. Good.",
         ["Partners, i.e. The police and schools, attend.", "Good."]),
        ("It covers plans, reviews etc. and audits. Then it ends.",
         ["It covers plans, reviews etc. and audits.", "Then it ends."]),
        ("See No. 5 in the list. Then para. 3 applies.",
         ["See No. 5 in the list.", "Then para. 3 applies."]),
        ("Of these, 77% were seen. The rate rose by 2.5 points.",
         ["Of these, 77% were seen.", "The rate rose by 2.5 points."]),
        ("The council spent £1.2 million. That was more.",
         ["The council spent £1.2 million.", "That was more."]),
        ("She moved to the U.K. in 2019. She stayed.", ["She moved to the U.K. in 2019.", "She stayed."]),
        ("Born in the U.K. She moved.", ["Born in the U.K.", "She moved."]),
        ("The report by J. Smith was read. It helped.", ["The report by J. Smith was read.", "It helped."]),
        ("Is it safe? Yes! It is.", ["Is it safe?", "Yes!", "It is."]),
        ("A decimal 3.14 stays whole.", ["A decimal 3.14 stays whole."]),
    ],
)
def test_abbreviations_numbers_and_punctuation(text: str, expected: list[str]) -> None:
    assert units(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("He said “it is good.” Then he left.", ["He said “it is good.”", "Then he left."]),
        ('He said "it is good." Then he left.', ['He said "it is good."', "Then he left."]),
        ("They call it ‘the hub.’ It works.", ["They call it ‘the hub.’", "It works."]),
        ("A child said, “I feel safe.” Staff agreed.", ["A child said, “I feel safe.”", "Staff agreed."]),
    ],
)
def test_closing_quote_belongs_to_the_sentence_it_ends(text: str, expected: list[str]) -> None:
    assert units(text) == expected


# ---------------------------------------------------------------- lists and line structure


def test_bullet_items_are_units_without_their_glyphs() -> None:
    text = (
        "What needs to improve? \n"
        "◼ Impact for children living in circumstances where there is domestic abuse \n"
        "◼ The response to children who experience exploitation. \n"
        "• alternative provision  \n"
        "▪ post-16 education for those with the most complex needs \n"
        "- a hyphen bullet \n"
        "* a star bullet\n"
    )
    assert units(text) == [
        "What needs to improve?",
        "Impact for children living in circumstances where there is domestic abuse",
        "The response to children who experience exploitation.",
        "alternative provision",
        "post-16 education for those with the most complex needs",
        "a hyphen bullet",
        "a star bullet",
    ]


def test_numbered_and_lettered_items() -> None:
    text = (
        "Leaders should improve: \n"
        "1. the quality of plans \n"
        "2. the timeliness of reviews \n"
        "(a) first lettered item \n"
        "(b) second lettered item\n"
    )
    assert units(text) == [
        "Leaders should improve:",
        "the quality of plans",
        "the timeliness of reviews",
        "first lettered item",
        "second lettered item",
    ]


def test_numbered_paragraphs_keep_their_text_and_drop_the_number() -> None:
    text = (
        "1. Children and families receive timely and responsive early help services. Staff \n"
        "work closely with partners.  \n"
        "2. The City of London works with a commissioned service.\n"
    )
    assert units(text) == [
        "Children and families receive timely and responsive early help services.",
        "Staff \nwork closely with partners.",
        "The City of London works with a commissioned service.",
    ]


def test_number_opening_a_wrapped_line_is_not_an_item_marker() -> None:
    text = "The number of children in care rose to \n12. This was expected by leaders in the council.\n"
    assert units(text) == [
        "The number of children in care rose to \n12.",
        "This was expected by leaders in the council.",
    ]


def test_wrapped_lines_and_line_end_hyphens_continue_the_sentence() -> None:
    text = (
        "Skilled and experienced workers capture a holistic family understanding. Team \n"
        "around the child plans include good input from partners, including unaccompanied asylum-\n"
        "seeking children who arrive in the City of London and in the London Borough of \n"
        "Barking and Dagenham. Next sentence here.\n"
    )
    assert units(text) == [
        "Skilled and experienced workers capture a holistic family understanding.",
        "Team \naround the child plans include good input from partners, including unaccompanied asylum-\n"
        "seeking children who arrive in the City of London and in the London Borough of \n"
        "Barking and Dagenham.",
        "Next sentence here.",
    ]


def test_blank_line_and_short_heading_end_a_unit() -> None:
    text = (
        "Inspection outcome \n \n"
        "The local area partnership’s arrangements lead to inconsistent experiences and outcomes \n"
        "for children \n"
        " \n"
        "Information about the local area partnership \n"
        "The London Borough of Barking and Dagenham and North East London Integrated Care \n"
        "Board (ICB) are responsible for the planning of services for children with SEND.\n"
    )
    assert units(text) == [
        "Inspection outcome",
        "The local area partnership’s arrangements lead to inconsistent experiences and outcomes \n"
        "for children",
        "Information about the local area partnership",
        "The London Borough of Barking and Dagenham and North East London Integrated Care \n"
        "Board (ICB) are responsible for the planning of services for children with SEND.",
    ]


OFSTED_PAGE_1 = (
    " \n \nInspection of City of London local \nauthority children’s services  \n"
    "Inspection dates: 23 to 27 September 2024 \n"
    "Lead inspector: Christine Kennet, His Majesty’s Inspector \n"
    "Judgement Grade \n"
    "The impact of leaders on social work \npractice with children and families \nOutstanding \n"
    "The experiences and progress of \nchildren who need help and protection  \nGood \n"
    "The experiences and progress of \nchildren in care \nOutstanding \n"
    "The experiences and progress of care \nleavers  \nRequires improvement to be good  \n"
    "Overall effectiveness Outstanding \n"
    "Children living or arriving in the City of London receive excellent services that are \n"
    "making a significant difference to their lives. Starting from the very strong service \n"
    "seen at the last inspection, a highly effective senior leadership team has developed \n"
    "services further and continued to make improvements. "
)


def test_judgement_table_rows_and_label_lines() -> None:
    assert units(OFSTED_PAGE_1) == [
        "Inspection of City of London local \nauthority children’s services",
        "Inspection dates: 23 to 27 September 2024",
        "Lead inspector: Christine Kennet, His Majesty’s Inspector",
        "Judgement Grade",
        "The impact of leaders on social work \npractice with children and families \nOutstanding",
        "The experiences and progress of \nchildren who need help and protection  \nGood",
        "The experiences and progress of \nchildren in care \nOutstanding",
        "The experiences and progress of care \nleavers  \nRequires improvement to be good",
        "Overall effectiveness Outstanding",
        "Children living or arriving in the City of London receive excellent services that are \n"
        "making a significant difference to their lives.",
        "Starting from the very strong service \n"
        "seen at the last inspection, a highly effective senior leadership team has developed \n"
        "services further and continued to make improvements.",
    ]


COVER_TABLE = (
    "Item\nDetail\nInspectorate\nHM Inspectorate of Probation\nType of inspection\n"
    "Routine inspection of a Community Rehabilitation Company\nFieldwork\n11 to 22 March 2019 (sample dates)\n"
    "Publication\nJune 2019\nLead inspector\nHelen Marsh (fictional)\n"
)
PROSE_PAGE = (
    "The service supervises about 31,000 people across the capital, most of them on community orders,\n"
    "and it works with the courts, the police and local councils to manage the risk that they pose to\n"
    "the public. Inspectors found that caseloads were high and that the quality of supervision varied.\n"
)


def test_a_page_of_table_cells_is_split_by_the_documents_line_length() -> None:
    # On a page of short cells the page's own "full line" is short, so a value cell and the label under
    # it ran together as one unit; the document's prose lines say how long a full line really is.
    assert "11 to 22 March 2019 (sample dates)\nPublication" in units(COVER_TABLE)
    typical = typical_line_length([COVER_TABLE, PROSE_PAGE, PROSE_PAGE])
    assert typical is not None and typical > 90
    cells = [COVER_TABLE[a:b] for a, b in split_sentences(COVER_TABLE, typical=typical)]
    assert "11 to 22 March 2019 (sample dates)" in cells and "Publication" in cells and "June 2019" in cells
    # a page's own longer lines still count: the document's length only ever raises the bar
    assert split_sentences(PROSE_PAGE, typical=10) == split_sentences(PROSE_PAGE)
    assert typical_line_length(["", "\n \n"]) is None


def test_long_units_are_split_near_the_middle_with_exact_offsets() -> None:
    clause = "the partnership has improved the timeliness of its plans for children with complex needs"
    text = "; ".join([clause] * 8) + "."
    spans = split_sentences(text)
    assert len(spans) > 1
    check_invariants(text, spans)
    assert all(b - a <= MAX_UNIT_CHARS for a, b in spans)
    assert "".join(text[a:b] for a, b in spans).replace(" ", "") == text.replace(" ", "")


def test_long_run_without_spaces_is_still_bounded() -> None:
    text = "x" * 1000
    spans = split_sentences(text)
    check_invariants(text, spans)
    assert all(b - a <= MAX_UNIT_CHARS for a, b in spans)
    assert sum(b - a for a, b in spans) == 1000


def test_exclude_ranges_are_left_out_and_break_units() -> None:
    text = "Report title \n23 to 27 September 2024 2 \nwork closely with partners. Next one.\n"
    header_end = text.index("work")
    spans = split_sentences(text, [(0, header_end - 1)])
    assert [text[a:b] for a, b in spans] == ["work closely with partners.", "Next one."]


def test_empty_and_whitespace_only() -> None:
    assert split_sentences("") == []
    assert split_sentences(" \n \n\t ") == []


# ---------------------------------------------------------------- running headers


def test_running_lines_ignore_glued_page_numbers() -> None:
    words = ["alpha", "beta", "gamma", "delta", "epsilon"]
    pages = ["Inspection of Somewhere children’s services \nFirst page text.\n"]
    for n in range(2, 6):
        pages.append(
            f" \nInspection of Somewhere children’s services \n23 to 27 September 2024 {n} \n"
            f"Children benefit from {words[n - 2]} social workers. Leaders know {words[n - 1]} well.\n"
        )
    ranges = find_running_lines(pages)
    assert len(ranges) == len(pages)
    assert [pages[0][a:b] for a, b in ranges[0]] == ["Inspection of Somewhere children’s services"]
    for n in range(2, 6):
        page = pages[n - 1]
        assert [page[a:b] for a, b in ranges[n - 1]] == [
            "Inspection of Somewhere children’s services",
            f"23 to 27 September 2024 {n}",
        ]
    assert units(pages[2], ranges[2]) == [
        "Children benefit from beta social workers.",
        "Leaders know gamma well.",
    ]


def test_running_lines_need_three_pages() -> None:
    pages = ["Header \nText one.", "Header \nText two."]
    assert find_running_lines(pages) == [[], []]
    assert find_running_lines([]) == []


def test_a_short_reports_header_that_skips_the_cover_is_running() -> None:
    pages = ["Cover title \nText one.", "Report (sample) – January 2024 \nText two.", "Report (sample) – January 2024 \nText three."]
    ranges = find_running_lines(pages)
    assert ranges[0] == [] and [pages[2][a:b] for a, b in ranges[2]] == ["Report (sample) – January 2024"]


# ---------------------------------------------------------------- properties

TEXT = st.text(
    alphabet=st.one_of(
        st.characters(),
        st.sampled_from(list(" \n\n\t.?!;,:“”\"’‘()◼•▪-*1aA(a)Mr.e.g.U.K.\f")),
    ),
    max_size=600,
)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_split_sentences_property(text: str) -> None:
    spans = split_sentences(text)
    check_invariants(text, spans)
    covered = set()
    for a, b in spans:
        covered.update(range(a, b))
    for i, ch in enumerate(text):
        # Every visible character is in a unit, except list markers dropped at line start.
        if not ch.isspace() and i not in covered:
            line_start = text.rfind("\n", 0, i) + 1
            assert text[line_start:i + 1].strip() != "" and len(text[line_start:i + 1].strip()) <= 8, (
                repr(text), i
            )


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=0, max_value=3000), st.sampled_from(["a", "a ", "word, ", ". ", "\n", "Ab. "]))
def test_very_long_lines(n: int, piece: str) -> None:
    text = piece * n
    spans = split_sentences(text)
    check_invariants(text, spans)
    assert all(b - a <= MAX_UNIT_CHARS for a, b in spans)


@settings(max_examples=100, deadline=None)
@given(TEXT, st.lists(st.tuples(st.integers(0, 700), st.integers(0, 700)), max_size=4))
def test_exclude_property(text: str, raw: list[tuple[int, int]]) -> None:
    exclude = [(min(a, b), max(a, b)) for a, b in raw]
    spans = split_sentences(text, exclude)
    check_invariants(text, spans)
    for a, b in spans:
        for x, y in exclude:
            assert b <= x or a >= y or x == y, "a unit overlaps an excluded range"


# ---------------------------------------------------------------- real reports


def _shared_pdfs() -> list[Path]:
    if not SHARED.is_dir():
        pytest.skip("../shared/data absent")
    pdfs = sorted(SHARED.glob("ofsted-*/pdfs/*.pdf"))
    if not pdfs:
        pytest.skip("../shared/data absent")
    return pdfs


@pytest.fixture(scope="module")
def shared_pages(pytestconfig: pytest.Config) -> dict[str, list[str]]:
    assert pytestconfig.cache is not None
    return {p.name: extract_pages_cached(p, pytestconfig.cache) for p in _shared_pdfs()}


@pytest.mark.shared
def test_real_reports_split_fast_and_exactly(shared_pages: dict[str, list[str]]) -> None:
    started = time.perf_counter()
    results = {}
    for name, pages in shared_pages.items():
        ranges = find_running_lines(pages)
        results[name] = [split_sentences(text, ex) for text, ex in zip(pages, ranges, strict=True)]
    elapsed = time.perf_counter() - started
    assert elapsed < 2.0, f"splitting took {elapsed:.2f} s"
    for name, pages in shared_pages.items():
        for text, spans in zip(pages, results[name], strict=True):
            check_invariants(text, spans)
            assert all(b - a <= MAX_UNIT_CHARS for a, b in spans)


@pytest.mark.shared
def test_real_judgement_tables_are_read_as_rows(shared_pages: dict[str, list[str]]) -> None:
    name = "80450_london-corporation_2024-11-05.pdf"
    if name not in shared_pages:
        pytest.skip(f"{name} absent")
    found = units(shared_pages[name][0])
    assert "The experiences and progress of \nchildren in care \nOutstanding" in found
    assert "Overall effectiveness Outstanding" in found
    assert "Judgement Grade" in found
    assert "Inspection dates: 23 to 27 September 2024" in found
    assert "Lead inspector: Christine Kennet, His Majesty’s Inspector" in found


@pytest.mark.shared
def test_real_running_headers_are_found(shared_pages: dict[str, list[str]]) -> None:
    name = "80450_london-corporation_2024-11-05.pdf"
    if name not in shared_pages:
        pytest.skip(f"{name} absent")
    pages = shared_pages[name]
    ranges = find_running_lines(pages)
    assert [pages[1][a:b] for a, b in ranges[1]] == [
        "Inspection of City of London local authority children’s services",
        "23 to 27 September 2024 2",
    ]
    with_header = sum(1 for r in ranges[1:] if r)
    assert with_header == len(pages) - 1


def test_label_lines_are_recognised_narrowly():
    assert is_label_line("Lead inspector") and is_label_line("Organisation inspected")
    assert not is_label_line("The service improved.")  # a sentence
    assert not is_label_line("Fieldwork 2019")  # carries a figure: a value, not a label
    assert not is_label_line("lower case words")  # a wrapped line's tail
    assert not is_label_line("A heading that is far too long to be a table label")


def test_a_one_line_label_and_value_row_carries_its_label():
    assert row_label("Lead inspector: Tom Anthony, His Majesty’s Inspector") == "Lead inspector"
    assert row_label("Inspection dates: 23 to 27 September 2024") == "Inspection dates"
    assert row_label("Inspectors found three things: delay, drift and poor recording.") == ""  # prose
    assert row_label("Lead inspector:") == ""  # no value
    assert row_label("Note: " + "word " * 20) == ""  # a value that long is a sentence


def test_a_judgement_table_row_carries_its_label():
    assert row_label("Respect\nReasonably good") == "Respect"
    assert row_label("Overall effectiveness Requires improvement to be good") == "Overall effectiveness"
    assert row_label("The experiences and progress of \nchildren in care \nOutstanding") == (
        "The experiences and progress of \nchildren in care"
    )
    assert row_label("The service is good") == ""  # a sentence
    assert row_label("Reasonably good") == ""  # a grade alone
    assert row_label("Leadership\nStrong and stable") == ""  # no grade
