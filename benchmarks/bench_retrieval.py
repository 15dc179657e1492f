"""Retrieval recall@1/5/10: BM25 only, dense only, and our hybrid (rag.retrieval.hybrid_search).

    python benchmarks/bench_retrieval.py [--skip-policyqa] [--skip-financebench]

(a) derived Ofsted questions over the shared index (43 reports + corpus/): a hit is a retrieved chunk
    of the gold document, on a gold page, holding a gold answer (rag.evaluation.holds_answer);
    also tests/data/corpus_qa.jsonl the same way;
(b) PolicyQA test: every policy written whole to a .txt file, indexed with rag.build.build_index;
    a hit is a retrieved chunk of the right policy containing the gold answer text;
(c) FinanceBench subset: gold evidence page in the top k (recall@5 headline), and which PDFs cannot be opened.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

# Quality only, no latency is reported here: let OpenMP threads sleep while waiting, which makes index
# builds and query embedding much faster on shared cores (see bench_speed). Must precede torch/faiss.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import common  # noqa: E402
from common import CACHE, CORPUS_QA, FINANCEBENCH, ILACS_QA, POLICYQA_TEST, table

NAME = "bench_retrieval"
KS = (1, 5, 10)
METHODS = ("bm25", "dense", "hybrid")


def ranked_lists(data, questions: list[str], emb, depth: int = 10, documents_per_q=None):
    """For each question, best-first chunk ids from each method."""
    from rag.retrieval import allowed_chunks, hybrid_search

    qv = emb.embed(questions, batch_size=64)
    out = []
    for i, q in enumerate(questions):
        docs = documents_per_q[i] if documents_per_q else None
        allowed = allowed_chunks(data, docs)
        mask = None
        if allowed is not None:
            mask = np.zeros(data.bm25.n_docs, dtype=bool)
            mask[allowed] = True
        out.append({
            "bm25": [c for c, _ in data.bm25.search(q, depth, allowed=mask)],
            "dense": [c for c, _ in data.vectors.search(qv[i], depth, allowed_ids=allowed)],
            "hybrid": [c for c, _ in hybrid_search(data, q, qv[i], depth, documents=docs)],
        })
    return out


def recall(first_hit_ranks: list[int | None]) -> dict[str, float]:
    n = len(first_hit_ranks)
    return {f"recall@{k}": sum(1 for r in first_hit_ranks if r is not None and r <= k) / n for k in KS} | {"n": n}


def first_rank(ids: list[int], is_hit) -> int | None:
    for r, c in enumerate(ids, start=1):
        if is_hit(c):
            return r
    return None


def load(root: Path, emb):
    from rag.store import load_index

    return load_index(root, model_name=emb.name, dimension=emb.dimension)


# -- (a) Ofsted ----------------------------------------------------------------------------------------


def bench_eval_file(data, emb, path: Path, group_field: str | None = None) -> dict:
    from rag.evaluation import holds_answer, load_eval_file

    items = [it for it in load_eval_file(path) if it.answerable]
    raw = {str(r.get("id")): r for r in common.jsonl(path)}
    lists = ranked_lists(data, [it.question for it in items], emb)
    ranks: dict[str, list] = {m: [] for m in METHODS}
    groups: dict[str, dict[str, list]] = defaultdict(lambda: {m: [] for m in METHODS})
    for it, ls in zip(items, lists):
        def hit(c, it=it):
            d = data.documents[int(data.chunk_doc[c])]
            if it.document and it.document != d.path and it.document not in d.aliases:
                return False
            if it.pages and int(data.chunk_page[c]) not in it.pages:
                return False
            return holds_answer(data.chunk_text(c), it.answers)

        g = raw.get(it.id, {}).get(group_field, "all") if group_field else "all"
        for m in METHODS:
            r = first_rank(ls[m], hit)
            ranks[m].append(r)
            groups[g][m].append(r)
    res = {m: recall(ranks[m]) for m in METHODS}
    if group_field:
        res["by_" + group_field] = {g: {m: recall(v[m]) for m in METHODS} for g, v in sorted(groups.items())}
    return res


# -- (b) PolicyQA ------------------------------------------------------------------------------------------


def safe_name(title: str) -> str:
    return re.sub(r"[^A-Za-z0-9.-]+", "_", title).strip("_") or "policy"


def policyqa_corpus() -> tuple[Path, list[dict]]:
    """Write each test policy as one .txt (paragraphs in order, blank line between); questions with offsets."""
    raw = json.loads(POLICYQA_TEST.read_text(encoding="utf-8"))
    folder = CACHE / "policyqa_corpus"
    folder.mkdir(parents=True, exist_ok=True)
    questions = []
    for entry in raw["data"]:
        name = safe_name(entry["title"]) + ".txt"
        parts, offset = [], 0
        paragraphs = sorted(entry["paragraphs"], key=lambda p: p.get("index", 0))
        for p in paragraphs:
            ctx = p["context"]
            for qa in p["qas"]:
                answers = [{"text": a["text"], "start": offset + a["answer_start"]} for a in qa["answers"] if a["text"].strip()]
                if answers:
                    questions.append({"id": qa["id"], "question": qa["question"], "document": name, "answers": answers})
            parts.append(ctx)
            offset += len(ctx) + 2
        text = "\n\n".join(parts)
        target = folder / name
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
    return folder, questions


def bench_policyqa(emb) -> dict:
    folder, questions = policyqa_corpus()
    t = time.perf_counter()
    root = common.cached_index(folder, "policyqa_index", embedder=emb)
    data = load(root, emb)
    build_s = time.perf_counter() - t
    doc_id = {d.path: i for i, d in enumerate(data.documents)}
    # Pages of a .txt without form feeds: one page, the text exactly as written (checked here).
    offsets_ok = all(len(p) == 1 for p in data.page_texts)
    chunks_of_doc: dict[int, list[int]] = defaultdict(list)
    for c in range(len(data.chunk_doc)):
        chunks_of_doc[int(data.chunk_doc[c])].append(c)

    texts = [q["question"] for q in questions]
    lists = ranked_lists(data, texts, emb)
    # PolicyQA questions are asked of one given policy and rarely name it ("Do you share my data?"):
    # the meaningful setting searches inside that policy (documents=[...]); across all 20 is also shown.
    lists_in = ranked_lists(data, texts, emb, documents_per_q=[[q["document"]] for q in questions])
    ranks = {m: [] for m in METHODS}
    span_ranks = {m: [] for m in METHODS}
    in_ranks = {m: [] for m in METHODS}
    in_span_ranks = {m: [] for m in METHODS}
    ceiling_text = ceiling_span = 0
    for q, ls, ls_in in zip(questions, lists, lists_in):
        d = doc_id[q["document"]]
        texts = [a["text"] for a in q["answers"]]

        def hit_text(c, d=d, texts=texts):
            return int(data.chunk_doc[c]) == d and any(t in data.chunk_text(c) for t in texts)

        def hit_span(c, d=d, q=q):
            if int(data.chunk_doc[c]) != d:
                return False
            a, b = data.chunk_bounds(c)
            return any(a <= x["start"] and x["start"] + len(x["text"]) <= b for x in q["answers"])

        ceiling_text += any(hit_text(c) for c in chunks_of_doc[d])
        ceiling_span += any(hit_span(c) for c in chunks_of_doc[d])
        for m in METHODS:
            ranks[m].append(first_rank(ls[m], hit_text))
            span_ranks[m].append(first_rank(ls[m], hit_span))
            in_ranks[m].append(first_rank(ls_in[m], hit_text))
            in_span_ranks[m].append(first_rank(ls_in[m], hit_span))
    n = len(questions)
    return {
        "policies": len(data.documents),
        "chunks": int(len(data.chunk_doc)),
        "questions": n,
        "index_time_s": build_s,
        "single_page_per_policy": offsets_ok,
        "answer_text_inside_some_chunk": ceiling_text / n,
        "answer_span_inside_some_chunk": ceiling_span / n,
        "text_hit": {m: recall(ranks[m]) for m in METHODS},
        "span_hit": {m: recall(span_ranks[m]) for m in METHODS},
        "within_policy_text_hit": {m: recall(in_ranks[m]) for m in METHODS},
        "within_policy_span_hit": {m: recall(in_span_ranks[m]) for m in METHODS},
        "mean_chunks_per_policy": len(data.chunk_doc) / max(len(data.documents), 1),
    }


# -- (c) FinanceBench ----------------------------------------------------------------------------------------


def pdf_status(path: Path) -> str:
    import pypdf

    try:
        r = pypdf.PdfReader(str(path))
        if not r.is_encrypted:
            return "plain"
        try:
            ok = r.decrypt("")
        except Exception as exc:  # noqa: BLE001
            return f"encrypted, cannot decrypt ({type(exc).__name__})"
        return "encrypted, opens with empty password" if ok else "encrypted, needs a password"
    except Exception as exc:  # noqa: BLE001
        return f"unreadable ({type(exc).__name__})"


def bench_financebench(emb) -> dict:
    qa_path = FINANCEBENCH / "financebench_open_source.subset.jsonl"
    common.require([qa_path, FINANCEBENCH / "pdfs"], "FinanceBench subset")
    pdfs = sorted((FINANCEBENCH / "pdfs").glob("*.pdf"))
    status = {p.name: pdf_status(p) for p in pdfs}
    from rag.build import build_index

    root = CACHE / "financebench_index"
    stamp = CACHE / "financebench_index.code"
    rebuild = not stamp.exists() or stamp.read_text().strip() != common.code_fingerprint()
    t = time.perf_counter()
    report = build_index(FINANCEBENCH / "pdfs", root, embedder=emb, rebuild=rebuild)  # one writer: no lock wait needed
    stamp.write_text(common.code_fingerprint() + "\n")
    build_s = time.perf_counter() - t
    data = load(root, emb)
    indexed = {d.path for d in data.documents}
    rows = common.jsonl(qa_path)
    questions = [r["question"] for r in rows]
    gold = [{(e["doc_name"] + ".pdf", int(e["evidence_page_num"]) + 1) for e in r["evidence"]} for r in rows]
    gold_docs = [sorted({g[0] for g in gs}) for gs in gold]
    lists = ranked_lists(data, questions, emb)
    in_doc = ranked_lists(data, questions, emb, documents_per_q=gold_docs)
    try:
        import cryptography  # noqa: F401  (pypdf needs it for AES-encrypted PDFs)

        have_crypto = True
    except ImportError:
        have_crypto = False
    res: dict = {"questions": len(rows), "pdfs": len(pdfs), "pdf_status": status, "index_time_s": build_s,
                 "cryptography_installed": have_crypto,
                 "empty_pages": report.empty_pages,
                 "index_reused": not report.changed,
                 "skipped": report.skipped, "indexed_pdfs": len(indexed),
                 "questions_on_unindexed_docs": sum(1 for gd in gold_docs if not set(gd) & indexed)}
    for label, ls_all in (("all_documents", lists), ("gold_document_only", in_doc)):
        ranks = {m: [] for m in METHODS}
        for gs, ls in zip(gold, ls_all):
            def hit(c, gs=gs):
                return (data.documents[int(data.chunk_doc[c])].path, int(data.chunk_page[c])) in gs

            for m in METHODS:
                ranks[m].append(first_rank(ls[m], hit))
        res[label] = {m: recall(ranks[m]) for m in METHODS}
    return res


# -- main ------------------------------------------------------------------------------------------------------


def rows_for(res: dict) -> list[list]:
    return [[m, res[m]["recall@1"], res[m]["recall@5"], res[m]["recall@10"]] for m in METHODS]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--skip-policyqa", action="store_true")
    ap.add_argument("--skip-financebench", action="store_true")
    args = ap.parse_args()
    common.require([ILACS_QA, CORPUS_QA], "question files")
    m = common.machine()
    emb = common.embedder()
    data = load(common.shared_index(embedder=emb), emb)

    out: dict = {}
    t = time.perf_counter()
    out["ofsted"] = bench_eval_file(data, emb, ILACS_QA, group_field="source_field")
    out["corpus_qa"] = bench_eval_file(data, emb, CORPUS_QA)
    print(f"Ofsted + corpus_qa done in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    if not args.skip_policyqa:
        common.require([POLICYQA_TEST], "PolicyQA")
        t = time.perf_counter()
        out["policyqa"] = bench_policyqa(emb)
        print(f"PolicyQA done in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    if not args.skip_financebench:
        t = time.perf_counter()
        out["financebench"] = bench_financebench(emb)
        print(f"FinanceBench done in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    else:  # keep the figures of the last full run, marked with its date
        prev = common.RESULTS_DIR / f"{NAME}.json"
        if prev.exists():
            old = json.loads(prev.read_text(encoding="utf-8"))
            if "financebench" in old:
                out["financebench"] = old["financebench"]
                out["financebench"].setdefault("measured", old.get("machine", {}).get("date"))
                try:
                    import cryptography  # noqa: F401

                    out["financebench"].setdefault("cryptography_installed", True)
                except ImportError:
                    out["financebench"].setdefault("cryptography_installed", False)

    o = out["ofsted"]
    by = o["by_source_field"]
    body = f"""Recall@k = share of answerable questions with a hit in the top k. Shared index: 43 reports + corpus/
({len(data.documents)} documents, {len(data.chunk_doc):,} chunks). BM25 = `data.bm25.search`, dense =
`data.vectors.search`, hybrid = `rag.retrieval.hybrid_search` (RRF of the two, depth 50 each).

### (a) Derived Ofsted questions (dev, {o['hybrid']['n']} questions)

Hit: a chunk of the gold document, on a gold page, holding a gold answer after `normalize_answer`.

{table(["method", "recall@1", "recall@5", "recall@10"], rows_for(o))}

By question type (recall@5, BM25 / dense / hybrid; n):

{table(["source field", "n", "BM25", "dense", "hybrid"], [[g, v['hybrid']['n'], v['bm25']['recall@5'], v['dense']['recall@5'], v['hybrid']['recall@5']] for g, v in by.items()])}

tests/data/corpus_qa.jsonl ({out['corpus_qa']['hybrid']['n']} answerable questions, same hit rule):

{table(["method", "recall@1", "recall@5", "recall@10"], rows_for(out['corpus_qa']))}
"""
    if "policyqa" in out:
        p = out["policyqa"]
        body += f"""
### (b) PolicyQA test ({p['questions']:,} questions, {p['policies']} whole policies, {p['chunks']:,} chunks)

Each policy written to one .txt (paragraphs joined by a blank line) and indexed with `build_index`
(index build {p['index_time_s']:.0f} s incl. embedding, or cache reuse); {p['mean_chunks_per_policy']:.0f} chunks per policy on average.
Hit: a retrieved chunk of the right policy whose text contains a gold answer string. Chunking ceiling: the answer
text lies inside some chunk of its policy for {p['answer_text_inside_some_chunk']:.3f} of questions (the exact gold span for {p['answer_span_inside_some_chunk']:.3f}).

Searching inside the question's policy (`documents=[policy]`; PolicyQA questions are asked of one given policy
and seldom name it):

{table(["method", "recall@1", "recall@5", "recall@10"], rows_for(p['within_policy_text_hit']))}

Searching all 20 policies at once (the question rarely says which policy, so this mostly measures guessing the policy):

{table(["method", "recall@1", "recall@5", "recall@10"], rows_for(p['text_hit']))}

Stricter hit (the chunk covers the gold answer's own character span), recall@5 within the policy: hybrid
{p['within_policy_span_hit']['hybrid']['recall@5']:.3f}, BM25 {p['within_policy_span_hit']['bm25']['recall@5']:.3f}, dense {p['within_policy_span_hit']['dense']['recall@5']:.3f}.
"""
    if "financebench" in out:
        f = out["financebench"]
        enc = {k: v for k, v in f["pdf_status"].items() if v != "plain"}
        body += f"""
### (c) FinanceBench subset ({f['questions']} questions, {f['pdfs']} PDFs)

{"Measured " + f['measured'] + " (carried over: this run used --skip-financebench)." if f.get('measured') else ""}

Hit: a retrieved chunk on a gold evidence page (document + 1-based page). Opening the PDFs:
{len(enc)} of {f['pdfs']} are encrypted ({"; ".join(f"{k}: {v}" for k, v in enc.items())}).
`build_index` skipped {len(f['skipped'])} ({"; ".join(f"{p}: {r}" for p, r in f['skipped']) or "none"}), so {f['indexed_pdfs']} PDFs are indexed and
{f['questions_on_unindexed_docs']} questions point only at unindexed documents (counted as misses). `cryptography` installed:
{f['cryptography_installed']} (pypdf[crypto], a dependency of rag; without it the AES-256 ADOBE_2022_10K cannot be opened, per
PROVENANCE.txt). Pages with no text layer: {"; ".join(f"{d}: {p}" for d, p in f['empty_pages']) if 'empty_pages' in f else "not recorded in that run"}.

{table(["method", "recall@1", "recall@5", "recall@10"], rows_for(f['all_documents']))}

Restricted to the gold document (`documents=[...]`, as a user picking the filing would):

{table(["method", "recall@1", "recall@5", "recall@10"], rows_for(f['gold_document_only']))}
"""
    cmd = "python benchmarks/bench_retrieval.py" + (" --skip-policyqa" if args.skip_policyqa else "") + (" --skip-financebench" if args.skip_financebench else "")
    common.write_results(NAME, "Retrieval (bench_retrieval)", cmd, body, out, m)


if __name__ == "__main__":
    main()
