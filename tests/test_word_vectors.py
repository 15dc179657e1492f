"""Static word vectors from the bundled encoder, and the soft "missing word" feature built on them."""
from __future__ import annotations

import numpy as np
import pytest

from rag import reader as R
from rag.word_vectors import WordVectors, default_word_vectors

VECTORS = default_word_vectors()
pytestmark = pytest.mark.skipif(VECTORS is None, reason="the bundled encoder's weights cannot be read")


def _cos(a: str, b: str) -> float:
    va, vb = VECTORS.vectors([a, b])
    return float(va @ vb)


def test_related_words_are_nearer_than_unrelated_ones():
    assert _cos("budget", "spending") > R.SOFT_MATCH > _cos("budget", "men")
    assert _cos("aspects", "areas") > R.SOFT_MATCH > _cos("buildings", "aspects")
    assert _cos("salary", "pay") > _cos("salary", "inspectors")


def test_vectors_are_unit_rows_and_words_split_into_pieces_still_get_one():
    v = VECTORS.vectors(["reoffending", "Budget", "budget", "zzqxv"])
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-2)  # stored as float16
    assert np.allclose(v[1], v[2])  # lower-cased


def test_a_word_with_no_pieces_gets_a_zero_row():
    wv = WordVectors(np.eye(3, dtype=np.float32), {"a": 0, "b": 1, "c": 2}, tokenizer=None)
    out = wv.vectors(["a", "zz"])
    assert out[0].tolist() == [1.0, 0.0, 0.0] and not out[1].any()


def _soft(question: str, sentence: str) -> float:
    return R._soft_missing(R._analyse_question(question), [R._analyse_sentence(sentence)])


def test_a_near_word_counts_as_found_and_an_absent_one_does_not():
    q = "What was the annual budget of the prison?"
    assert _soft(q, "The prison's yearly spending was £4 million.") < _soft(q, "The prison held 812 men.")
    assert _soft(q, "The prison's annual budget was £4 million.") == 0.0


def test_the_word_naming_the_answer_type_is_not_wanted_in_the_sentence():
    # "proportion" is answered by "39%", so its absence is no sign the sentence misses the point
    question = "What proportion of prisoners said drugs were easy to get?"
    assert _soft(question, "39% of prisoners said drugs were easy to get.") == 0.0
