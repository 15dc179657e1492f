"""Syntax for the span scorer: spaCy's parse mapped onto the reader's own tokens."""
from __future__ import annotations

import numpy as np
import pytest

from rag import reader as R
from rag import syntax
from rag.embedding import HashingEmbedder

pytestmark = pytest.mark.skipif(not syntax.available(), reason="spaCy's English pipeline is not installed")


def _parse(text: str):
    s = R._analyse_sentence(text)
    return s, syntax.parse_many([text], [(s.starts, s.ends)])[0]


def test_entities_chunks_and_tree_are_in_reader_tokens():
    s, syn = _parse("Workloads are high, with more than 77% of interviewed staff managing more than 55 cases in June 2023.")
    assert syn is not None and len(syn.tag) == len(s.toks)
    spans = {" ".join(s.toks[i : j + 1]): label for (i, j), label in syn.entities.items()}
    assert spans.get("77 %") == "NUMBER" and spans.get("June 2023") == "MIXED"
    chunk_texts = {" ".join(s.toks[i : j + 1]) for i, j in syn.chunks}
    assert "more than 77 %" in chunk_texts and "interviewed staff" in chunk_texts
    # one root; every other token's head chain reaches it
    roots = [t for t in range(len(s.toks)) if syn.head[t] == t]
    assert len(roots) == 1 and syn.depth[roots[0]] == 0
    assert all(syn.depth[t] == syn.depth[syn.head[t]] + 1 for t in range(len(s.toks)) if t != roots[0])


def test_names_are_runs_of_proper_nouns():
    s, syn = _parse("Helen Marsh, the lead inspector, read 148 case records with Justin Russell of the Department for Education.")
    spans = {" ".join(s.toks[i : j + 1]): label for (i, j), label in syn.entities.items()}
    assert spans == {"Helen Marsh": "NAME", "148": "NUMBER", "Justin Russell": "NAME", "Department for Education": "NAME"}
    assert syn.ent_id[s.toks.index("Helen")] == syn.ent_id[s.toks.index("Marsh")] >= 0


def test_a_determiner_may_open_a_constituent_or_not():
    s, syn = _parse("The governor of the prison resigned.")
    texts = {" ".join(s.toks[i : j + 1]) for i, j in syn.constituents}
    assert {"The governor of the prison", "governor of the prison", "the prison", "prison"} <= texts


def test_results_are_cached_and_stable():
    text = "Inspectors made six recommendations."
    _, first = _parse(text)
    _, again = _parse(text)
    assert again is first


def test_odd_text_never_raises():
    for text in ["", "   ", "%%% ---", "e.g. No. 5, i.e. 2.5", "ﬁ ligature and emoji 😀 text", "a" * 3000]:
        s = R._analyse_sentence(text)
        out = syntax.parse_many([text], [(s.starts, s.ends)])[0]
        assert out is None or len(out.tag) == len(s.toks)


def test_the_reader_works_without_spacy(monkeypatch):
    monkeypatch.setattr(syntax, "_nlp", None)
    monkeypatch.setattr(syntax, "_nlp_failed", True)
    monkeypatch.setattr(syntax, "_cache", syntax.OrderedDict())
    s = R._analyse_sentence("The prison held 812 men.")
    assert syntax.parse_many([s.text], [(s.starts, s.ends)]) == [None]
    answer = R.read("How many men did the prison hold?", ["The prison held 812 men."], embedder=HashingEmbedder(8), threshold=0.0)
    assert answer.answer and "812" in answer.answer


def test_syntax_features_fill_their_columns():
    q = R._analyse_question("How many men did the prison hold?")
    s, syn = _parse("The prison held 812 men on the day Helen Marsh arrived.")
    sp = R._span_features(q, s, R._aligned(q, s), "", syn)
    base = R.SPAN_DENSE.index("syn_const")
    k = next(k for k in range(len(sp.I)) if " ".join(s.toks[sp.I[k] : sp.J[k] + 1]) == "812 men")
    assert sp.dense[k, base] == 1  # a constituent
    assert np.any(sp.dense[:, base + 3])  # some spans cut an entity in two
    without = R._span_features(q, s, R._aligned(q, s), "", None)
    assert not without.dense[:, base:].any()



def test_a_capitalised_word_the_tagger_does_not_call_a_name_is_no_name():
    q = R._analyse_question("Who is the leader of the council?")
    for text, word, named in (
        ("Senior leaders have secured extra investment.", "Senior", False),
        ("Outcomes at HMP Eastmoor had declined.", "Outcomes", False),
        ("Justin Russell leads the council.", "Justin Russell", True),
    ):
        s, syn = _parse(text)
        sp = R._span_features(q, s, R._aligned(q, s), "", syn)
        kinds = {" ".join(s.toks[i : j + 1]): k for i, j, k in zip(sp.I, sp.J, sp.kinds)}
        assert (kinds[word] in ("person", "proper")) is named, (text, kinds[word])
        # without the parse the pattern's guess stands
        bare = R._span_features(q, s, R._aligned(q, s), "", None)
        assert {" ".join(s.toks[i : j + 1]): k for i, j, k in zip(bare.I, bare.J, bare.kinds)}[word] in ("person", "proper")
