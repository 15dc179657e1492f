"""Speed of building and asking over the 43 real reports + corpus/.

    python benchmarks/bench_speed.py [--repeats 3] [--questions N]

(a) pypdf extraction alone (rag.documents.load_document) and embedding alone of the sentences the
    build embeds (rag.chunking.segment_document), (b) the full rag.build.build_index into a fresh
    folder and its ratio to (a), (c) a rebuild with nothing changed, (d) warm Assistant.ask latency,
    (e) cold start of `rag ask` as a subprocess, (f) peak RSS of a warm process answering questions,
    (g) index size on disk per 1,000 chunks.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import common  # noqa: E402  (sets the offline switches before any model import)
from common import CACHE, CORPUS_QA, ILACS_QA, pct, summary, table

NAME = "bench_speed"


def questions() -> list[str]:
    common.require([ILACS_QA, CORPUS_QA], "question files")
    return [r["question"] for r in common.jsonl(ILACS_QA)] + [r["question"] for r in common.jsonl(CORPUS_QA)]


# -- (a) extraction and embedding alone --------------------------------------------------------------


def extract_all(files: list[Path], corpus: Path):
    from rag.documents import load_document

    t = time.perf_counter()
    docs = [load_document(f, corpus) for f in files]
    return docs, time.perf_counter() - t


def segment_all(docs):
    from rag.build import _segment
    from rag.chunking import ChunkerSettings

    settings = ChunkerSettings()
    t = time.perf_counter()
    segs = [_segment(d, settings) for d in docs]  # the build's own wrapper over segment_document
    return segs, time.perf_counter() - t


def sentence_texts(docs, segs) -> list[list[str]]:
    return [[d.pages[p - 1][a:b] for p, a, b in sent] for d, (sent, _) in zip(docs, segs)]


def embed_all(emb, texts_per_doc: list[list[str]]) -> float:
    """Embed exactly what the build embeds, grouped the way the build groups it (per document, EMBED_GROUP)."""
    from rag.build import EMBED_GROUP

    t = time.perf_counter()
    for texts in texts_per_doc:
        for lo in range(0, len(texts), EMBED_GROUP):
            emb.embed(texts[lo : lo + EMBED_GROUP])
    return time.perf_counter() - t


def count_tokens(emb, texts: list[str]) -> tuple[int, int]:
    """Word-piece tokens of all sentences, raw and as the model sees them (truncated to max_seq_length)."""
    model = emb._load()
    tok = model.tokenizer
    limit = int(getattr(model, "max_seq_length", 256) or 256)
    raw = seen = 0
    for lo in range(0, len(texts), 2048):
        for ids in tok(texts[lo : lo + 2048], add_special_tokens=True, truncation=False)["input_ids"]:
            raw += len(ids)
            seen += min(len(ids), limit)
    return raw, seen


def dir_size(path: Path) -> dict[str, int]:
    return {f.name: f.stat().st_size for f in sorted(path.iterdir()) if f.is_file()}


# -- (f) worker: a warm process answering questions -------------------------------------------------


def timed_asks(a, qs) -> tuple[list[float], dict[str, list[float]]]:
    """Wall-clock ms of `a.ask` per question, and each question's reported step timings."""
    lat, parts = [], {"embed": [], "retrieve": [], "read": []}
    for q in qs:
        t = time.perf_counter()
        ans = a.ask(q)
        lat.append((time.perf_counter() - t) * 1000)
        for k in parts:
            parts[k].append(ans.timings_ms.get(k, float("nan")))
    return lat, parts


def rss_worker(index: str) -> None:
    """A fresh process: open the index, answer every question (latency, RSS), then embed 2,000 indexed sentences."""
    import psutil

    from rag import Assistant

    proc = psutil.Process()
    base = proc.memory_info().rss
    a = Assistant.open(index)
    for q in questions()[:5]:
        a.ask(q)
    opened = proc.memory_info().rss
    qs = questions()
    lat, parts = timed_asks(a, qs)
    end = proc.memory_info().rss
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    texts = [a.data.sentence_text(i) for i in range(min(2000, len(a.data.sent_doc)))]
    t = time.perf_counter()
    a.embedder.embed(texts)
    embed_s = time.perf_counter() - t
    print(json.dumps({"rss_start_mb": base / 2**20, "rss_after_open_mb": opened / 2**20, "rss_end_mb": end / 2**20,
                      "peak_rss_mb": peak_kb / 1024, "questions": len(qs),
                      "ask_p50_ms": pct(lat, 50), "ask_p95_ms": pct(lat, 95), "ask_p99_ms": pct(lat, 99),
                      "parts_p50_ms": {k: pct(v, 50) for k, v in parts.items()},
                      "embed_2000_sentences_s": embed_s, "embed_sentences": len(texts),
                      "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY")}))


def run_worker(index, extra_env: dict | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}  # as shipped unless asked
    env.update(extra_env or {})
    out = subprocess.run([sys.executable, __file__, "--rss-worker", str(index)], capture_output=True, text=True, cwd=common.PROJECT, env=env)
    if out.returncode != 0:
        sys.exit(f"worker failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# -- main ---------------------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=3, help="repeats of (a)-(c) (default 3)")
    ap.add_argument("--corpus", help="time this folder instead of the 43 reports + corpus/ (smoke tests)")
    ap.add_argument("--rss-worker", metavar="INDEX", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.rss_worker:
        rss_worker(args.rss_worker)
        return

    m = common.machine()
    corpus = Path(args.corpus).resolve() if args.corpus else common.combined_corpus()
    qs = questions()
    from rag.build import build_index
    from rag.documents import discover_documents

    files = discover_documents(corpus)
    t = time.perf_counter()
    emb = common.embedder()
    model_load_s = time.perf_counter() - t
    print(f"{len(files)} files; model loaded in {model_load_s:.1f} s", file=sys.stderr)

    runs = []
    texts_flat: list[str] = []
    build_root = CACHE / "speed_build"
    last_folder = None
    last_report = None
    for r in range(args.repeats):
        docs, t_extract = extract_all(files, corpus)
        segs, t_segment = segment_all(docs)
        texts = sentence_texts(docs, segs)
        texts_flat = [t for ts in texts for t in ts]
        t_embed = embed_all(emb, texts)
        shutil.rmtree(build_root, ignore_errors=True)
        t = time.perf_counter()
        rep = build_index(corpus, build_root, embedder=emb)
        t_build = time.perf_counter() - t
        last_report = rep
        last_folder = Path(rep.index_folder)
        run = {
            "extract_s": t_extract,
            "segment_s": t_segment,
            "embed_s": t_embed,
            "build_s": t_build,
            "ratio_build_over_extract_plus_embed": t_build / (t_extract + t_embed),
            "build_timings_s": rep.timings_s,
            "load_avg": os.getloadavg()[0],
        }
        runs.append(run)
        print(f"repeat {r + 1}: extract {t_extract:.1f} s, segment {t_segment:.1f} s, embed {t_embed:.1f} s, "
              f"build {t_build:.1f} s, ratio {run['ratio_build_over_extract_plus_embed']:.3f}; "
              f"build steps {', '.join(f'{k} {v:.1f}' for k, v in rep.timings_s.items())}", file=sys.stderr)

    pages = sum(len(d.pages) for d in docs)
    n_sent = len(texts_flat)
    n_chunks = last_report.chunks
    tokens_raw, tokens_seen = count_tokens(emb, texts_flat)

    # (c) rebuild with nothing changed
    rebuild = []
    for _ in range(3):
        t = time.perf_counter()
        rep2 = build_index(corpus, build_root, embedder=emb)
        rebuild.append(time.perf_counter() - t)
        assert not rep2.changed, "an unchanged corpus re-built the index"
    rebuild_steps = rep2.timings_s

    # (g) index size
    sizes = dir_size(last_folder)
    total_bytes = sum(sizes.values())

    # (d) warm ask latency over the shared index
    from rag import Assistant

    index = common.shared_index(embedder=emb)
    a = Assistant.open(index, embedder=emb)
    for q in qs[:5]:
        a.ask(q)
    lat, parts = timed_asks(a, qs)
    search_lat = []
    for q in qs:
        t = time.perf_counter()
        a.search(q, top_k=10)
        search_lat.append((time.perf_counter() - t) * 1000)
    ask = {"n": len(lat), "p50_ms": pct(lat, 50), "p95_ms": pct(lat, 95), "p99_ms": pct(lat, 99), "max_ms": max(lat),
           "parts_p50_ms": {k: pct(v, 50) for k, v in parts.items()},
           "parts_p95_ms": {k: pct(v, 95) for k, v in parts.items()},
           "search_top10_p50_ms": pct(search_lat, 50), "search_top10_p95_ms": pct(search_lat, 95)}
    print(f"ask p50 {ask['p50_ms']:.1f} ms p95 {ask['p95_ms']:.1f} ms p99 {ask['p99_ms']:.1f} ms", file=sys.stderr)

    # (e) cold start of `rag ask`
    rag_bin = Path(sys.executable).parent / "rag"
    cmd_prefix = [str(rag_bin)] if rag_bin.exists() else [sys.executable, "-m", "rag.cli"]
    cold, cold_inner = [], []
    q = "Who was the lead inspector for the inspection of Barnet local authority children's services?"
    for _ in range(3):
        t = time.perf_counter()
        out = subprocess.run(cmd_prefix + ["ask", q, "--index", str(index), "--json"], capture_output=True, text=True, cwd=common.PROJECT)
        cold.append(time.perf_counter() - t)
        if out.returncode != 0:
            sys.exit(f"rag ask failed: {out.stderr}")
        cold_inner.append(json.loads(out.stdout)["timings_ms"]["total"])
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import rag"], check=True, cwd=common.PROJECT)
    import_rag_s = time.perf_counter() - t

    # (f) peak RSS of a warm process
    rss = run_worker(index)
    # The same worker with OpenMP threads that sleep instead of spinning while they wait (see README).
    passive = run_worker(index, {"OMP_WAIT_POLICY": "PASSIVE"})

    agg = {k: summary([r[k] for r in runs]) for k in ("extract_s", "segment_s", "embed_s", "build_s", "ratio_build_over_extract_plus_embed")}
    b_med = agg["build_s"]["median"]
    data = {
        "repeats": args.repeats,
        "files": len(files),
        "pages": pages,
        "sentences": n_sent,
        "chunks": n_chunks,
        "tokens": tokens_raw,
        "tokens_model_sees": tokens_seen,
        "model_load_s": model_load_s,
        "runs": runs,
        "aggregate": agg,
        "ratio_of_medians": b_med / (agg["extract_s"]["median"] + agg["embed_s"]["median"]),
        "build_rates_at_median": {"pages_per_s": pages / b_med, "chunks_per_s": n_chunks / b_med, "tokens_per_s": tokens_raw / b_med,
                                  "sentences_per_s": n_sent / b_med},
        "rebuild_unchanged_s": summary(rebuild),
        "rebuild_unchanged_steps_s": rebuild_steps,
        "ask": ask,
        "cold_start": {"command": " ".join(cmd_prefix + ["ask", "QUESTION", "--index", "INDEX", "--json"]),
                       "wall_s": summary(cold), "inner_total_ms": cold_inner, "python_import_rag_s": import_rag_s},
        "rss": rss,
        "worker_default": rss,
        "worker_omp_passive": passive,
        "index_size": {"files_bytes": sizes, "total_bytes": total_bytes, "bytes_per_1000_chunks": total_bytes / n_chunks * 1000,
                       "vector_kind": json.loads((last_folder / "manifest.json").read_text())["vector_index"]},
    }

    goal = lambda ok: "met" if ok else "**missed**"  # noqa: E731
    rows = [
        ["pypdf extraction (load_document)", agg["extract_s"]["min"], agg["extract_s"]["median"], f"{pages / agg['extract_s']['median']:.1f} pages/s"],
        ["segmentation (segment_document)", agg["segment_s"]["min"], agg["segment_s"]["median"], "not in the ratio's denominator"],
        ["embedding alone", agg["embed_s"]["min"], agg["embed_s"]["median"], f"{n_sent / agg['embed_s']['median']:.0f} sentences/s, {tokens_raw / agg['embed_s']['median']:.0f} tokens/s"],
        ["full build_index (fresh folder)", agg["build_s"]["min"], agg["build_s"]["median"],
         f"{pages / b_med:.1f} pages/s, {n_chunks / b_med:.1f} chunks/s, {tokens_raw / b_med:.0f} tokens/s"],
        ["rebuild, nothing changed", data["rebuild_unchanged_s"]["min"], data["rebuild_unchanged_s"]["median"],
         f"goal < 3 s: {goal(data['rebuild_unchanged_s']['median'] < 3)}"],
    ]
    ratios = [r["ratio_build_over_extract_plus_embed"] for r in runs]
    body = f"""Corpus: {len(files)} files (43 Ofsted/CQC report PDFs + corpus/), {pages} pages, {n_sent:,} sentences embedded,
{n_chunks:,} chunks, {tokens_raw:,} word-piece tokens ({tokens_seen:,} after truncation to the model's window).
Embedder preloaded (model load {model_load_s:.1f} s, excluded from every row); {args.repeats} repeats, interleaved
(extract, embed, build per repeat) so that load from other jobs hits all three alike.

### (a)-(c) Build

{table(["step", "min s", "median s", "rate / note"], rows)}

Full build / (extraction + embedding): per repeat {", ".join(f"{x:.3f}" for x in ratios)}; of the medians
**{data['ratio_of_medians']:.3f}** (goal <= 1.15: {goal(data['ratio_of_medians'] <= 1.15)}).
Build steps of the last repeat (s): {", ".join(f"{k} {v:.2f}" for k, v in runs[-1]['build_timings_s'].items())}.
Unchanged rebuild steps (s): {", ".join(f"{k} {v:.2f}" for k, v in rebuild_steps.items())}.

### (d) Warm `Assistant.ask` latency

{ask['n']} questions (derived Ofsted dev set + tests/data/corpus_qa.jsonl) on the shared index, after 5 warm-up questions.

{table(["", "p50 ms", "p95 ms", "p99 ms", "max ms"], [
    ["ask (total, wall)", ask['p50_ms'], ask['p95_ms'], ask['p99_ms'], ask['max_ms']],
    ["  embed question", ask['parts_p50_ms']['embed'], ask['parts_p95_ms']['embed'], "", ""],
    ["  retrieve (hybrid)", ask['parts_p50_ms']['retrieve'], ask['parts_p95_ms']['retrieve'], "", ""],
    ["  read (answer ranker)", ask['parts_p50_ms']['read'], ask['parts_p95_ms']['read'], "", ""],
    ["search, top-k 10", ask['search_top10_p50_ms'], ask['search_top10_p95_ms'], "", ""],
])}

Goals: p50 < 50 ms {goal(ask['p50_ms'] < 50)}; p95 < 150 ms {goal(ask['p95_ms'] < 150)}.

The same questions in a fresh worker process, as shipped and with `OMP_WAIT_POLICY=PASSIVE` (OpenMP
threads of torch and FAISS sleep instead of spinning while they wait; matters on cores shared with other work):

{table(["worker", "ask p50 ms", "p95 ms", "p99 ms", "embed p50", "retrieve p50", "read p50", "embed 2,000 sentences s"], [
    [f"OMP_WAIT_POLICY={w['OMP_WAIT_POLICY'] or 'unset'}", w['ask_p50_ms'], w['ask_p95_ms'], w['ask_p99_ms'], w['parts_p50_ms']['embed'],
     w['parts_p50_ms']['retrieve'], w['parts_p50_ms']['read'], w['embed_2000_sentences_s']] for w in (rss, passive)])}

### (e)-(g) Cold start, memory, size

{table(["measure", "value"], [
    ["cold `rag ask --json` subprocess, min / median of 3", f"{min(cold):.2f} s / {summary(cold)['median']:.2f} s"],
    ["  of which answering (timings_ms.total), median", f"{sorted(cold_inner)[1]:.0f} ms"],
    ["  `python -c 'import rag'` alone", f"{import_rag_s:.2f} s"],
    ["peak RSS, warm process answering all questions (ru_maxrss)", f"{rss['peak_rss_mb']:.0f} MB (after open {rss['rss_after_open_mb']:.0f} MB, end {rss['rss_end_mb']:.0f} MB); goal < 1 GB: {goal(rss['peak_rss_mb'] < 1024)}"],
    ["index on disk", f"{total_bytes / 1e6:.1f} MB for {n_chunks:,} chunks = **{total_bytes / n_chunks * 1000 / 1e6:.2f} MB per 1,000 chunks** ({data['index_size']['vector_kind']})"],
])}

Index files (bytes): {", ".join(f"{k} {v:,}" for k, v in sizes.items())}.
"""
    cmd = ("OMP_WAIT_POLICY=PASSIVE " if os.environ.get("OMP_WAIT_POLICY") == "PASSIVE" else "") + "python benchmarks/bench_speed.py" + (f" --repeats {args.repeats}" if args.repeats != 3 else "") + (f" --corpus {args.corpus}" if args.corpus else "")
    common.write_results(NAME, "Speed (bench_speed)", cmd, body, data, m)
    shutil.rmtree(build_root, ignore_errors=True)


if __name__ == "__main__":
    main()
