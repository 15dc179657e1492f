"""Vector search at 10k, 100k and 1M chunks: FAISS flat vs HNSW through rag.vectors.VectorIndex.

    python benchmarks/bench_scale.py [--sizes 10000,100000,1000000] [--queries 200] [--hnsw-budget 900]

Synthetic 384-dimensional unit vectors, clustered (topics of sub-topics, like sentence embeddings of
reports), so nearest neighbours are meaningful and recall is not trivially high or low. Queries are
fresh draws from the same distribution. Per size: build time, single-query latency p50/p95 through
`VectorIndex.search` (what `hybrid_search` calls), HNSW recall@10 against exact flat search for a few
efSearch values (the library's default is marked), and the kind `rag.vectors.choose_kind` picks.
Writes results/bench_scale.json and results/bench_scale.png.
"""
from __future__ import annotations

import argparse
import gc
import sys
import time

import numpy as np

import common  # noqa: E402
from common import RESULTS_DIR, pct, table

NAME = "bench_scale"
DIM = 384
TOPICS = 64
SUBTOPICS_PER_TOPIC = 32  # 2,048 clusters in all


class Clustered:
    """Unit vectors around 2,048 sub-topic centres grouped under 64 topics, with per-cluster spread."""

    def __init__(self, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        topics = _unit(rng.standard_normal((TOPICS, DIM), dtype=np.float32))
        sub = np.repeat(topics, SUBTOPICS_PER_TOPIC, axis=0) + 0.9 * _unit(rng.standard_normal((TOPICS * SUBTOPICS_PER_TOPIC, DIM), dtype=np.float32))
        self.centres = _unit(sub)
        self.spread = rng.uniform(0.7, 1.3, len(self.centres)).astype(np.float32)
        # Uneven cluster sizes (a few big topics), like real corpora.
        w = rng.zipf(1.6, len(self.centres)).astype(np.float64)
        self.p = np.minimum(w, 200) / np.minimum(w, 200).sum()

    def sample(self, n: int, seed: int, block: int = 100_000) -> np.ndarray:
        rng = np.random.default_rng(seed)
        out = np.empty((n, DIM), dtype=np.float32)
        for lo in range(0, n, block):
            m = min(block, n - lo)
            c = rng.choice(len(self.centres), size=m, p=self.p)
            noise = _unit(rng.standard_normal((m, DIM), dtype=np.float32)) * self.spread[c, None]
            out[lo : lo + m] = _unit(self.centres[c] + noise)
        return out


def _unit(x: np.ndarray) -> np.ndarray:
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x


def latencies(index, queries: np.ndarray, k: int = 10) -> tuple[list[float], np.ndarray]:
    ids = np.full((len(queries), k), -1, dtype=np.int64)
    lat = []
    index.search(queries[0], k)  # warm
    for i, q in enumerate(queries):
        t = time.perf_counter()
        res = index.search(q, k)
        lat.append((time.perf_counter() - t) * 1000)
        ids[i, : len(res)] = [c for c, _ in res]
    return lat, ids


def recall_at(found: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(f[f >= 0]) & set(t)) / len(t) for f, t in zip(found, truth)]))


def run_size(gen: Clustered, n: int, n_queries: int, budget_s: float, ef_values: list[int]) -> dict:
    import faiss

    from rag import vectors as V
    from rag.vectors import VectorIndex, choose_kind

    t = time.perf_counter()
    X = gen.sample(n, seed=1000 + n)
    Q = gen.sample(n_queries, seed=7)
    gen_s = time.perf_counter() - t
    res: dict = {"n": n, "queries": n_queries, "choose_kind": choose_kind(n), "generate_s": gen_s}

    t = time.perf_counter()
    flat = VectorIndex.build(X, "flat")
    res["flat_build_s"] = time.perf_counter() - t
    default_threads = faiss.omp_get_max_threads()
    lat, truth = latencies(flat, Q)
    res["flat_p50_ms"], res["flat_p95_ms"] = pct(lat, 50), pct(lat, 95)
    # The same search with FAISS limited to one OpenMP thread (see the README: on shared cores the
    # default thread team waits for descheduled threads).
    faiss.omp_set_num_threads(1)
    lat1, _ = latencies(flat, Q)
    faiss.omp_set_num_threads(default_threads)
    res["flat_1thread_p50_ms"], res["flat_1thread_p95_ms"] = pct(lat1, 50), pct(lat1, 95)
    # Neighbour structure of the data: how close the 10th exact neighbour is (cosine).
    scores, _ = flat.index.search(Q[:50], 10)
    res["mean_cos_top1"], res["mean_cos_top10"] = float(scores[:, 0].mean()), float(scores[:, 9].mean())
    del flat
    gc.collect()
    print(f"n={n:,}: flat build {res['flat_build_s']:.1f} s, p50 {res['flat_p50_ms']:.2f} ms (1 thread {res['flat_1thread_p50_ms']:.2f} ms)", file=sys.stderr)

    # HNSW: the same construction as VectorIndex.build, added in batches so a time budget can stop it.
    t = time.perf_counter()
    if n * 1.0 <= 200_000 or budget_s <= 0:
        hnsw = VectorIndex.build(X, "hnsw")
        built = n
    else:
        index = faiss.IndexHNSWFlat(DIM, V.HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = V.HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = V.ef_search(n)
        built = 0
        step = 50_000
        while built < n:
            index.add(X[built : built + step])
            built = min(n, built + step)
            el = time.perf_counter() - t
            print(f"  hnsw add {built:,}/{n:,} in {el:.0f} s", file=sys.stderr)
            if el > budget_s and built < n:
                break
        hnsw = VectorIndex(index, "hnsw")
    res["hnsw_build_s"] = time.perf_counter() - t
    res["hnsw_built_vectors"] = built
    if built < n:
        res["hnsw_complete"] = False
        res["hnsw_build_s_extrapolated"] = res["hnsw_build_s"] * n / built
        print(f"  HNSW stopped at {built:,} vectors (budget); no search figures for it", file=sys.stderr)
        return res
    res["hnsw_complete"] = True
    default_ef = V.ef_search(n)
    res["hnsw"] = {}
    for ef in sorted(set(ef_values + [default_ef])):
        hnsw.index.hnsw.efSearch = ef
        lat, found = latencies(hnsw, Q)
        res["hnsw"][ef] = {"p50_ms": pct(lat, 50), "p95_ms": pct(lat, 95), "recall@10": recall_at(found, truth)}
        if ef == default_ef:
            faiss.omp_set_num_threads(1)
            lat1, _ = latencies(hnsw, Q)
            faiss.omp_set_num_threads(default_threads)
            res["hnsw_1thread_p50_ms"], res["hnsw_1thread_p95_ms"] = pct(lat1, 50), pct(lat1, 95)
        print(f"  hnsw ef={ef}: p50 {pct(lat, 50):.2f} ms recall@10 {res['hnsw'][ef]['recall@10']:.3f}", file=sys.stderr)
    hnsw.index.hnsw.efSearch = default_ef
    res["hnsw_default_ef"] = default_ef
    del hnsw, X
    gc.collect()
    return res


def plot(results: list[dict], path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ns = [r["n"] for r in results]
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2))
    ax = axes[0]
    ax.plot(ns, [r["flat_p50_ms"] for r in results], "o-", label="flat p50")
    ax.plot(ns, [r["flat_p95_ms"] for r in results], "o--", label="flat p95", alpha=0.6)
    ax.plot(ns, [r["flat_1thread_p50_ms"] for r in results], "^-", label="flat p50, 1 FAISS thread")
    h = [r for r in results if r.get("hnsw_complete")]
    ax.plot([r["n"] for r in h], [r["hnsw"][r["hnsw_default_ef"]]["p50_ms"] for r in h], "s-", label="HNSW p50 (default ef)")
    ax.plot([r["n"] for r in h], [r["hnsw"][r["hnsw_default_ef"]]["p95_ms"] for r in h], "s--", label="HNSW p95", alpha=0.6)
    ax.set_xscale("log"); ax.set_yscale("log"); ax.set_xlabel("chunks"); ax.set_ylabel("ms per query (top-10)")
    ax.axvline(200_000, color="grey", lw=0.8, ls=":"); ax.text(210_000, ax.get_ylim()[0] * 1.5, "HNSW_THRESHOLD", fontsize=7, color="grey")
    ax.set_title("single-query latency"); ax.legend(fontsize=8)
    ax = axes[1]
    for r in h:
        efs = sorted(r["hnsw"], key=int)
        ax.plot([r["hnsw"][e]["p50_ms"] for e in efs], [r["hnsw"][e]["recall@10"] for e in efs], "o-", label=f"{r['n']:,}")
        for e in efs:
            ax.annotate(str(e), (r["hnsw"][e]["p50_ms"], r["hnsw"][e]["recall@10"]), fontsize=6, xytext=(2, -8), textcoords="offset points")
    ax.set_xscale("log"); ax.set_xlabel("HNSW p50 ms"); ax.set_ylabel("recall@10 vs flat"); ax.set_title("HNSW recall / latency by efSearch")
    ax.legend(fontsize=8, title="chunks")
    ax = axes[2]
    ax.bar([f"{n:,}\nflat" for n in ns], [r["flat_build_s"] for r in results], color="C0")
    ax.bar([f"{r['n']:,}\nHNSW" for r in results], [r["hnsw_build_s"] if r.get("hnsw_complete") else r["hnsw_build_s_extrapolated"] for r in results], color="C1")
    ax.set_yscale("log"); ax.set_ylabel("build s"); ax.set_title("build time (2 shared cores)"); ax.tick_params(axis="x", labelsize=7)
    fig.suptitle("rag.vectors.VectorIndex on clustered synthetic 384-d unit vectors")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--queries", type=int, default=200, help="queries at 10k/100k (half of it at 1M)")
    ap.add_argument("--hnsw-budget", type=float, default=900.0, help="seconds after which a large HNSW build stops")
    args = ap.parse_args()
    import faiss

    m = common.machine()
    m["faiss_omp_threads"] = faiss.omp_get_max_threads()
    gen = Clustered()
    results = []
    for n in (int(s) for s in args.sizes.split(",")):
        nq = args.queries if n < 1_000_000 else max(50, args.queries // 2)
        results.append(run_size(gen, n, nq, args.hnsw_budget, [32, 64, 256]))
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    png = RESULTS_DIR / "bench_scale.png"
    plot(results, png)

    from rag import vectors as V

    rows = []
    for r in results:
        h = r.get("hnsw", {}).get(r.get("hnsw_default_ef"), {})
        rows.append([f"{r['n']:,}", r["choose_kind"], r["queries"], r["flat_build_s"], r["flat_p50_ms"], r["flat_p95_ms"],
                     r["flat_1thread_p50_ms"], r["flat_1thread_p95_ms"],
                     r["hnsw_build_s"] if r.get("hnsw_complete") else f"stopped at {r['hnsw_built_vectors']:,} (~{r['hnsw_build_s_extrapolated']:.0f} s)",
                     h.get("p50_ms"), h.get("p95_ms"), r.get("hnsw_1thread_p50_ms"), h.get("recall@10")])
    ef_rows = []
    for r in results:
        for ef, v in sorted(r.get("hnsw", {}).items(), key=lambda kv: int(kv[0])):
            ef_rows.append([f"{r['n']:,}", f"{ef}{' (default)' if int(ef) == V.ef_search(r['n']) else ''}", v["p50_ms"], v["p95_ms"], v["recall@10"]])
    body = f"""Synthetic clustered unit vectors (384 d; {TOPICS} topics x {SUBTOPICS_PER_TOPIC} sub-topics, Zipf-sized clusters;
mean cosine of the exact top-1 / top-10 neighbour at 1M: {results[-1]['mean_cos_top1']:.2f} / {results[-1]['mean_cos_top10']:.2f}).
Single queries through `VectorIndex.search(q, 10)`; HNSW as `VectorIndex.build(vectors, "hnsw")` (M={V.HNSW_M},
efConstruction={V.HNSW_EF_CONSTRUCTION}, efSearch={V.HNSW_EF_SEARCH}, {V.HNSW_EF_SEARCH_LARGE} from {V.HNSW_LARGE:,} vectors); recall@10 against exact flat search. FAISS threads: {m['faiss_omp_threads']}.
`choose_kind` switches to HNSW at {V.HNSW_THRESHOLD:,} vectors.

{table(["chunks", "choose_kind", "queries", "flat build s", "flat p50 ms", "flat p95 ms", "flat 1-thread p50 ms", "flat 1-thread p95 ms", "HNSW build s", "HNSW p50 ms", "HNSW p95 ms", "HNSW 1-thread p50 ms", "HNSW recall@10"], rows)}

"1-thread": the same index searched after `faiss.omp_set_num_threads(1)`. With FAISS's default OpenMP team
({m['faiss_omp_threads']} threads) on cores busy with other jobs, a single flat query waits for descheduled threads.

HNSW efSearch sweep:

{table(["chunks", "efSearch", "p50 ms", "p95 ms", "recall@10"], ef_rows)}

![scale](results/bench_scale.png)
"""
    common.write_results(NAME, "Vector search at scale (bench_scale)", "python benchmarks/bench_scale.py", body, {"results": results}, m)


if __name__ == "__main__":
    main()
