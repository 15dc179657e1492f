"""Reading and abstaining: the answer ranker with the gold paragraph given (no retrieval).

- SQuAD v1.1 dev articles 25-48 (file order; held out: never used for training or tuning): span EM/F1 and
  answer-sentence accuracy, by question type, beside the SQuAD paper's anchors and the floor of returning
  the whole best sentence.
- SQuAD 2.0 dev half (articles overlapping 25-48 removed): precision and recall of "not found" at the
  default threshold, and a reliability plot of confidence against accuracy. This set is development data
  (the confidence calibration was fitted on it), so these figures are not held out.

    python benchmarks/bench_reading.py
"""
from __future__ import annotations

import collections
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import common  # noqa: E402
import train_reader as T  # noqa: E402

from rag import reader as R  # noqa: E402
from rag.evaluation import exact_match, f1_score  # noqa: E402

# Published anchors (Rajpurkar et al., 2016, "SQuAD: 100,000+ Questions for Machine Comprehension of
# Text", EMNLP, Table 5): dev-set sliding window + distance EM 13.3 / F1 20.2; logistic regression dev
# EM 40.0 / F1 51.0 (test EM 40.4 / F1 51.0); human dev EM 80.3 / F1 90.5 (test 77.0 / 86.8).
ANCHORS = [
    ("Sliding window + distance (SQuAD paper, dev)", 13.3, 20.2),
    ("Logistic regression (SQuAD paper, dev; test 40.4 / 51.0)", 40.0, 51.0),
    ("Human (SQuAD paper, dev)", 80.3, 90.5),
]


def score_rows(examples, preds):
    rows = []
    for ex, (text, k, _, score) in zip(examples, preds):
        sentence = ex["sents"][k] if k >= 0 else ""
        rows.append(
            dict(
                wh=R._analyse_question(ex["q"]).qt.wh,
                em=max((exact_match(text, g) for g in ex["answers"]), default=0.0),
                f1=max((f1_score(text, g) for g in ex["answers"]), default=0.0),
                sentence_em=max((exact_match(sentence, g) for g in ex["answers"]), default=0.0),
                sentence_f1=max((f1_score(sentence, g) for g in ex["answers"]), default=0.0),
                sentence_ok=any(a in sentence for a in ex["answers"]),
                score=score,
                answerable=bool(ex["answers"]),
            )
        )
    return rows


def main() -> None:
    common.require([common.DATA / "squad-v1.1-dev", common.DATA / "squad-v2.0-dev-half"], "the SQuAD sets")
    m = common.machine()
    model = json.loads(R.WEIGHTS_PATH.read_text(encoding="utf-8"))
    emb = T.CachedEmbedder()

    v1 = T.load_squad_v1()
    held = T.build_examples(v1[24:48])
    emb.embed_many([s for e in held for s in e["sents"]], "sent-eval")
    emb.embed_many([e["q"] for e in held], "q-eval")
    rows = score_rows(held, T.predict(held, emb, model))
    n = len(rows)
    em = 100 * np.mean([r["em"] for r in rows])
    f1 = 100 * np.mean([r["f1"] for r in rows])
    sent = 100 * np.mean([r["sentence_ok"] for r in rows])
    floor_em = 100 * np.mean([r["sentence_em"] for r in rows])
    floor_f1 = 100 * np.mean([r["sentence_f1"] for r in rows])
    by_wh = collections.defaultdict(list)
    for r in rows:
        by_wh[r["wh"]].append(r)

    heldout_titles = {a["title"] for a in v1[24:]}
    v2 = json.loads((common.DATA / "squad-v2.0-dev-half" / "dev-v2.0.cs224n-half.json").read_text())["data"]
    ex2 = T.build_examples([a for a in v2 if a["title"] not in heldout_titles], v2=True)
    emb.embed_many([s for e in ex2 for s in e["sents"]], "sent")
    emb.embed_many([e["q"] for e in ex2], "q")
    rows2 = score_rows(ex2, T.predict(ex2, emb, model))
    thr = R.DEFAULT_THRESHOLD
    abstained = np.array([r["score"] < thr for r in rows2])
    unans = np.array([not r["answerable"] for r in rows2])
    precision = float((abstained & unans).sum() / max(abstained.sum(), 1))
    recall = float((abstained & unans).sum() / max(unans.sum(), 1))
    right = np.array([r["em"] if r["answerable"] else 0.0 for r in rows2])
    scores = np.array([r["score"] for r in rows2])
    bins = np.linspace(0, 1, 11)
    reliability = []
    for lo, hi in zip(bins, bins[1:]):
        sel = (scores >= lo) & (scores < hi)
        if sel.any():
            reliability.append((lo, hi, int(sel.sum()), float(scores[sel].mean()), float(right[sel].mean())))

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 4.2))
    ax.plot([0, 1], [0, 1], "--", color="grey", label="perfect calibration")
    ax.plot([r[3] for r in reliability], [r[4] for r in reliability], "o-", label="answer ranker")
    for r in reliability:
        ax.annotate(str(r[2]), (r[3], r[4]), textcoords="offset points", xytext=(4, -10), fontsize=7)
    ax.axvline(thr, color="red", lw=0.8, label=f"abstention threshold {thr:.2f}")
    ax.set_xlabel("confidence (score)")
    ax.set_ylabel("share exactly right")
    ax.set_title("SQuAD 2.0 dev half, gold paragraph given")
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    plot = common.RESULTS_DIR / "reading_reliability.png"
    common.RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    fig.savefig(plot, dpi=120)

    body = f"""Gold paragraph given; `rag.reader` with the committed weights (no retrieval).

### SQuAD v1.1 dev, articles 25-48 (held out), {n} questions

""" + common.table(
        ["system", "EM", "F1", "answer sentence right"],
        [("**ours**", f"{em:.1f}", f"{f1:.1f}", f"{sent:.1f}%"), ("floor: our whole best sentence", f"{floor_em:.1f}", f"{floor_f1:.1f}", f"{sent:.1f}%")]
        + [(name, e, f, "") for name, e, f in ANCHORS],
    ) + "\n\nBy question type (ours):\n\n" + common.table(
        ["type", "n", "EM", "F1"],
        [(wh, len(rs), f"{100 * np.mean([r['em'] for r in rs]):.1f}", f"{100 * np.mean([r['f1'] for r in rs]):.1f}")
         for wh, rs in sorted(by_wh.items(), key=lambda t: -len(t[1]))],
    ) + f"""

### Abstaining: SQuAD 2.0 dev half ({len(rows2)} questions, {int(unans.sum())} unanswerable; development data)

At the default threshold {thr:.2f}: "not found" precision **{precision:.3f}**, recall **{recall:.3f}**
(abstained on {int(abstained.sum())} questions). The threshold was chosen for retrieved report passages
(see README), not for SQuAD 2.0.

""" + common.table(["confidence bin", "n", "mean confidence", "share exactly right"],
                   [(f"[{lo:.1f}, {hi:.1f})", c, f"{p:.2f}", f"{a:.2f}") for lo, hi, c, p, a in reliability]) + """

![reliability](results/reading_reliability.png)
"""
    common.write_results(
        "reading",
        "Reading (bench_reading)",
        "python benchmarks/bench_reading.py",
        body,
        {"squad_heldout": {"n": n, "em": em, "f1": f1, "sentence": sent, "floor_em": floor_em, "floor_f1": floor_f1},
         "squad2_abstention": {"threshold": thr, "precision": precision, "recall": recall, "reliability": reliability}},
        m,
    )


if __name__ == "__main__":
    main()
