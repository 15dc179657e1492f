"""Property-based tests for the span extractor: any Unicode text, empty or very long, never raises, and
every answer slices back out of the passage it came from."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rag.answer_types import typed_spans
from rag.embedding import HashingEmbedder
from rag.reader import read

EMB = HashingEmbedder(32)
PIECES = [" ", "\n", "\n\n", "\t", ".", "?", "!", ";", ",", ":", "“", "”", '"', "’", "(", ")", "%", "£", "-", "*",
          "77", "2.5", "more than ", "one in four", " March 2024", "Mr. ", "e.g. ", "Requires improvement to be good",
          "Lead inspector\n"]
TEXT = st.lists(st.one_of(st.text(max_size=30), st.sampled_from(PIECES)), max_size=40).map("".join)
QUESTION = st.one_of(
    st.text(min_size=1, max_size=80),
    st.sampled_from(["How many men?", "What share of staff?", "When did it end?", "Who led it?", "Why?", "What grade?"]),
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TEXT, min_size=1, max_size=3), QUESTION)
def test_read_never_raises_and_answers_slice_back(passages: list[str], question: str) -> None:
    answer = read(question, passages, embedder=EMB, threshold=0.0)
    assert 0.0 <= answer.score <= 1.0
    if not answer.found:
        assert answer.answer is None
        return
    assert answer.answer and answer.sentence and answer.answer in answer.sentence
    cite = answer.citations[0]
    page = int(cite.document.rsplit("-", 1)[1]) - 1  # read() names passages "passage-1", "passage-2", ...
    assert passages[page][cite.start : cite.end] == answer.answer
    assert cite.quote in passages[page]


@settings(max_examples=200, deadline=None)
@given(TEXT)
def test_typed_spans_lie_inside_the_text(text: str) -> None:
    for a, b, kind in typed_spans(text):
        assert 0 <= a < b <= len(text) and kind
        assert text[a:b].strip()  # never only whitespace


# Words the patterns' cheap pre-tests look for, in every case, so both branches of each test are taken.
TYPED_PIECES = PIECES + [" per cent", " PERCENT", "£1.2m", "$3 billion", "40 pounds", " years", " Months", " a week",
                         "twenty-one", "Half ", "the majority of", "three quarters", "2 in 5", "1990s", "5th century",
                         " dozens", "12 September to 3 October 2023", "2019-20", "éhalf", "٣ days"]
TYPED_TEXT = st.lists(st.one_of(st.text(max_size=12), st.sampled_from(TYPED_PIECES)), max_size=30).map("".join)


@settings(max_examples=300, deadline=None)
@given(TYPED_TEXT)
def test_pattern_pretests_never_change_the_spans(text: str) -> None:
    # the cheap tests only skip patterns that cannot match: same spans with and without them
    assert typed_spans(text) == typed_spans(text, prefilter=False)


def test_a_very_long_sentence_is_read():
    sentence = "The service supervised " + ", ".join(f"{k} people in area {k}" for k in range(1, 600)) + "."
    answer = read("How many people were supervised in area 7?", [sentence], embedder=EMB, threshold=0.0)
    assert answer.found and answer.answer in sentence
