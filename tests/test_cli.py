"""The CLI in-process: exit codes, one-line errors, JSON schema. Uses the fake embedder."""
from __future__ import annotations

import json

import pytest

from rag import cli
from rag.embedding import HashingEmbedder

SCHEMA_KEYS = {"question", "found", "answer", "sentence", "score", "citations", "timings_ms"}
CITATION_KEYS = {"document", "title", "page", "quote", "start", "end"}


@pytest.fixture(autouse=True)
def fake_model(monkeypatch):
    emb = HashingEmbedder()
    monkeypatch.setattr("rag.build.default_embedder", lambda: emb)
    monkeypatch.setattr("rag.assistant.default_embedder", lambda: emb)
    return emb


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(err: str) -> bool:
    lines = [line for line in err.splitlines() if line.strip()]
    return len(lines) == 1 and lines[0].startswith("rag: error:") and "Traceback" not in err


def test_build_then_ask_json(capsys, tiny_corpus, tmp_path):
    index = str(tmp_path / "idx")
    code, out, _ = run(capsys, "build", str(tiny_corpus), "--index", index, "--quiet")
    assert code == 0 and "3 documents" in out
    code, out, _ = run(capsys, "build", str(tiny_corpus), "--index", index, "--quiet")
    assert code == 0 and "up to date" in out
    code, out, _ = run(capsys, "ask", "How many people does the service supervise?", "--index", index, "--json")
    assert code == 0
    payload = json.loads(out)
    assert set(payload) == SCHEMA_KEYS
    assert payload["citations"] and all(set(c) == CITATION_KEYS for c in payload["citations"])
    code, out, _ = run(capsys, "ask", "How many people does the service supervise?", "--index", index)
    assert code == 0 and out.strip()


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["frobnicate"],
        ["ask"],
        ["ask", "", "--index", "{index}"],
        ["ask", "   ", "--index", "{index}"],
        ["ask", "x" * 1001, "--index", "{index}"],
        ["ask", "what?", "--index", "{missing}"],
        ["ask", "what?", "--index", "{index}", "--top-k", "zero"],
        ["build", "{missing}", "--index", "{index}"],
        ["build", "{empty}", "--index", "{index}"],
        ["eval", "{missing}", "--index", "{index}"],
        ["serve", "--index", "{index}", "--port", "70000"],
    ],
)
def test_bad_usage_is_one_line_and_exit_2(capsys, tiny_index, tmp_path, argv):
    (tmp_path / "empty").mkdir(exist_ok=True)
    subs = {"index": str(tiny_index), "missing": str(tmp_path / "missing"), "empty": str(tmp_path / "empty")}
    code, _, err = run(capsys, *[a.format(**subs) for a in argv])
    assert code == 2
    assert one_line_error(err), err


def test_index_from_another_model_is_refused(capsys, tiny_index, monkeypatch):
    other = HashingEmbedder(dimension=32)
    monkeypatch.setattr("rag.assistant.default_embedder", lambda: other)
    code, _, err = run(capsys, "ask", "anything?", "--index", str(tiny_index))
    assert code == 2 and one_line_error(err) and "rebuild" in err.lower()


def test_eval_reports_metrics_and_rows(capsys, tiny_index, tmp_path):
    qa = tmp_path / "qa.jsonl"
    rows = [
        {"id": "1", "question": "How many men did the prison hold?", "answers": ["812"], "document": "prison.md", "page": 1},
        {"id": "2", "question": "What is the capital of Mars?", "answers": [], "document": None, "page": None},
    ]
    qa.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    code, out, _ = run(capsys, "eval", str(qa), "--index", str(tiny_index), "--json", "--rows")
    assert code == 0
    payload = json.loads(out)
    assert payload["n"] == 2 and payload["answerable"] == 1 and payload["unanswerable"] == 1
    for key in ("exact_match", "f1", "sentence_accuracy", "page_accuracy", "abstain_precision", "abstain_recall",
                "recall@1", "recall@5", "recall@10", "latency_p50_ms", "latency_p95_ms"):
        assert key in payload["metrics"]
    assert payload["metrics"]["recall@10"] == 1.0  # the only passage holding 812 is on the gold page
    assert len(payload["rows"]) == 2
    code, out, _ = run(capsys, "eval", str(qa), "--index", str(tiny_index))
    assert code == 0 and "span exact match" in out


def test_bad_eval_file_is_one_line(capsys, tiny_index, tmp_path):
    qa = tmp_path / "qa.jsonl"
    qa.write_text("{not json}\n", encoding="utf-8")
    code, _, err = run(capsys, "eval", str(qa), "--index", str(tiny_index))
    assert code == 2 and one_line_error(err)
