"""The real server under load: `rag serve` in a subprocess, questions from this (second) process.

50 questions at once through the web app's API must all come back with the answer the library gives
when asked directly; then a soak of questions in a row must not grow the server's memory beyond a
generous bound. benchmarks/bench_load.py measures the same at full size (latency, 2,000-question soak).
"""
from __future__ import annotations

import concurrent.futures as cf
import itertools

import pytest

from rag.evaluation import load_eval_file
from rag.ui import format_answer

from .conftest import TEST_DATA
from .server_process import ask, client, comparable, serve

pytestmark = pytest.mark.slow

CONCURRENT = 50
SOAK = 300
SOAK_WARMUP = 50
SOAK_SAMPLE_EVERY = 50
SOAK_MAX_GROWTH_MB = 100


def answered_right(assistant) -> dict[str, str]:
    """corpus_qa questions the library answers right when asked directly -> the reply the web chat shows."""
    from rag.evaluation import evaluate

    items = [i for i in load_eval_file(TEST_DATA / "corpus_qa.jsonl") if i.answerable]
    right = [r.question for r in evaluate(assistant, items).rows if r.right and r.found]
    return {q: format_answer(assistant.ask(q)) for q in right}


@pytest.fixture(scope="module")
def expected(real_assistant) -> dict[str, str]:
    replies = answered_right(real_assistant)
    if len(replies) < 5:
        pytest.fail(f"only {len(replies)} corpus questions are answered right directly; the load test needs 5 or more")
    return replies


@pytest.fixture(scope="module")
def server(real_index, tmp_path_factory):
    with serve(real_index, tmp_path_factory.mktemp("serve-load")) as s:
        yield s


def test_50_concurrent_questions_all_answered_as_directly(server, expected):
    c = client(server)
    assert comparable(ask(c, "What share of staff had over 55 cases?"))  # warm up: loads the model in the server
    questions = list(itertools.islice(itertools.cycle(sorted(expected)), CONCURRENT))
    with cf.ThreadPoolExecutor(max_workers=CONCURRENT) as pool:
        replies = list(pool.map(lambda q: ask(c, q), questions))
    wrong = [(q, r) for q, r in zip(questions, replies) if comparable(r) != comparable(expected[q])]
    assert not wrong, f"{len(wrong)} of {CONCURRENT} answers differ from the direct ones:\n" + "\n".join(
        f"{q}\n  direct: {expected[q]!r}\n  server: {r!r}" for q, r in wrong[:3]
    )


def test_soak_does_not_grow_server_memory(server, expected):
    import psutil  # a test dependency (pyproject [test])
    proc = psutil.Process(server.pid)
    c = client(server)
    questions = itertools.cycle(sorted(expected))
    for _ in range(SOAK_WARMUP):
        ask(c, next(questions))
    samples = [proc.memory_info().rss]
    for n in range(1, SOAK + 1):
        q = next(questions)
        reply = ask(c, q)
        assert comparable(reply) == comparable(expected[q]), (n, q, reply)
        if n % SOAK_SAMPLE_EVERY == 0:
            samples.append(proc.memory_info().rss)
    growth_mb = (samples[-1] - samples[0]) / 2**20
    trace = [s >> 20 for s in samples]
    assert growth_mb < SOAK_MAX_GROWTH_MB, f"server RSS grew {growth_mb:.0f} MB over {SOAK} questions: {trace} MB"
