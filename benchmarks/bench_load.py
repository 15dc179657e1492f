"""The real server under load: questions at once, then a long soak of questions in a row.

    python benchmarks/bench_load.py [--concurrent 50] [--soak 2000] [--sample-every 100]

`rag serve --index INDEX --host 127.0.0.1 --port FREE` runs in a subprocess over an index of corpus/
(benchmarks/.cache/corpus_index, built with the real model). This process asks through the web app's
API (gradio_client, endpoint /ask: the "Ask" button with an empty chat) and compares every reply with
the one the library gives when asked directly (`format_answer(Assistant.ask(q))`, confidence figure
aside), for the tests/data/corpus_qa.jsonl questions the library answers right.

(a) one question at a time (latency without queueing), (b) N questions submitted at once (latency
from submit to reply, so it includes waiting in the server's queue: 4 questions run at a time),
(c) a soak of questions in a row, sampling the server process's RSS (psutil) every K questions.
"""
from __future__ import annotations

import argparse
import concurrent.futures as cf
import itertools
import sys
import time

import common  # noqa: E402  (sets the offline switches before any model import)
from common import PROJECT, SAMPLE_CORPUS, pct, table

sys.path.insert(0, str(PROJECT / "tests"))
from server_process import ask, client, comparable, serve  # noqa: E402

NAME = "load"


def expected_replies(assistant) -> dict[str, str]:
    from rag.evaluation import evaluate, load_eval_file
    from rag.ui import format_answer

    common.require([common.CORPUS_QA], "question file")
    items = [i for i in load_eval_file(common.CORPUS_QA) if i.answerable]
    right = [r.question for r in evaluate(assistant, items).rows if r.right and r.found]
    return {q: format_answer(assistant.ask(q)) for q in right}


def timed_ask(c, q: str) -> tuple[str, float]:
    t = time.perf_counter()
    reply = ask(c, q)
    return reply, (time.perf_counter() - t) * 1000


def latency(values: list[float]) -> dict[str, float]:
    return {"n": len(values), "p50_ms": pct(values, 50), "p95_ms": pct(values, 95), "max_ms": max(values)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--concurrent", type=int, default=50, help="questions submitted at once (default 50)")
    ap.add_argument("--soak", type=int, default=2000, help="questions in a row (default 2,000)")
    ap.add_argument("--sample-every", type=int, default=100, help="RSS sample every K soak questions (default 100)")
    args = ap.parse_args()
    import tempfile

    import psutil

    from rag import Assistant

    m = common.machine()
    emb = common.embedder()
    index = common.cached_index(SAMPLE_CORPUS, "corpus_index", embedder=emb)
    expected = expected_replies(Assistant.open(index, embedder=emb))
    qs = sorted(expected)
    print(f"{len(qs)} corpus_qa questions answered right directly", file=sys.stderr)

    with tempfile.TemporaryDirectory(prefix="rag-load-") as tmp, serve(index, common.Path(tmp)) as server:
        proc = psutil.Process(server.pid)
        c = client(server)
        t = time.perf_counter()
        ask(c, qs[0])  # loads the model in the server
        first_s = time.perf_counter() - t
        rss_warm = proc.memory_info().rss

        # (a) one at a time
        seq = [timed_ask(c, q) for q in qs]
        seq_right = sum(comparable(r) == comparable(expected[q]) for q, (r, _) in zip(qs, seq))

        # (b) all at once
        burst_qs = list(itertools.islice(itertools.cycle(qs), args.concurrent))
        t = time.perf_counter()
        with cf.ThreadPoolExecutor(max_workers=args.concurrent) as pool:
            burst = list(pool.map(lambda q: timed_ask(c, q), burst_qs))
        burst_wall = time.perf_counter() - t
        burst_right = sum(comparable(r) == comparable(expected[q]) for q, (r, _) in zip(burst_qs, burst))
        print(f"{args.concurrent} at once: {burst_right} right, p50 {pct([x for _, x in burst], 50):.0f} ms, "
              f"p95 {pct([x for _, x in burst], 95):.0f} ms, wall {burst_wall:.1f} s", file=sys.stderr)

        # (c) soak
        rss = [(0, proc.memory_info().rss)]
        soak_lat, soak_wrong = [], []
        t = time.perf_counter()
        for n, q in enumerate(itertools.islice(itertools.cycle(qs), args.soak), start=1):
            reply, ms = timed_ask(c, q)
            soak_lat.append(ms)
            if comparable(reply) != comparable(expected[q]):
                soak_wrong.append((n, q, reply[:300]))
            if n % args.sample_every == 0:
                rss.append((n, proc.memory_info().rss))
                print(f"soak {n}: RSS {rss[-1][1] / 2**20:.0f} MB, p50 so far {pct(soak_lat, 50):.0f} ms", file=sys.stderr)
        soak_wall = time.perf_counter() - t
        alive = server.proc.poll() is None

    rss_mb = [(n, r / 2**20) for n, r in rss]
    after_warm = [r for n, r in rss_mb if n >= args.sample_every]
    soak = {
        "questions": args.soak, "wrong": len(soak_wrong), "wrong_examples": soak_wrong[:5], "wall_s": soak_wall,
        "latency": latency(soak_lat), "rss_mb": rss_mb,
        "rss_start_mb": rss_mb[0][1], "rss_end_mb": rss_mb[-1][1], "rss_max_mb": max(r for _, r in rss_mb),
        "growth_mb": rss_mb[-1][1] - rss_mb[0][1],
        "growth_after_first_sample_mb": after_warm[-1] - after_warm[0] if after_warm else None,
    }
    data = {
        "index": str(index), "questions_answered_right_directly": len(qs), "first_question_s": first_s,
        "rss_after_first_question_mb": rss_warm / 2**20, "server_alive_at_end": alive,
        "sequential": {"right": seq_right, "latency": latency([x for _, x in seq])},
        "concurrent": {"n": args.concurrent, "right": burst_right, "wall_s": burst_wall,
                       "latency": latency([x for _, x in burst])},
        "soak": soak,
    }
    s, b = data["sequential"], data["concurrent"]
    samples = ", ".join(f"{n}: {r:.0f}" for n, r in rss_mb)
    body = f"""`rag serve` over an index of corpus/ in a subprocess; questions from this process through the web app's API
(gradio_client, endpoint `/ask`, an empty chat each time). Questions: the {len(qs)} tests/data/corpus_qa.jsonl questions the
library answers right when asked directly, cycled; a reply is right when it equals `format_answer(Assistant.ask(q))` of
the direct call (confidence figure aside). Latency: client-side, from submit to the reply, HTTP and queue included.
The server's first question (model load) took {first_s:.1f} s and is excluded.

{table(["run", "questions", "right", "p50 ms", "p95 ms", "max ms", "wall s"], [
    ["one at a time", s["latency"]["n"], s["right"], s["latency"]["p50_ms"], s["latency"]["p95_ms"], s["latency"]["max_ms"], ""],
    [f"{b['n']} submitted at once", b["n"], f"**{b['right']}**", f"**{b['latency']['p50_ms']:,.0f}**",
     f"**{b['latency']['p95_ms']:,.0f}**", b["latency"]["max_ms"], b["wall_s"]],
    ["soak, in a row", f"{args.soak:,}", f"{args.soak - len(soak_wrong):,}", soak["latency"]["p50_ms"], soak["latency"]["p95_ms"],
     soak["latency"]["max_ms"], soak_wall],
])}

At once, the server runs 4 questions at a time (`queue(default_concurrency_limit=4)`) and the rest wait, so
latency there is mostly queueing: the last of {b['n']} waits for the ones before it.

Soak: server RSS **{soak['rss_start_mb']:.0f} MB** at the start (after {len(qs) + b['n'] + 1} questions),
**{soak['rss_end_mb']:.0f} MB** at the end, max **{soak['rss_max_mb']:.0f} MB**; growth {soak['growth_mb']:+.1f} MB over
{args.soak:,} questions ({soak['growth_after_first_sample_mb']:+.1f} MB after the first {args.sample_every}).
Samples (questions: MB): {samples}. Server still running at the end: {alive}.
"""
    options = (("concurrent", args.concurrent), ("soak", args.soak), ("sample_every", args.sample_every))
    cmd = "python benchmarks/bench_load.py" + "".join(
        f" --{k.replace('_', '-')} {v}" for k, v in options if v != ap.get_default(k))
    common.write_results(NAME, "Server under load (bench_load)", cmd, body, data, m)


if __name__ == "__main__":
    main()
