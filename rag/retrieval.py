"""Hybrid retrieval: dense (FAISS over chunk vectors) and BM25, fused by reciprocal rank."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .fusion import reciprocal_rank_fusion
from .lexical import STOPWORDS, BM25Index, lexical_text, stem, tokenize
from .reader import _INITIAL_SKIP, is_common_word
from .store import IndexData


@dataclass(frozen=True)
class RetrievalSettings:
    depth: int = 50  # candidates taken from each retriever before fusion
    rrf_k: float = 60.0
    dense_weight: float = 1.0
    lexical_weight: float = 1.0
    # A question term names documents when it occurs in the titles or file names of at most this
    # share of them ("Ealing", "HMP Eastmoor"); such documents' passages are searched again on their own.
    naming_share: float = 0.15
    named_weight: float = 1.0


COMMON_NAMING_WEIGHT = 0.3
NAMING_TIE_SHARE = 0.8  # of the best full-question score, among reports sharing a naming word

_name_indexes: dict[int, tuple[IndexData, BM25Index, dict[str, int]]] = {}


def _name_index(data: IndexData) -> tuple[BM25Index, dict[str, int]]:
    """BM25 over each document's title and file name, with document frequencies (built once per index)."""
    cached = _name_indexes.get(id(data))
    if cached is None or cached[0] is not data:
        names = [lexical_text(d.title, d.path, "") for d in data.documents]
        df: dict[str, int] = {}
        for name in names:
            for term in set(tokenize(name)):
                df[term] = df.get(term, 0) + 1
        cached = (data, BM25Index.build(names), df)
        _name_indexes.clear()  # one live index per process is the norm; never grow without bound
        _name_indexes[id(data)] = cached
    return cached[1], cached[2]


# A misspelt place name ("croyden") names no document, and the question is then answered from whatever its
# other words find (London CRC's overall grade for "croyden overall rating"). A word of five letters or more
# that neither the corpus nor the bundled word list knows, one edit (not at its end) from exactly one word of
# the documents' names, is read as that word.
_SPELLING_RX = re.compile(r"[A-Za-z]{5,}")
_name_words: dict[int, tuple[IndexData, frozenset[str]]] = {}


def _document_name_words(data: IndexData) -> frozenset[str]:
    cached = _name_words.get(id(data))
    if cached is None or cached[0] is not data:
        words = {w.lower() for d in data.documents for w in _SPELLING_RX.findall(f"{d.title} {d.path}")}
        cached = (data, frozenset(w for w in words if not is_common_word(w)))
        _name_words.clear()
        _name_words[id(data)] = cached
    return cached[1]


def _one_edit(a: str, b: str) -> bool:
    """Whether b is a (one substitution, insertion, deletion or swap of neighbours) away, and not a itself."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [k for k in range(len(a)) if a[k] != b[k]]
        swapped = len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]
        return len(diff) == 1 or swapped
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    k = next((k for k in range(len(short)) if short[k] != long_[k]), len(short))
    return short[k:] == long_[k + 1 :]


def correct_names(data: IndexData, question: str) -> str:
    """`question` with each misspelt document-name word put right ("croyden" -> "croydon")."""
    names = _document_name_words(data)
    vocab = data.bm25.vocab

    def fix(m: re.Match[str]) -> str:
        word = m.group(0)
        low = word.lower()
        if low in names or stem(low) in vocab or is_common_word(low):
            return word
        # not an ending added or dropped: "sampled" is no misspelling of "sample"
        near = [n for n in names if _one_edit(low, n) and low[:-1] != n and n[:-1] != low]
        if len(near) != 1:
            return word
        return near[0].capitalize() if word[:1].isupper() else near[0]

    return _SPELLING_RX.sub(fix, question)


def _capitalised_words(question: str) -> set[str]:
    """The question's capitalised words (its first word aside), but not an everyday word that completes a
    rarer name: "City" names a document in "the City of London", not in "Westminster City Council" (where it
    would name "Northbridge City Council" instead of Westminster's report)."""
    out: set[str] = set()
    run: list[str] = []
    for w in question.split()[1:] + [""]:
        if w[:1].isupper():
            run.extend(tokenize(w))
            continue
        rare = any(not is_common_word(t) for t in run)
        out.update(t for t in run if not (rare and is_common_word(t)))
        run = []
    return out


def named_documents(
    data: IndexData, question: str, share: float = RetrievalSettings.naming_share, *, documents: Sequence[str] | None = None
) -> list[int]:
    """Documents the question names by a distinctive title or file-name word, best match first; with
    `documents`, only those among the chosen ones (a restricted question reads nothing from the others)."""
    named = _documents_named(data, question, share)
    allowed = allowed_documents(data, documents)
    if allowed is None:
        return named
    chosen = set(allowed)
    return [d for d in named if d in chosen]


def _documents_named(data: IndexData, question: str, share: float) -> list[int]:
    n = len(data.documents)
    if n == 0:
        return []
    index, df = _name_index(data)
    # In a small folder a report and its companion letter share their name word ("Eastmoor" in 2 of 5
    # names), which still names them: at least 2 documents may share a naming word, never all of them.
    limit = min(n - 1, max(2, int(share * n)))
    terms = [t for t in set(tokenize(question)) if 0 < df.get(t, 0) <= limit]
    if not terms:
        return []
    # A common word that happens to be in few titles ("report" in "Report on an inspection of HMP
    # Eastmoor") names less than a name word does ("On what date was the Northbridge report published?"),
    # and alone names nothing ("What share of staff reported caseloads above 55?"). Written with a
    # capital inside the question, it is a name ("the City of London").
    capitalised = _capitalised_words(question)
    # a year in a file name ("..._2023-09-04.pdf") tells reports of one place apart, but names none alone:
    # "How much did the prison spend on security in 2023?" is about no 2023 report
    names = [t for t in terms if (t in capitalised or not is_common_word(t)) and not t.isdigit()]
    common = [t for t in terms if t not in names]
    if not names:
        return []
    scores = index.scores(" ".join(names))
    if common:
        scores = scores + COMMON_NAMING_WEIGHT * index.scores(" ".join(common))
    best = float(scores.max())
    if best <= 0:
        return []
    chosen = np.flatnonzero(scores >= 0.6 * best)
    if len(chosen) > 1:
        # Several reports share the distinctive word (a council's children's services and its SEND
        # inspection): the rest of the question ("local authority children's services") decides.
        rest = " ".join(t for t in tokenize(question) if t not in names)
        by_title = index.scores(rest)[chosen] if rest else np.zeros(len(chosen))
        if float(by_title.max()) > 0:
            full = index.scores(question)[chosen]
            chosen = chosen[full >= NAMING_TIE_SHARE * float(full.max())]
        elif rest:
            # The titles say nothing of the rest ("the substance-free living unit on D wing at HMP Eastmoor":
            # a report and its companion letter): the documents' own text decides.
            by_text = data.bm25.scores(rest)
            best = np.array([float(by_text[data.chunk_doc == d].max(initial=0.0)) for d in chosen])
            if float(best.max()) > 0:
                chosen = chosen[best >= NAMING_TIE_SHARE * float(best.max())]
    return [int(i) for i in chosen[np.argsort(-scores[chosen], kind="stable")]]


ACRONYM_EXPANSION = True
_WORD = re.compile(r"[^\W\d_][\w'’-]*|\d+")


def _lexical_query(question: str, vocab: dict[str, int]) -> str:
    """The question, with the acronyms its word runs spell that the passages use ("London's community
    rehabilitation company" also searches "CRC"): BM25 matches words, and reports abbreviate."""
    if not ACRONYM_EXPANSION:
        return question
    words = _WORD.findall(question)
    extra: list[str] = []
    for a in range(len(words)):
        if words[a].lower() in _INITIAL_SKIP:
            continue
        initials = ""
        for b in range(a, min(len(words), a + 6)):
            low = words[b].lower()
            if low in _INITIAL_SKIP:
                continue
            if low in STOPWORDS or low.isdigit():
                break  # a run of content words: "how many people" spells nothing
            initials += words[b][0].lower()
            if len(initials) >= 3 and initials in vocab and not is_common_word(initials) and initials not in extra:
                extra.append(initials)
    return question + (" " + " ".join(extra) if extra else "")


def allowed_documents(data: IndexData, documents: Sequence[str] | None) -> list[int] | None:
    """Ids of the chosen documents (by path or alias), or None for no restriction."""
    if not documents:
        return None
    wanted = set(documents)
    return [i for i, d in enumerate(data.documents) if d.path in wanted or wanted.intersection(d.aliases)]


def allowed_chunks(data: IndexData, documents: Sequence[str] | None) -> np.ndarray | None:
    """Chunk ids of the chosen documents (by path or alias), or None for no restriction."""
    doc_ids = allowed_documents(data, documents)
    if doc_ids is None:
        return None
    if not doc_ids:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.isin(data.chunk_doc, doc_ids)).astype(np.int64)


def hybrid_search(
    data: IndexData,
    question: str,
    question_vector: np.ndarray,
    k: int,
    *,
    documents: Sequence[str] | None = None,
    settings: RetrievalSettings = RetrievalSettings(),
    named: Sequence[int] | None = None,
) -> list[tuple[int, float]]:
    """The best `k` chunk ids with fused scores, best first.

    `named`: the documents the question names, when the caller has already found them.
    """
    allowed = allowed_chunks(data, documents)
    if allowed is not None and len(allowed) == 0:
        return []
    depth = max(settings.depth, k)
    dense = data.vectors.search(question_vector, depth, allowed_ids=allowed)
    mask = None
    if allowed is not None:
        mask = np.zeros(data.bm25.n_docs, dtype=bool)
        mask[allowed] = True
    lexical_query = _lexical_query(question, data.bm25.vocab)
    lexical = data.bm25.search(lexical_query, depth, allowed=mask)
    rankings = [[i for i, _ in dense], [i for i, _ in lexical]]
    weights = [settings.dense_weight, settings.lexical_weight]
    if named is None:
        named = named_documents(data, question, settings.naming_share)
    if named:
        in_named = np.isin(data.chunk_doc, named)
        if mask is not None:
            in_named &= mask
        ids = np.flatnonzero(in_named).astype(np.int64)
        if len(ids):
            rankings.append([i for i, _ in data.vectors.search(question_vector, depth, allowed_ids=ids)])
            rankings.append([i for i, _ in data.bm25.search(lexical_query, depth, allowed=in_named)])
            weights += [settings.named_weight, settings.named_weight]
    return reciprocal_rank_fusion(rankings, k=settings.rrf_k, weights=weights)[:k]
