"""A BM25 lexical index stored as plain arrays (postings with precomputed weights)."""
from __future__ import annotations

import json
import math
import re
from collections import Counter
from pathlib import Path
from typing import Iterable

import numpy as np

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)

# Common English function words: they carry no evidence about which passage answers.
STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below between
    both but by can could did do does doing down during each few for from further had has have having he her here
    hers herself him himself his how i if in into is it its itself just me more most my myself no nor not now of off
    on once only or other our ours ourselves out over own same she should so some such than that the their theirs
    them themselves then there these they this those through to too under until up very was we were what when where
    which while who whom why will with would you your yours yourself yourselves s t""".split()
)


def stem(word: str) -> str:
    """A light suffix stripper: enough to match plurals and simple verb forms, never aggressive."""
    if len(word) <= 3 or word.isdigit():
        return word
    for suffix, repl in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("es", "e"), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith("ss"):
                return word
            return word[: len(word) - len(suffix)] + repl
    return word


def tokenize(text: str) -> list[str]:
    """Lower-cased, stemmed content words; curly apostrophes and hyphenated line breaks do not matter."""
    text = text.replace("’", "'").replace("'s", " ")
    return [stem(t) for t in _TOKEN.findall(text.lower()) if t not in STOPWORDS]


class BM25Index:
    """Okapi BM25 over a fixed set of passages, with postings stored as arrays.

    Term weights are precomputed at build time, so a query is a few array additions.
    """

    FILES = ("bm25_vocab.json", "bm25_postings.npz")

    def __init__(self, vocab: dict[str, int], indptr: np.ndarray, ids: np.ndarray, weights: np.ndarray, n_docs: int):
        self.vocab = vocab
        self.indptr = indptr
        self.ids = ids
        self.weights = weights
        self.n_docs = n_docs

    @classmethod
    def build(cls, texts: Iterable[str], *, k1: float = 1.2, b: float = 0.75) -> "BM25Index":
        counts: list[Counter[str]] = [Counter(tokenize(t)) for t in texts]
        n_docs = len(counts)
        lengths = np.array([sum(c.values()) for c in counts], dtype=np.float64)
        avg = float(lengths.mean()) if n_docs else 1.0
        avg = avg or 1.0
        postings: dict[str, list[tuple[int, int]]] = {}
        for doc_id, c in enumerate(counts):
            for term, tf in c.items():
                postings.setdefault(term, []).append((doc_id, tf))
        vocab = {term: i for i, term in enumerate(sorted(postings))}
        indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
        ids_parts, weight_parts = [], []
        for term, i in vocab.items():
            plist = postings[term]
            df = len(plist)
            idf = math.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))
            ids = np.fromiter((d for d, _ in plist), dtype=np.int32, count=df)
            tf = np.fromiter((t for _, t in plist), dtype=np.float64, count=df)
            w = idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * lengths[ids] / avg))
            ids_parts.append(ids)
            weight_parts.append(w.astype(np.float32))
            indptr[i + 1] = indptr[i] + df
        ids_all = np.concatenate(ids_parts) if ids_parts else np.zeros(0, dtype=np.int32)
        w_all = np.concatenate(weight_parts) if weight_parts else np.zeros(0, dtype=np.float32)
        return cls(vocab, indptr, ids_all, w_all, n_docs)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every passage for `query` (zeros where no term matches)."""
        out = np.zeros(self.n_docs, dtype=np.float32)
        for term in set(tokenize(query)):
            i = self.vocab.get(term)
            if i is None:
                continue
            lo, hi = self.indptr[i], self.indptr[i + 1]
            np.add.at(out, self.ids[lo:hi], self.weights[lo:hi])
        return out

    def search(self, query: str, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Best `k` passages with a positive score, optionally only where `allowed` (bool mask) is true."""
        s = self.scores(query)
        if allowed is not None:
            s = np.where(allowed, s, 0.0)
        k = min(k, int(np.count_nonzero(s)))
        if k <= 0:
            return []
        top = np.argpartition(-s, k - 1)[:k]
        top = top[np.lexsort((top, -s[top]))]
        return [(int(i), float(s[i])) for i in top]

    def save(self, folder: Path) -> None:
        (folder / self.FILES[0]).write_text(json.dumps({"n_docs": self.n_docs, "vocab": self.vocab}), encoding="utf-8")
        np.savez(folder / self.FILES[1], indptr=self.indptr, ids=self.ids, weights=self.weights)

    @classmethod
    def load(cls, folder: Path) -> "BM25Index":
        meta = json.loads((folder / cls.FILES[0]).read_text(encoding="utf-8"))
        with np.load(folder / cls.FILES[1], allow_pickle=False) as z:
            indptr, ids, weights = z["indptr"], z["ids"], z["weights"]
        vocab = meta["vocab"]
        n_docs = int(meta["n_docs"])
        if len(indptr) != len(vocab) + 1 or len(ids) != len(weights) or (len(ids) and int(ids.max()) >= n_docs):
            raise ValueError("lexical index files are inconsistent")
        return cls(vocab, indptr, ids, weights, n_docs)


def document_name(title: str, path: str) -> str:
    """A document's title and the words of its file name: how questions tend to name a report."""
    words = re.sub(r"[_\-.]+", " ", Path(path).stem)
    return f"{title}\n{words}"


def lexical_text(title: str, path: str, chunk_text: str) -> str:
    """What BM25 sees for a chunk: its text plus the document's title and file name.

    Reports repeat the same phrasing for every council; the place often appears only in the title
    and file name, and running headers are left out of chunks.
    """
    return f"{document_name(title, path)}\n{chunk_text}"
