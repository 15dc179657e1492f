import numpy as np

from rag.lexical import BM25Index, tokenize


def test_tokenize_handles_case_plurals_apostrophes():
    assert tokenize("The Children’s cases") == tokenize("the children's case")
    assert "the" not in tokenize("the cases")


def test_bm25_ranks_matching_passage_first(tmp_path):
    texts = ["staff workloads and cases", "prison showers and food", "cases cases cases of staff"]
    index = BM25Index.build(texts)
    ranked = index.search("how many cases do staff hold", 3)
    assert {i for i, _ in ranked} == {0, 2}
    assert index.search("nothing matches zebra", 3) == []
    allowed = np.array([True, False, False])
    assert [i for i, _ in index.search("cases", 3, allowed=allowed)] == [0]
    index.save(tmp_path)
    loaded = BM25Index.load(tmp_path)
    np.testing.assert_allclose(loaded.scores("staff cases"), index.scores("staff cases"))


def test_bm25_empty_corpus():
    index = BM25Index.build([])
    assert index.search("anything", 5) == []
