"""Speed of the answer ranker alone: ranking answers over 20 sentences whose vectors are given.

This is the step `Assistant.ask` runs after retrieval (sentence vectors are stored at build time) and that
`rag.read` runs after embedding its passages. Each question gets 20 sentences: its SQuAD v1.1 paragraph
(articles 25-48) topped up with other sentences of the same article. Caches (sentence analysis, syntax
parses, word vectors) are cleared before every question, so every sentence is read cold, as a new question's are.
Median and p90 over 200 questions, per repeat; the figure is the median of the repeats' medians.

    python benchmarks/bench_read_speed.py [--repeats 3]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import common  # noqa: E402
import train_reader as T  # noqa: E402

from rag import reader as R  # noqa: E402
from rag import syntax  # noqa: E402
from rag.word_vectors import default_word_vectors  # noqa: E402

QUESTIONS = 200
SENTENCES = 20
SEED = 13


def question_sets(emb) -> list[tuple[str, list[str]]]:
    examples = [e for e in T.build_examples(T.load_squad_v1()[24:48]) if e["answers"]]
    rng = np.random.default_rng(SEED)
    by_title: dict[str, set[str]] = {}
    for e in examples:
        by_title.setdefault(e["title"], set()).update(e["sents"])
    sets = []
    for i in rng.choice(len(examples), QUESTIONS, replace=False):
        e = examples[int(i)]
        pool = sorted(by_title[e["title"]] - set(e["sents"]))
        extra = [pool[int(k)] for k in rng.choice(len(pool), max(0, SENTENCES - len(e["sents"])), replace=False)]
        sets.append((e["q"], (e["sents"] + extra)[:SENTENCES]))
    emb.embed_many([s for _, ss in sets for s in ss], "read-speed-sentences")
    emb.embed_many([q for q, _ in sets], "read-speed-questions")
    return sets


def one_pass(sets, emb) -> np.ndarray:
    times = []
    for q, sents in sets:
        syntax._cache.clear()
        R._analyse_sentence.cache_clear()
        R._analyse_question.cache_clear()
        R._for_title.cache_clear()
        R._question_syntax.cache_clear()
        R.main_question.cache_clear()
        vectors = default_word_vectors()
        if vectors is not None:
            vectors._cache.clear()
        candidates = [R.SentenceCandidate(text=s, passage=0, vector=emb.mem[s]) for s in sents]
        t0 = time.perf_counter()
        R.rank_answers(q, candidates, embedder=emb, question_vector=emb.mem[q])
        times.append((time.perf_counter() - t0) * 1000)
    return np.array(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    common.require([common.DATA / "squad-v1.1-dev"], "SQuAD v1.1 dev")
    m = common.machine()
    emb = T.CachedEmbedder()
    sets = question_sets(emb)
    R.rank_answers(sets[0][0], [R.SentenceCandidate(text=s, passage=0, vector=emb.mem[s]) for s in sets[0][1]],
                   embedder=emb, question_vector=emb.mem[sets[0][0]])  # loads the weights and spaCy
    runs = {}
    for label, use_syntax in (("with syntax (shipped)", True), ("without syntax", False)):
        R.USE_SYNTAX = use_syntax
        passes = [one_pass(sets, emb) for _ in range(args.repeats)]
        runs[label] = {
            "median_ms": float(np.median([np.median(p) for p in passes])),
            "p90_ms": float(np.median([np.percentile(p, 90) for p in passes])),
            "min_median_ms": float(min(np.median(p) for p in passes)),
        }
    R.USE_SYNTAX = True
    body = f"""`rag.reader.rank_answers` over {SENTENCES} sentences with their vectors given ({QUESTIONS} SQuAD v1.1
questions of articles 25-48, every cache cleared before each question); {args.repeats} repeats.
Goal: median under 20 ms.

""" + common.table(
        ["ranker", "median (median of repeats)", "best repeat's median", "p90"],
        [(k, f"{v['median_ms']:.1f} ms", f"{v['min_median_ms']:.1f} ms", f"{v['p90_ms']:.1f} ms") for k, v in runs.items()],
    )
    common.write_results("read_speed", "Ranker speed (bench_read_speed)", "python benchmarks/bench_read_speed.py", body, runs, m)


if __name__ == "__main__":
    main()
