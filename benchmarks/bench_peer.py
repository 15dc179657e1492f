"""Our pipeline against the equivalent Haystack pipeline, over the same 43 reports, in the same run.

    python benchmarks/bench_peer.py [--split-length 100] [--split-overlap 15]

Haystack (haystack-ai + sentence-transformers-haystack): PyPDFToDocument -> DocumentSplitter (words)
-> SentenceTransformersDocumentEmbedder (the same local all-MiniLM-L6-v2 folder, offline) ->
InMemoryDocumentStore; queries: SentenceTransformersTextEmbedder -> InMemoryEmbeddingRetriever, plus
InMemoryBM25Retriever, joined by DocumentJoiner(join_mode="reciprocal_rank_fusion"). Both sides get
50 candidates per retriever (our RetrievalSettings.depth) and return the top 10.

Measured: indexing time (fresh, models preloaded on both sides), gold-page recall@5 on the derived
Ofsted questions, query latency p50/p95 at top-k 10 (ours: Assistant.search); each as Haystack / ours.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import time

import common  # noqa: E402  (offline switches, telemetry off)
from common import CACHE, ILACS_QA, pct, table

NAME = "bench_peer"
DEPTH = 50
TOP_K = 10


def haystack_side(pdfs, items, split_length: int, split_overlap: int, torch_threads: int) -> dict:
    try:
        from haystack import Pipeline
        from haystack.components.converters import PyPDFToDocument
        from haystack.components.joiners import DocumentJoiner
        from haystack.components.preprocessors import DocumentSplitter
        from haystack.components.retrievers.in_memory import InMemoryBM25Retriever, InMemoryEmbeddingRetriever
        from haystack.components.writers import DocumentWriter
        from haystack.document_stores.in_memory import InMemoryDocumentStore
        from haystack.utils import ComponentDevice
    except ImportError as exc:
        sys.exit(f"Haystack is missing ({exc}). Install the benchmark extra: pip install haystack-ai sentence-transformers-haystack")
    try:  # haystack-ai 2.x shipped these; 3.x moved them to sentence-transformers-haystack
        from haystack_integrations.components.embedders.sentence_transformers import (
            SentenceTransformersDocumentEmbedder,
            SentenceTransformersTextEmbedder,
        )
    except ImportError:
        try:
            from haystack.components.embedders import SentenceTransformersDocumentEmbedder, SentenceTransformersTextEmbedder
        except ImportError:
            sys.exit("Haystack's SentenceTransformers embedders are missing: pip install sentence-transformers-haystack")
    from rag.embedding import bundled_model_dir
    from rag.evaluation import holds_answer

    model = str(bundled_model_dir())
    cpu = ComponentDevice.from_str("cpu")
    store = InMemoryDocumentStore(embedding_similarity_function="cosine")
    doc_emb = SentenceTransformersDocumentEmbedder(model=model, device=cpu, local_files_only=True, normalize_embeddings=True,
                                                   progress_bar=False, batch_size=32)
    indexing = Pipeline()
    indexing.add_component("converter", PyPDFToDocument())
    indexing.add_component("splitter", DocumentSplitter(split_by="word", split_length=split_length, split_overlap=split_overlap))
    indexing.add_component("embedder", doc_emb)
    indexing.add_component("writer", DocumentWriter(document_store=store))
    indexing.connect("converter", "splitter")
    indexing.connect("splitter", "embedder")
    indexing.connect("embedder", "writer")
    import torch

    torch.set_num_threads(torch_threads)  # our embedder changes the process-wide setting per call
    t = time.perf_counter()
    indexing.warm_up()
    doc_emb.run(documents=[])  # nothing to embed; the model is loaded now, outside the timing
    warm_s = time.perf_counter() - t
    t = time.perf_counter()
    indexing.run({"converter": {"sources": [str(p) for p in pdfs]}})
    index_s = time.perf_counter() - t
    n_chunks = store.count_documents()
    print(f"haystack: indexed {n_chunks} chunks in {index_s:.1f} s", file=sys.stderr)

    query = Pipeline()
    query.add_component("text_embedder", SentenceTransformersTextEmbedder(model=model, device=cpu, local_files_only=True,
                                                                          normalize_embeddings=True, progress_bar=False))
    query.add_component("dense", InMemoryEmbeddingRetriever(document_store=store, top_k=DEPTH))
    query.add_component("bm25", InMemoryBM25Retriever(document_store=store, top_k=DEPTH))
    query.add_component("joiner", DocumentJoiner(join_mode="reciprocal_rank_fusion", top_k=TOP_K))
    query.connect("text_embedder.embedding", "dense.query_embedding")
    query.connect("dense", "joiner")
    query.connect("bm25", "joiner")
    query.warm_up()

    def ask(q: str):
        return query.run({"text_embedder": {"text": q}, "bm25": {"query": q}})["joiner"]["documents"]

    import torch

    torch.set_num_threads(torch_threads)  # as shipped: Haystack leaves torch's default thread count
    for it in items[:3]:
        ask(it.question)
    lat, page_hits, ans_hits = [], 0, 0
    for it in items:
        t = time.perf_counter()
        docs = ask(it.question)
        lat.append((time.perf_counter() - t) * 1000)
        top = docs[:5]
        gold = [d for d in top if d.meta.get("file_path", "").split("/")[-1] == it.document and d.meta.get("page_number") in it.pages]
        page_hits += bool(gold)
        ans_hits += any(holds_answer(d.content or "", it.answers) for d in gold)
    # The same queries with torch on one thread, as our embedder does for questions.
    torch.set_num_threads(1)
    lat1 = []
    for it in items:
        t = time.perf_counter()
        ask(it.question)
        lat1.append((time.perf_counter() - t) * 1000)
    torch.set_num_threads(torch_threads)
    n = len(items)
    return {"index_s": index_s, "model_warm_s": warm_s, "torch_threads": torch_threads,
            "latency_1thread_p50_ms": pct(lat1, 50), "latency_1thread_p95_ms": pct(lat1, 95), "chunks": n_chunks, "recall@5_gold_page": page_hits / n,
            "recall@5_gold_page_with_answer": ans_hits / n, "latency_p50_ms": pct(lat, 50), "latency_p95_ms": pct(lat, 95),
            "splitter": {"split_by": "word", "split_length": split_length, "split_overlap": split_overlap}}


def our_side(corpus, items, emb) -> dict:
    from rag import Assistant
    from rag.build import build_index
    from rag.evaluation import holds_answer
    from rag.retrieval import hybrid_search

    root = CACHE / "peer_ours"
    shutil.rmtree(root, ignore_errors=True)
    t = time.perf_counter()
    rep = build_index(corpus, root, embedder=emb)
    index_s = time.perf_counter() - t
    print(f"ours: indexed {rep.chunks} chunks in {index_s:.1f} s", file=sys.stderr)
    a = Assistant.open(root, embedder=emb)
    data = a.data
    qv = emb.embed([it.question for it in items])
    page_hits = ans_hits = 0
    for it, v in zip(items, qv):
        top = hybrid_search(data, it.question, v, 5)
        gold = [c for c, _ in top if data.documents[int(data.chunk_doc[c])].path == it.document and int(data.chunk_page[c]) in it.pages]
        page_hits += bool(gold)
        ans_hits += any(holds_answer(data.chunk_text(c), it.answers) for c in gold)
    for it in items[:3]:
        a.search(it.question, top_k=TOP_K)
    lat = []
    for it in items:
        t = time.perf_counter()
        a.search(it.question, top_k=TOP_K)
        lat.append((time.perf_counter() - t) * 1000)
    n = len(items)
    shutil.rmtree(root, ignore_errors=True)
    return {"index_s": index_s, "chunks": rep.chunks, "sentences": rep.sentences, "build_steps_s": rep.timings_s,
            "recall@5_gold_page": page_hits / n, "recall@5_gold_page_with_answer": ans_hits / n,
            "latency_p50_ms": pct(lat, 50), "latency_p95_ms": pct(lat, 95)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--split-length", type=int, default=100, help="Haystack chunk size in words (ours: <= 700 characters, ~110 words)")
    ap.add_argument("--split-overlap", type=int, default=15, help="Haystack overlap in words (ours: one sentence)")
    args = ap.parse_args()
    common.require([ILACS_QA], "derived Ofsted questions")
    from rag.evaluation import load_eval_file

    m = common.machine()
    corpus = common.reports_corpus()
    pdfs = sorted(corpus.glob("*.pdf"))
    items = [it for it in load_eval_file(ILACS_QA) if it.answerable]
    import torch

    torch_threads = torch.get_num_threads()
    emb = common.embedder()
    torch.set_num_threads(torch_threads)
    ours = our_side(corpus, items, emb)
    hay = haystack_side(pdfs, items, args.split_length, args.split_overlap, torch_threads)

    def ratio(key):
        return hay[key] / ours[key] if ours[key] else float("nan")

    keys = [("indexing time, s", "index_s"), ("gold-page recall@5", "recall@5_gold_page"),
            ("gold page holding the answer, recall@5", "recall@5_gold_page_with_answer"),
            ("query latency p50, ms (top-k 10)", "latency_p50_ms"), ("query latency p95, ms (top-k 10)", "latency_p95_ms")]
    data = {"ours": ours, "haystack": hay, "ratios_haystack_over_ours": {k: ratio(k) for _, k in keys}, "questions": len(items),
            "documents": len(pdfs)}
    body = f"""{len(pdfs)} report PDFs (no corpus/), {len(items)} derived Ofsted questions; both sides in one process, models
preloaded outside the timings, the same local all-MiniLM-L6-v2 folder. Haystack: PyPDFToDocument, DocumentSplitter
(word, {args.split_length} words, overlap {args.split_overlap}) -> {hay['chunks']:,} chunks; ours: {ours['chunks']:,} chunks
(<= 700 characters, sentence-aligned) from {ours['sentences']:,} embedded sentences. Query: 50 candidates per
retriever, RRF, top 10 (ours: `Assistant.search`; Haystack: the query Pipeline). One run each (indexing is slow);
recall@5 for ours via `hybrid_search(..., 5)`. Hit: a top-5 chunk of the gold document on a gold page.

{table(["measure", "ours", "Haystack", "Haystack / ours"], [[name, ours[k], hay[k], ratio(k)] for name, k in keys])}

Query latency depends mostly on torch threads for the one-question embedding: our embedder switches torch to one
thread for small batches; Haystack leaves the default ({hay['torch_threads']} here). Haystack with torch on one thread:
p50 {hay['latency_1thread_p50_ms']:.1f} ms, p95 {hay['latency_1thread_p95_ms']:.1f} ms
(= {hay['latency_1thread_p50_ms'] / ours['latency_p50_ms']:.2f} / {hay['latency_1thread_p95_ms'] / ours['latency_p95_ms']:.2f} x ours).
"""
    cmd = ("OMP_WAIT_POLICY=PASSIVE " if os.environ.get("OMP_WAIT_POLICY") == "PASSIVE" else "") + "python benchmarks/bench_peer.py"
    prev = common.RESULTS_DIR / f"{NAME}.json"
    if prev.exists():  # keep the previous run's figures beside the new ones (runs are noisy here)
        import json

        old = json.loads(prev.read_text(encoding="utf-8"))
        data["previous_run"] = {k: old.get(k) for k in ("ours", "haystack", "ratios_haystack_over_ours", "command")} | {"date": old.get("machine", {}).get("date"), "load_average": old.get("machine", {}).get("load_average")}
        po, ph = old["ours"], old["haystack"]
        body += f"""
Previous run ({old.get('machine', {}).get('date')}, `{old.get('command')}`, load average {old.get('machine', {}).get('load_average')}): indexing
ours {po['index_s']:.0f} s vs Haystack {ph['index_s']:.0f} s; recall@5 {po['recall@5_gold_page']:.3f} vs {ph['recall@5_gold_page']:.3f};
latency p50 {po['latency_p50_ms']:.1f} vs {ph['latency_p50_ms']:.1f} ms. The load from other jobs differed between the two sides of that run.
"""
    common.write_results(NAME, "Peer comparison: Haystack (bench_peer)", cmd, body, data, m)


if __name__ == "__main__":
    main()
