"""Train (and evaluate) the answer ranker of rag/reader.py; writes rag/weights/reader.json and idf.json.

Data (see each folder's PROVENANCE.txt under ../shared/data):
  * SQuAD v1.1 dev, articles 1-24 in file order: training and development (never articles 25-48).
  * SQuAD v2.0 dev half, minus every article whose title is among SQuAD v1.1 articles 25-48 (6 of its
    16 articles overlap the held-out set and are dropped): calibration of the probability and the
    abstention threshold (3k+ answerable and unanswerable questions).
  * IDF table: contexts of SQuAD v1.1 articles 1-24, the kept SQuAD v2 articles and PolicyQA dev.

Procedure (seeded, deterministic): the sentence and span models are conditional logistic models
(softmax over the sentences of a paragraph, and over the spans of the gold sentence) fitted with L-BFGS
and an L2 penalty. They are cross-fitted in two folds over the 24 articles, so every question gets
out-of-fold predictions; the calibrator (logistic regression on 5 features of the top answer, label =
exact match) is fitted on the out-of-fold predictions for the kept SQuAD v2 questions, and the threshold is
the one maximising SQuAD-2 exact match there. The final sentence/span models are refitted on all 24.

Usage:
  python scripts/train_reader.py                 # train, print out-of-fold dev figures, write weights
  python scripts/train_reader.py --eval-ofsted   # Ofsted derived QA (dev), read() over all pages of each PDF
  python scripts/train_reader.py --eval-squad-dev   # EM/F1/sentence accuracy on articles 1-24 with current weights
  python scripts/train_reader.py --heldout       # ONCE, at the end: SQuAD v1.1 articles 25-48
  python scripts/train_reader.py --timing        # median rank_answers time over 40 candidates
"""
from __future__ import annotations

import argparse
import collections
import hashlib
import json
import math
import os
import re
import string
import sys
import time
from pathlib import Path

import numpy as np
from scipy import optimize, sparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rag import reader as R  # noqa: E402
from rag.embedding import default_embedder  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
CACHE = Path("/tmp/reader_train_cache")
SEED = 13


# ------------------------------------------------------------------------------------ SQuAD metric
def normalize_answer(s: str) -> str:
    s = s.lower()
    s = "".join(ch for ch in s if ch not in set(string.punctuation))
    s = re.sub(r"\b(a|an|the)\b", " ", s)
    return " ".join(s.split())


def f1_score(pred: str, gold: str) -> float:
    p, g = normalize_answer(pred).split(), normalize_answer(gold).split()
    common = collections.Counter(p) & collections.Counter(g)
    same = sum(common.values())
    if same == 0:
        return 0.0
    pr, rc = same / len(p), same / len(g)
    return 2 * pr * rc / (pr + rc)


def em_f1(pred: str, golds: list[str]) -> tuple[float, float]:
    return max(float(normalize_answer(pred) == normalize_answer(g)) for g in golds), max(f1_score(pred, g) for g in golds)


# ------------------------------------------------------------------------------------ embeddings
class CachedEmbedder:
    def __init__(self) -> None:
        CACHE.mkdir(parents=True, exist_ok=True)
        self.inner = default_embedder()
        self.name, self.dimension = self.inner.name, self.inner.dimension
        self.mem: dict[str, np.ndarray] = {}

    def embed_many(self, texts: list[str], tag: str) -> dict[str, np.ndarray]:
        uniq = sorted(set(texts))
        h = hashlib.sha1("\x00".join(uniq).encode()).hexdigest()[:16]
        path = CACHE / f"{tag}-{h}.npy"
        if path.exists():
            V = np.load(path)
        else:
            t0 = time.time()
            V = self.inner.embed(uniq, batch_size=64, show_progress=False)
            np.save(path, V)
            print(f"embedded {len(uniq)} texts for {tag} in {time.time() - t0:.0f}s", file=sys.stderr)
        out = dict(zip(uniq, V))
        self.mem.update(out)
        return out

    def embed(self, texts, *, batch_size=32, show_progress=False):
        missing = [t for t in texts if t not in self.mem]
        if missing:
            for t, v in zip(missing, self.inner.embed(missing)):
                self.mem[t] = v
        return np.vstack([self.mem[t] for t in texts]) if texts else np.zeros((0, self.dimension), np.float32)


# ------------------------------------------------------------------------------------ data
def load_squad_v1():
    return json.loads((DATA / "squad-v1.1-dev" / "dev-v1.1.merged.json").read_text())["data"]


def build_examples(articles, *, v2: bool = False):
    """One example per question: paragraph sentences, gold sentence, gold answers."""
    out = []
    for a_idx, art in enumerate(articles):
        for para in art["paragraphs"]:
            ctx = para["context"]
            units = R.split_passage(ctx)
            if not units:
                continue
            sents = [ctx[a:b] for a, b in units]
            for qa in para["qas"]:
                impossible = bool(qa.get("is_impossible")) if v2 else False
                answers = [x["text"] for x in qa["answers"]] if not impossible else []
                gold_sent = -1
                if answers:
                    a0 = qa["answers"][0]
                    s0, e0 = a0["answer_start"], a0["answer_start"] + len(a0["text"])
                    for k, (a, b) in enumerate(units):
                        if a <= s0 and e0 <= b:
                            gold_sent = k
                            break
                out.append(dict(title=art["title"], q=qa["question"], sents=sents, answers=answers, gold=gold_sent, impossible=impossible))
    return out


# ------------------------------------------------------------------------------------ fitting
def fit_clogit(X, sizes: np.ndarray, y: np.ndarray, l2: float, w0=None, maxiter=300):
    """Conditional logit: softmax over the rows of each group; y is a target distribution per group."""
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    G = len(sizes)

    def f(w):
        z = X @ w
        m = np.maximum.reduceat(z, starts)
        ez = np.exp(z - np.repeat(m, sizes))
        se = np.add.reduceat(ez, starts)
        loss = float(np.sum(m + np.log(se)) - np.dot(y, z)) / G + l2 * float(w @ w)
        p = ez / np.repeat(se, sizes)
        grad = np.asarray(X.T @ (p - y)).ravel() / G + 2 * l2 * w
        return loss, grad

    w0 = np.zeros(X.shape[1]) if w0 is None else w0
    res = optimize.minimize(f, w0, jac=True, method="L-BFGS-B", options={"maxiter": maxiter})
    return res.x


def sentence_rows(ex, emb):
    q = R._analyse_question(ex["q"])
    title = ex.get("title_text", "")
    qk = R._for_title(ex["q"], title)
    sents = [R._analyse_sentence(s) for s in ex["sents"]]
    al = [R._aligned(qk, s) for s in sents]
    V = np.vstack([emb.mem[s] for s in ex["sents"]])
    cos = V @ emb.mem[ex["q"]]
    return R._sentence_features(q, sents, al, cos, np.zeros(len(sents)), [title] * len(sents), [qk] * len(sents))


ARTICLE_CANDIDATES = 50
USE_SYNTAX = os.environ.get("RAG_TRAIN_SYNTAX", "1") != "0"
R.USE_SYNTAX = USE_SYNTAX
# RAG_TRAIN_V2=1: the answerable questions of the kept SQuAD v2 articles train the models too (cross-fitted
# by article, so the calibration still sees out-of-fold predictions only). Off: out-of-fold F1 on articles
# 1-24 was 50.8 with them against 51.0 without (syntax features on, l2_span 3e-4).
WITH_V2 = os.environ.get("RAG_TRAIN_V2", "0") == "1"


def article_examples(examples, emb):
    """The sentence model's training setting: a question against the sentences of its whole article
    closest to it (as in the product, where several retrieved passages are read), with the article
    title as the document name."""
    by_title: dict[str, list[str]] = collections.defaultdict(list)
    for ex in examples:
        by_title[ex["title"]].extend(ex["sents"])
    out = []
    for title, sents in by_title.items():
        sents = list(dict.fromkeys(sents))
        index = {s: i for i, s in enumerate(sents)}
        V = np.vstack([emb.mem[s] for s in sents])
        for ex in examples:
            if ex["title"] != title or ex["gold"] < 0:
                continue
            gold = index[ex["sents"][ex["gold"]]]
            keep = list(np.argsort(-(V @ emb.mem[ex["q"]]), kind="stable")[:ARTICLE_CANDIDATES])
            if gold not in keep:
                keep[-1] = gold
            out.append(dict(ex, sents=[sents[i] for i in keep], gold=keep.index(gold), title_text=title.replace("_", " ")))
    return out


def span_rows(ex):
    """Span features of the gold sentence and the target distribution over its spans (None if no span matches)."""
    q = R._analyse_question(ex["q"])
    s = R._analyse_sentence(ex["sents"][ex["gold"]])
    syn = R.parse_many([s.text], [(s.starts, s.ends)])[0] if USE_SYNTAX else None
    sp = R._span_features(q, s, R._aligned(q, s), "", syn)
    if len(sp.I) == 0:
        return None
    golds = {normalize_answer(a) for a in ex["answers"]}
    texts = [normalize_answer(s.text[s.starts[i] : s.ends[j]]) for i, j in zip(sp.I, sp.J)]
    y = np.array([t in golds for t in texts], dtype=float)
    if y.sum() == 0:
        return None
    bonus = R._date_part_bonus(q, s, sp)
    return sp, y / y.sum(), bonus


def train_models(examples, emb, l2_sent=1e-3, l2_span=1e-3, min_count=5):
    # sentence model: in the product's setting (many sentences of several passages)
    Xs, ys, sizes = [], [], []
    for ex in article_examples(examples, emb):
        if ex["gold"] < 0 or len(ex["sents"]) < 2:
            continue
        F = sentence_rows(ex, emb)
        y = np.zeros(len(F))
        y[ex["gold"]] = 1
        Xs.append(F), ys.append(y), sizes.append(len(F))
    Xs = np.vstack(Xs)
    w_sent = fit_clogit(Xs, np.array(sizes), np.concatenate(ys), l2_sent)
    # span model
    rows = []
    counts: collections.Counter[str] = collections.Counter()
    for ex in examples:
        if ex["gold"] < 0:
            continue
        r = span_rows(ex)
        if r is None:
            continue
        rows.append(r)
        sp = r[0]
        for local, idx in sp.cats:
            for u in np.unique(idx):
                counts[local[u]] += 1
    vocab = sorted(k for k, c in counts.items() if c >= min_count)
    col = {k: i + len(R.SPAN_DENSE) for i, k in enumerate(vocab)}
    data, indices, indptr = [], [], [0]
    ys, sizes = [], []
    for sp, y, bonus in rows:
        m = len(sp.I)
        cols = [[c for c in []] for _ in range(m)]
        for local, idx in sp.cats:
            lc = np.array([col.get(k, -1) for k in local])
            ci = lc[idx]
            for r_, c in enumerate(ci):
                if c >= 0:
                    cols[r_].append(c)
        for r_ in range(m):
            dn = sp.dense[r_]
            nz = np.flatnonzero(dn)
            indices.extend(nz.tolist())
            data.extend(dn[nz].tolist())
            indices.extend(cols[r_])
            data.extend([1.0] * len(cols[r_]))
            indptr.append(len(indices))
        ys.append(y)
        sizes.append(m)
    X = sparse.csr_matrix((data, indices, indptr), shape=(len(indptr) - 1, len(R.SPAN_DENSE) + len(vocab)))
    w_span = fit_clogit(X, np.array(sizes), np.concatenate(ys), l2_span, maxiter=400)
    model = {
        "sentence": {f: float(w) for f, w in zip(R.SENT_FEATURES, w_sent)},
        "span": {
            "dense": {f: float(w) for f, w in zip(R.SPAN_DENSE, w_span[: len(R.SPAN_DENSE)])},
            "cat": {k: round(float(w_span[col[k]]), 4) for k in vocab if abs(w_span[col[k]]) >= 0.01},
        },
    }
    print(f"trained on {len(sizes)} span groups, {X.shape[0]} spans, {len(vocab)} lexical features", file=sys.stderr)
    return model


def predict(examples, emb, model_dict, with_debug=True):
    model = R._Model(model_dict)
    preds = []
    for ex in examples:
        cands = [R.SentenceCandidate(text=s, passage=0) for s in ex["sents"]]
        V = np.vstack([emb.mem[s] for s in ex["sents"]])
        ranked, dbg = R._rank(ex["q"], cands, V, emb.mem[ex["q"]], False, 1, model=model, return_debug=True)
        if not ranked:
            preds.append(("", -1, np.zeros(len(R.CAL_FEATURES)), 0.0))
            continue
        b = ranked[0]
        preds.append((ex["sents"][b.candidate][b.start : b.end], b.candidate, dbg[0], b.score))
    return preds


def report(examples, preds, label):
    em = f1 = sent = 0.0
    n = 0
    by_wh = collections.defaultdict(lambda: [0, 0.0])
    for ex, (text, k, _, _) in zip(examples, preds):
        if not ex["answers"]:
            continue
        e, f = em_f1(text, ex["answers"])
        em, f1, n = em + e, f1 + f, n + 1
        sent += any(a in ex["sents"][k] for a in ex["answers"]) if k >= 0 else 0
        wh = R._analyse_question(ex["q"]).qt.wh
        by_wh[wh][0] += 1
        by_wh[wh][1] += f
    print(f"{label}: n={n} EM={100 * em / n:.1f} F1={100 * f1 / n:.1f} sentence={100 * sent / n:.1f}")
    print("   F1 by wh: " + ", ".join(f"{w}:{100 * s / c:.1f}({c})" for w, (c, s) in sorted(by_wh.items(), key=lambda t: -t[1][0])))
    return em / n, f1 / n, sent / n


def fit_calibrator(X, y, l2=1e-3):
    """Logistic weights for R.CAL_FEATURES; the last column ("prior") is a fixed offset of weight 1."""
    X, offset = X[:, :-1], X[:, -1]

    def f(w):
        z = X @ w[:-1] + w[-1] + offset
        p = 1 / (1 + np.exp(-z))
        eps = 1e-12
        loss = -np.mean(y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps)) + l2 * float(w[:-1] @ w[:-1])
        g = np.concatenate([X.T @ (p - y) / len(y) + 2 * l2 * w[:-1], [np.mean(p - y)]])
        return loss, g

    res = optimize.minimize(f, np.zeros(X.shape[1] + 1), jac=True, method="L-BFGS-B")
    return np.append(res.x[:-1], 1.0), float(res.x[-1])


def build_idf(texts: list[str]) -> dict:
    df: collections.Counter[str] = collections.Counter()
    for t in texts:
        df.update({k for w in R._TOKEN_RX.findall(t) if R._WORD_RX.search(w) for k in R._keys(w)})
    N = len(texts)
    idf = {k: round(math.log((N + 1) / (c + 0.5)), 3) for k, c in df.items() if c >= 3}
    return {"n_docs": N, "default": round(math.log((N + 1) / 1.5), 3), "idf": dict(sorted(idf.items()))}


def main_train(args):
    np.random.seed(SEED)
    v1 = load_squad_v1()
    dev_articles = v1[:24]
    heldout_titles = {a["title"] for a in v1[24:]}
    v2 = json.loads((DATA / "squad-v2.0-dev-half" / "dev-v2.0.cs224n-half.json").read_text())["data"]
    v2_kept = [a for a in v2 if a["title"] not in heldout_titles]
    print(f"SQuAD v2 half: kept {len(v2_kept)} of {len(v2)} articles (dropped {sorted(a['title'] for a in v2 if a['title'] in heldout_titles)})", file=sys.stderr)
    # IDF
    pq = json.loads((DATA / "policyqa" / "dev.json").read_text())["data"]
    ctx = [p["context"] for a in dev_articles for p in a["paragraphs"]] + [p["context"] for a in v2_kept for p in a["paragraphs"]]
    ctx += [p["context"] for a in pq for p in a["paragraphs"]]
    idf = build_idf(ctx)
    R.IDF_PATH.parent.mkdir(parents=True, exist_ok=True)
    R.IDF_PATH.write_text(json.dumps(idf, separators=(",", ":")), encoding="utf-8")
    R._IDF.__init__()
    R._analyse_question.cache_clear()
    R._analyse_sentence.cache_clear()
    R.stem.cache_clear()

    ex1 = build_examples(dev_articles)
    ex2 = build_examples(v2_kept, v2=True)
    emb = CachedEmbedder()
    emb.embed_many([s for e in ex1 + ex2 for s in e["sents"]], "sent")
    emb.embed_many([e["q"] for e in ex1 + ex2], "q")

    titles = [a["title"] for a in dev_articles]
    fold_of = {t: i % 2 for i, t in enumerate(titles)}
    if WITH_V2:
        fold_of.update({a["title"]: i % 2 for i, a in enumerate(v2_kept)})
    oof1 = [None] * len(ex1)
    oof2 = [None] * len(ex2)
    for fold in (0, 1):
        tr = [e for e in ex1 + (ex2 if WITH_V2 else []) if fold_of.get(e["title"], fold) != fold]
        m = train_models(tr, emb)
        idx1 = [i for i, e in enumerate(ex1) if fold_of[e["title"]] == fold]
        for i, p in zip(idx1, predict([ex1[i] for i in idx1], emb, m)):
            oof1[i] = p
        idx2 = [i for i, e in enumerate(ex2) if fold_of.get(e["title"], fold) == fold]
        for i, p in zip(idx2, predict([ex2[i] for i in idx2], emb, m)):
            oof2[i] = p
    report(ex1, oof1, "SQuAD v1.1 articles 1-24, out-of-fold (2 folds)")
    # calibration on SQuAD v2 kept articles
    X = np.vstack([p[2] for p in oof2])
    y = np.array([em_f1(p[0], e["answers"])[0] if e["answers"] else 0.0 for p, e in zip(oof2, ex2)])
    cw, cb = fit_calibrator(X, y)
    prob = 1 / (1 + np.exp(-(X @ cw + cb)))
    answerable = np.array([bool(e["answers"]) for e in ex2])
    # The threshold decides "do the passages answer this?": pick the one that best separates answerable
    # from unanswerable questions (accuracy of the answer/abstain decision). SQuAD-2 EM is reported too.
    best = (0.0, 0.5)
    for thr in np.round(np.arange(0.02, 0.9, 0.01), 2):
        ans = prob >= thr
        acc = float(np.mean(ans == answerable))
        if acc > best[0] + 1e-12:
            best = (acc, float(thr))
    ans = prob >= best[1]
    em2 = float(np.mean(np.where(ans, y, ~answerable)))
    # reliability table
    bins = np.linspace(0, 1, 6)
    rel = []
    for lo, hi in zip(bins, bins[1:]):
        sel = (prob >= lo) & (prob < hi)
        if sel.any():
            rel.append(f"[{lo:.1f},{hi:.1f}): n={sel.sum()} mean p={prob[sel].mean():.2f} EM={y[sel].mean():.2f}")
    print("calibration (SQuAD v2 kept, out-of-fold): " + "; ".join(rel))
    print(
        f"threshold {best[1]:.2f}: answer/abstain accuracy {100 * best[0]:.1f}, answered {100 * ans.mean():.1f}%, SQuAD-2 EM {100 * em2:.1f} "
        f"on {len(ex2)} questions ({answerable.sum()} answerable); answers-always EM {100 * np.mean(y):.1f}"
    )
    final = train_models(ex1 + (ex2 if WITH_V2 else []), emb)
    final["calibration"] = {"features": list(R.CAL_FEATURES), "w": [round(float(v), 5) for v in cw], "b": round(cb, 5)}
    final["threshold"] = best[1]
    final["date_part_prior"] = 4.0  # fixed priors for report-only question kinds that SQuAD lacks
    final["rating_prior"] = 3.0
    final["trained_on"] = "SQuAD v1.1 dev articles 1-24; calibration: SQuAD v2.0 dev half minus held-out-overlap articles"
    final["seed"] = SEED
    R.WEIGHTS_PATH.write_text(json.dumps(final, separators=(",", ":"), sort_keys=True), encoding="utf-8")
    print(f"wrote {R.WEIGHTS_PATH} ({R.WEIGHTS_PATH.stat().st_size} B) and {R.IDF_PATH} ({R.IDF_PATH.stat().st_size} B)")
    preds = predict(ex1, emb, final)
    report(ex1, preds, "SQuAD v1.1 articles 1-24, in-sample (final weights)")


def eval_squad(articles, label):
    emb = CachedEmbedder()
    ex = build_examples(articles)
    emb.embed_many([s for e in ex for s in e["sents"]], "sent-eval")
    emb.embed_many([e["q"] for e in ex], "q-eval")
    model = json.loads(R.WEIGHTS_PATH.read_text())
    report(ex, predict(ex, emb, model), label)


def eval_ofsted(args):
    from pypdf import PdfReader

    folder = DATA / "ofsted-ilacs-london"
    rows = [json.loads(l) for l in (folder / "derived_ilacs_facts_qa.dev.jsonl").read_text().splitlines() if l.strip()]
    emb = CachedEmbedder()
    pages_of: dict[str, list[str]] = {}
    em = f1 = 0.0
    by_field = collections.defaultdict(lambda: [0, 0])
    t0 = time.time()
    for r in rows:
        if r["doc"] not in pages_of:
            pages_of[r["doc"]] = [p.extract_text() or "" for p in PdfReader(str(folder / "pdfs" / r["doc"])).pages]
        ans = R.read(r["question"], pages_of[r["doc"]], embedder=emb, threshold=args.threshold)
        pred = ans.answer or ""
        e, f = em_f1(pred, r["answers"])
        em, f1 = em + e, f1 + f
        fld = r["source_field"].split("(")[0]
        by_field[fld][0] += 1
        by_field[fld][1] += e
        if args.verbose and not e:
            print(f"  MISS {r['question'][:80]!r} gold={r['answers']} pred={pred!r} p={ans.score:.2f} sent={(ans.sentence or '')[:80]!r}")
    n = len(rows)
    print(f"Ofsted derived dev: n={n} EM={100 * em / n:.1f} F1={100 * f1 / n:.1f} ({time.time() - t0:.0f}s)")
    print("   EM by field: " + ", ".join(f"{k}:{v[1]}/{v[0]}" for k, v in by_field.items()))


def timing(args):
    from rag.embedding import HashingEmbedder

    v1 = load_squad_v1()[:24]
    ex = build_examples(v1)
    rng = np.random.default_rng(SEED)
    emb = HashingEmbedder(384)
    pool = [s for e in ex[:3000] for s in e["sents"]]
    pool = sorted(set(pool))
    times = []
    for t in range(200):
        e = ex[int(rng.integers(len(ex)))]
        texts = e["sents"] + [pool[int(i)] for i in rng.integers(len(pool), size=40 - len(e["sents"]))]
        V = emb.embed(texts)
        cands = [R.SentenceCandidate(text=s, passage=i // 5, vector=v, retrieval_score=1.0 / (1 + i // 5)) for i, (s, v) in enumerate(zip(texts, V))]
        qv = emb.embed([e["q"]])[0]
        R._analyse_sentence.cache_clear()
        R._analyse_question.cache_clear()
        t0 = time.perf_counter()
        R.rank_answers(e["q"], cands, embedder=emb, question_vector=qv)
        times.append((time.perf_counter() - t0) * 1000)
    print(f"rank_answers over 40 candidates (cold caches): median {np.median(times):.1f} ms, p90 {np.percentile(times, 90):.1f} ms")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--eval-ofsted", action="store_true")
    ap.add_argument("--eval-squad-dev", action="store_true")
    ap.add_argument("--heldout", action="store_true")
    ap.add_argument("--timing", action="store_true")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--threshold", type=float, default=None, help="override the abstention threshold (Ofsted eval)")
    ap.add_argument("--weights", type=Path, default=None, help="read/write the ranker weights here instead of rag/weights/reader.json")
    args = ap.parse_args()
    if args.weights is not None:
        R.WEIGHTS_PATH = args.weights
    if args.eval_ofsted:
        eval_ofsted(args)
    elif args.eval_squad_dev:
        eval_squad(load_squad_v1()[:24], "SQuAD v1.1 articles 1-24 (current weights)")
    elif args.heldout:
        eval_squad(load_squad_v1()[24:], "HELD-OUT SQuAD v1.1 articles 25-48")
    elif args.timing:
        timing(args)
    else:
        main_train(args)
