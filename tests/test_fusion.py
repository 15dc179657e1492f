from rag.fusion import reciprocal_rank_fusion


def test_item_in_both_lists_wins():
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["c", "a", "d"]], k=60)
    assert [item for item, _ in fused][:2] == ["a", "c"]
    assert {item for item, _ in fused} == {"a", "b", "c", "d"}


def test_scores_follow_the_formula():
    fused = dict(reciprocal_rank_fusion([["x"], ["y", "x"]], k=10))
    assert abs(fused["x"] - (1 / 11 + 1 / 12)) < 1e-12
    assert abs(fused["y"] - 1 / 11) < 1e-12


def test_weights_and_determinism():
    lists = [["a", "b"], ["b", "a"]]
    assert reciprocal_rank_fusion(lists) == reciprocal_rank_fusion(lists)
    # equal scores: the first seen comes first
    assert reciprocal_rank_fusion(lists)[0][0] == "a"
    assert reciprocal_rank_fusion(lists, weights=[1.0, 2.0])[0][0] == "b"


def test_empty():
    assert reciprocal_rank_fusion([]) == []
    assert reciprocal_rank_fusion([[], []]) == []
