import json

from rag.evaluation import exact_match, f1_score, holds_answer, load_eval_file, normalize_answer


def test_squad_normalisation():
    assert normalize_answer("The  Outstanding!") == "outstanding"
    assert normalize_answer("more than 77%") == "more than 77"
    assert exact_match("the Good", "good") == 1.0
    assert f1_score("more than 77%", "77%") == 2 * (1 / 3) * 1 / (1 / 3 + 1)
    assert f1_score("", "x") == 0.0


def test_holds_answer_ignores_line_breaks_and_partial_words():
    assert holds_answer("more than\n77% of staff", ["more than 77%"])
    assert not holds_answer("1,770 cases", ["77"])


def test_loads_both_formats(tmp_path):
    p = tmp_path / "qa.jsonl"
    p.write_text(
        json.dumps({"id": "a", "question": "q?", "answers": ["x"], "document": "d.pdf", "page": 2}) + "\n\n"
        + json.dumps({"id": "b", "doc": "e.pdf", "question": "r?", "answers": ["y"], "answer_pages_0idx": [0, 3]}) + "\n",
        encoding="utf-8",
    )
    a, b = load_eval_file(p)
    assert (a.document, a.pages) == ("d.pdf", (2,))
    assert (b.document, b.pages) == ("e.pdf", (1, 4))
