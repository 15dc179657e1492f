"""`rag eval` metrics end to end (rag.evaluation.evaluate with an Assistant) over the 43 reports + corpus/.

    python benchmarks/bench_end_to_end.py

Question sets: the derived Ofsted questions (dev), tests/data/corpus_qa.jsonl (our test questions) and
our three development sets (corpus_qa_dev, reports_qa_dev, seed_qa_dev), all on the shared cached index
of the 43 reports plus corpus/, as the held-out questions are asked. The answer ranker (rag/reader.py) is still changing: the figures are a snapshot of the
reader at the recorded file hash.
"""
from __future__ import annotations

import argparse
import hashlib
import os
from collections import defaultdict

import common  # noqa: E402
from common import CORPUS_QA, ILACS_QA, PROJECT, table

NAME = "bench_end_to_end"
ORDER = ["accuracy", "exact_match", "f1", "sentence_accuracy", "page_accuracy", "answered_rate", "abstain_precision",
         "abstain_recall", "recall@1", "recall@5", "recall@10", "latency_p50_ms", "latency_p95_ms"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--top-k", type=int, default=5)
    args = ap.parse_args()
    common.require([ILACS_QA, CORPUS_QA], "question files")
    from rag import Assistant
    from rag.evaluation import evaluate, load_eval_file, summarise

    m = common.machine()
    reader = PROJECT / "rag" / "reader.py"
    m["reader_sha256"] = hashlib.sha256(reader.read_bytes()).hexdigest()[:12] if reader.exists() else None
    emb = common.embedder()
    a = Assistant.open(common.shared_index(embedder=emb), embedder=emb)
    a.ask("warm up")
    reports = {}
    by_field = {}
    data_dir = PROJECT / "tests" / "data"
    sets = (("ofsted_derived_dev", ILACS_QA), ("corpus_qa", CORPUS_QA), ("corpus_qa_dev", data_dir / "corpus_qa_dev.jsonl"),
            ("reports_qa_dev", data_dir / "reports_qa_dev.jsonl"), ("seed_qa_dev", data_dir / "seed_qa_dev.jsonl"))
    for label, path in sets:
        rep = evaluate(a, load_eval_file(path), top_k=args.top_k)
        reports[label] = rep.to_dict(rows=True)
        print(f"{label}:\n{rep.table()}")
        if label == "ofsted_derived_dev":
            field = {r["id"]: r.get("source_field", "?") for r in common.jsonl(path)}
            groups = defaultdict(list)
            for row in rep.rows:
                groups[field.get(row.id, "?")].append(row)
            by_field = {g: summarise(rows).metrics for g, rows in sorted(groups.items())}
    data = {"reports": reports, "ofsted_by_source_field": by_field, "top_k": args.top_k}

    labels = [label for label, _ in sets]
    rows = [[k] + [reports[label]["metrics"].get(k) for label in labels] for k in ORDER]
    sizes = "; ".join(f"{label}: {reports[label]['n']} ({reports[label]['unanswerable']} unanswerable)" for label in labels)
    body = f"""Shared index (43 reports + corpus/); `evaluate(Assistant, items, top_k={args.top_k})`, the code behind `rag eval`.
Answer ranker snapshot: rag/reader.py sha256 {m['reader_sha256']}.
Questions: {sizes}. corpus_qa is the test set (never used to choose anything); the three `_dev` sets
chose the abstention threshold. Latency is per `ask` (plus nothing else).

{table(["metric", "Ofsted derived (dev)", "corpus_qa (test)", "corpus_qa_dev", "reports_qa_dev", "seed_qa_dev"], rows)}

Ofsted by question type:

{table(["source field", "accuracy", "exact match", "F1", "page accuracy", "recall@5"], [[g, v['accuracy'], v['exact_match'], v['f1'], v['page_accuracy'], v['recall@5']] for g, v in by_field.items()])}
"""
    cmd = ("OMP_WAIT_POLICY=PASSIVE " if os.environ.get("OMP_WAIT_POLICY") == "PASSIVE" else "") + "python benchmarks/bench_end_to_end.py"
    common.write_results(NAME, "End to end: rag eval (bench_end_to_end)", cmd, body, data, m)


if __name__ == "__main__":
    main()
