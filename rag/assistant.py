"""The public entry point: open an index, ask questions, get cited verbatim answers."""
from __future__ import annotations

import logging
import re
import threading
import time
from pathlib import Path
from typing import Callable, Sequence, TypeVar

import numpy as np

from .answer_types import DATE, PERSON, RATING, question_type, states_area_outcome, typed_spans, yes_no_grade_query
from .embedding import Embedder, default_embedder
from .lexical import document_name
from .reader import YEAR_RX, CorpusIdf, SentenceCandidate, default_threshold, document_keys, rank_answers, refers_back
from .results import Answer, Citation, Hit
from .retrieval import correct_names, hybrid_search, named_documents
from .sentences import VALUE_WORDS, is_grade_row, is_label_line, row_label
from .store import CURRENT_FILE, DocumentRecord, IndexData, load_index

logger = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 1000
# Passages whose sentences the answer ranker reads: enough to hold the answer nearly always,
# few enough to rank in a few milliseconds.
READER_PASSAGES = 8


class QuestionError(ValueError):
    """The question cannot be asked as given; the message says why."""


OVERALL_RATING_ROWS = True
# ... and the rows of its grades table ("1.1 Leadership / Good"), which a question naming one aspect asks
# for; retrieval may miss them ("what rating did London CRC get for leadership" had answered the overall one)
GRADE_TABLE_ROWS = True
OVERALL_RATING_PAGES = 3  # a report states its overall grade on its cover or summary, never deep inside
_OVERALL_RX = re.compile(r"\boverall\b", re.I)
_Rows = list[tuple[int, int]]  # (first, last) sentence ids of table rows, one or two sentences each
_grade_rows: dict[int, tuple[IndexData, dict[int, _Rows]]] = {}


def _grade_sentences(data: IndexData, named: Sequence[int]) -> _Rows:
    """Sentences of the named documents that state an overall grade ("Overall rating for London CRC:
    Requires improvement.", "Overall effectiveness Good") or are a row of a grades table ("1.1 Leadership\nGood"),
    as (first, last) sentence ids; an area SEND report's outcome is read with its heading ("Inspection
    outcome" / "There are widespread and/or systemic failings ..."), a row like the others."""
    return _rows_of(_grade_rows, _find_grade_rows, data, named)


_OUTCOME_HEADING_RX = re.compile(r"(?:inspection\s+)?outcomes?", re.I)


def _find_grade_rows(data: IndexData, doc: int) -> _Rows:
    out: _Rows = []
    for s in (int(s) for s in np.flatnonzero((data.sent_doc == doc) & (data.sent_page <= OVERALL_RATING_PAGES))):
        text = data.sentence_text(s)
        outcome = states_area_outcome(text)
        stated = _OVERALL_RX.search(text) or outcome or (GRADE_TABLE_ROWS and row_label(text))
        if len(text) < 300 and stated and any(kind == RATING for _, _, kind in typed_spans(text)):
            headed = (
                outcome and s > 0 and data.sent_doc[s - 1] == doc and data.sent_page[s - 1] == data.sent_page[s]
                and _OUTCOME_HEADING_RX.fullmatch(data.sentence_text(s - 1).strip()) is not None
            )
            out.append((s - 1, s) if headed else (s, s))
    return out


# "Who led Ofsted's 2024 inspection of Croydon's children's services?": a report's cover rows ("Lead
# inspector: Christine Kennet, His Majesty's Inspector", "Inspection dates: 14 to 25 October 2024") answer
# who led it and when, but retrieval, drawn to the words the report's end matter shares with such a
# question ("Ofsted ... inspects ... children's services"), may not reach its first page.
COVER_ROWS = True
COVER_ROW_TYPES = frozenset({PERSON, DATE})
_cover_rows: dict[int, tuple[IndexData, dict[int, _Rows]]] = {}


def _cover_sentences(data: IndexData, named: Sequence[int]) -> _Rows:
    """The rows on the first page of the named documents, as (first, last) sentence ids: a "Label: value"
    line, or a label line and the value on the line under it ("Lead inspector" / "Helen Marsh")."""
    return _rows_of(_cover_rows, _find_cover_rows, data, named)


def _rows_of(
    cache: dict[int, tuple[IndexData, dict[int, _Rows]]], find: Callable[[IndexData, int], _Rows], data: IndexData,
    named: Sequence[int],
) -> _Rows:
    """`find(data, doc)` for each named document, computed once per document of the live index."""
    out: _Rows = []
    for doc in named:
        out.extend(_per_document(cache, data, doc, lambda _pages, doc=doc: find(data, doc)))
    return out


def _find_cover_rows(data: IndexData, doc: int) -> _Rows:
    out: _Rows = []
    values: set[int] = set()
    rows = [int(s) for s in np.flatnonzero((data.sent_doc == doc) & (data.sent_page == 1))]
    for s in rows:
        text = data.sentence_text(s)
        if len(text) >= 200 or is_grade_row(text) or s in values:
            continue
        if row_label(text):
            out.append((s, s))
        elif is_label_line(text) and s + 1 < len(data.sent_doc) and _is_value(data, s, s + 1):
            values.add(s + 1)
            out.append((s, s + 1))
    return out


def check_question(question: str) -> str:
    q = (question or "").strip()
    if not q:
        raise QuestionError("The question is empty. Ask something, for example: \"What share of staff had over 55 cases?\"")
    if len(q) > MAX_QUESTION_CHARS:
        raise QuestionError(f"The question is {len(q)} characters long; keep it under {MAX_QUESTION_CHARS}.")
    return q


_T = TypeVar("_T")
_cover_years: dict[int, tuple[IndexData, dict[int, str]]] = {}
_document_keys: dict[int, tuple[IndexData, dict[int, frozenset[str]]]] = {}


def _per_document(cache: dict[int, tuple[IndexData, dict[int, _T]]], data: IndexData, doc: int, compute: Callable[[list[str]], _T]) -> _T:
    """`compute(pages of doc)`, once per document of the live index (opening another index clears `cache`)."""
    cached = cache.get(id(data))
    if cached is None or cached[0] is not data:
        cached = (data, {})
        cache.clear()  # one live index per process is the norm
        cache[id(data)] = cached
    values = cached[1]
    if doc not in values:
        values[doc] = compute(data.page_texts[doc])
    return values[doc]


_INSPECTION_YEAR_RX = re.compile(rf"\binspection dates?\b[\s\S]{{0,60}}?({YEAR_RX.pattern})", re.IGNORECASE)


def _most_named_year(pages: list[str]) -> str:
    """The year of the first page's "Inspection dates" line, or else the year it names most."""
    if not pages:
        return ""
    own = _INSPECTION_YEAR_RX.search(pages[0])
    if own:
        return own.group(1)
    found = YEAR_RX.findall(pages[0])
    return max(set(found), key=lambda y: (found.count(y), y)) if found else ""


def cover_year(data: IndexData, doc: int) -> str:
    """The year of a document's own inspection dates on its first page, else the year that page names most
    often (the later one on a tie), or "".

    A report's cover gives its own dates ("Inspection dates 4 to 15 March 2024", "Publication 9 July
    2024") and perhaps earlier ones ("Previous inspection June 2019, judged inadequate", said again in the
    summary below it): the inspection dates are the report's own year, which a question about "the 2024
    inspection" means.
    """
    return _per_document(_cover_years, data, doc, _most_named_year)


def document_words(data: IndexData, doc: int) -> frozenset[str]:
    """Every word key of a document (rag.reader.document_keys), computed once per index."""
    return _per_document(_document_keys, data, doc, document_keys)


class Assistant:
    """Answers questions from an index with verbatim, cited spans, or says it cannot."""

    def __init__(self, data: IndexData, root: Path, embedder: Embedder, threshold: float | None = None) -> None:
        self._data = data
        self.root = root
        self.embedder = embedder
        self.threshold = default_threshold() if threshold is None else threshold
        self._reload_lock = threading.Lock()
        self._idf: tuple[IndexData, CorpusIdf] | None = None

    @classmethod
    def open(cls, index_dir: str | Path = "index", *, embedder: Embedder | None = None, threshold: float | None = None) -> "Assistant":
        """Open the index at `index_dir` (see `rag build`)."""
        embedder = embedder or default_embedder()
        root = Path(index_dir).expanduser()
        data = load_index(root, model_name=embedder.name, dimension=embedder.dimension)
        logger.info("opened index %s: %d documents, %d chunks", data.folder, len(data.documents), len(data.chunk_doc))
        return cls(data, root, embedder, threshold)

    # -- index state -------------------------------------------------------------------------
    @property
    def data(self) -> IndexData:
        return self._data

    @property
    def documents(self) -> list[DocumentRecord]:
        return list(self._data.documents)

    def _loaded_name(self) -> str | None:
        folder = self._data.folder
        return folder.name if folder is not None else None

    def _current_name(self) -> str | None:
        try:
            return (self.root / CURRENT_FILE).read_text(encoding="utf-8").strip()
        except OSError:
            return None

    def refresh(self) -> bool:
        """Switch to a newer index version if a build replaced it; True when it did.

        Compares the version the CURRENT pointer names with the one loaded (a few bytes read per
        question), so a build that finishes while this assistant is opening is not missed.
        """
        name = self._current_name()
        if name is None or name == self._loaded_name():
            return False
        with self._reload_lock:
            if self._current_name() == self._loaded_name():
                return False
            data = load_index(self.root, model_name=self.embedder.name, dimension=self.embedder.dimension)
            self._data = data
            logger.info("switched to index version %s", data.folder)
            return True

    def _document_index(self, data: IndexData, document: str) -> int:
        for i, d in enumerate(data.documents):
            if d.path == document or document in d.aliases:
                return i
        raise KeyError(f"{document} is not in the index")

    def document(self, document: str) -> DocumentRecord:
        """The index record of a document, by its corpus path or another name of the same file."""
        data = self._data
        return data.documents[self._document_index(data, document)]

    def page_text(self, document: str, page: int) -> str:
        """The extracted text of a page (answer offsets index into it)."""
        data = self._data
        i = self._document_index(data, document)
        pages = data.documents[i].pages
        if not 1 <= page <= pages:
            raise ValueError(f"{document} has pages 1-{pages}, not {page}")
        return data.page_text(i, page)

    # -- questions -----------------------------------------------------------------------------
    def search(self, question: str, *, top_k: int = 5, documents: Sequence[str] | None = None) -> list[Hit]:
        """The passages most likely to hold the answer, best first (no answer extraction)."""
        q = check_question(question)
        self.refresh()
        data = self._data
        q = correct_names(data, q)
        qv = self.embedder.embed([q])[0]
        return [self._hit(data, c, s) for c, s in hybrid_search(data, q, qv, top_k, documents=documents)]

    def ask(
        self,
        question: str,
        *,
        top_k: int = 5,
        documents: Sequence[str] | None = None,
        threshold: float | None = None,
    ) -> Answer:
        """Answer `question` with a verbatim span and its citation, or abstain (found=False)."""
        t0 = time.perf_counter()
        q = check_question(question)
        self.refresh()
        data = self._data
        threshold = self.threshold if threshold is None else threshold
        # a misspelt report name is put right ("croyden"), and "is Croydon good?" is answered by the grade
        # Croydon was given, so it is read as "Croydon rating"
        read_as = correct_names(data, q)
        read_as = yes_no_grade_query(read_as) or read_as
        qv = self.embedder.embed([read_as])[0]
        t1 = time.perf_counter()
        named = named_documents(data, read_as, documents=documents)
        hits = hybrid_search(data, read_as, qv, max(top_k, READER_PASSAGES), documents=documents, named=named)
        t2 = time.perf_counter()

        candidates, where = self.candidates(data, hits, named, read_as)
        ranked = (
            rank_answers(
                read_as, candidates, embedder=self.embedder, question_vector=qv, top_n=3, corpus_idf=self.corpus_idf(data)
            )
            if candidates
            else []
        )
        t3 = time.perf_counter()
        timings = {
            "embed": (t1 - t0) * 1000,
            "retrieve": (t2 - t1) * 1000,
            "read": (t3 - t2) * 1000,
            "total": (t3 - t0) * 1000,
        }
        best = ranked[0] if ranked else None
        if best is None or best.score < threshold:
            closest = [self._passage_citation(data, c) for c, _ in hits[:top_k]]
            return Answer(q, False, None, None, float(best.score) if best else 0.0, closest, timings)

        citations = []
        cited: set[int] = set()
        for span in ranked:  # the answer first, then other sentences that also pass the threshold
            s = where[span.candidate]
            if s in cited or (span is not best and span.score < threshold):
                continue
            cited.add(s)
            citations.append(self._span_citation(data, s, span.start, span.end))
        sentence = candidates[best.candidate].text
        return Answer(
            question=q,
            found=True,
            answer=sentence[best.start : best.end],
            sentence=sentence,
            score=float(best.score),
            citations=citations,
            timings_ms=timings,
            sentence_span=(best.start, best.end),
        )

    def corpus_idf(self, data: IndexData) -> CorpusIdf:
        """Word rarity over the index's sentences, computed once per index version."""
        cached = self._idf
        if cached is None or cached[0] is not data:
            texts = [data.sentence_text(s) for s in range(len(data.sent_doc))]
            cached = (data, CorpusIdf(texts))
            self._idf = cached
        return cached[1]

    @staticmethod
    def candidates(
        data: IndexData, hits: Sequence[tuple[int, float]], named: Sequence[int] = (), question: str = ""
    ) -> tuple[list[SentenceCandidate], list[tuple[int, int]]]:
        """The sentences of the best retrieved chunks, once each, and where each lies.

        `where[k]` is the (first, last) sentence id of candidate k: one sentence, or a table label line
        joined with the value line under it ("Lead inspector" + "Helen Marsh"), which PDF extraction
        gives as two lines of the page; the joined text is still a verbatim slice of the page.
        `named`: the documents the question names (retrieval.named_documents), flagged on their sentences.
        """
        named = set(named)
        candidates: list[SentenceCandidate] = []
        where: list[tuple[int, int]] = []
        seen: set[int] = set()
        values: set[int] = set()
        for rank, (c, score) in enumerate(hits[:READER_PASSAGES]):
            record = data.documents[data.chunk_doc[c]]
            title = document_name(record.title, record.path)
            year = cover_year(data, int(data.chunk_doc[c]))
            words = document_words(data, int(data.chunk_doc[c]))
            first, stop = int(data.chunk_s0[c]), int(data.chunk_s1[c])
            for s in range(first, stop):
                if s in seen:
                    continue
                seen.add(s)
                text = data.sentence_text(s)
                vector = np.asarray(data.sent_vectors[s])
                common = dict(passage=rank, retrieval_score=float(score), title=title, named=int(data.chunk_doc[c]) in named, doc_year=year, doc_keys=words)
                where.append((s, s))
                same_doc = s > 0 and int(data.sent_doc[s - 1]) == int(data.sent_doc[s])
                context = data.sentence_text(s - 1) if same_doc and refers_back(text) else list_heading(data, s)
                candidates.append(SentenceCandidate(text=text, vector=vector, label=row_label(text), context=context, **common))
                # a line read as the value of the row above is no label of the line under it (rows alternate:
                # "Inspectorate / HM Inspectorate of Probation / Organisation inspected / London CRC")
                # and a row already whole ("Overall effectiveness Outstanding") labels nothing under it
                whole_row = bool(candidates[-1].label)
                if s + 1 < stop and s not in values and is_label_line(text) and not whole_row and _is_value(data, s, s + 1):
                    values.add(s + 1)
                    where.append((s, s + 1))
                    # the question is about the label, so the label's vector stands for the pair
                    candidates.append(SentenceCandidate(text=data.sentences_text(s, s + 1), vector=vector, label=text, **common))
        expected = question_type(question).expected if named and question else ""
        extra: _Rows = []
        if OVERALL_RATING_ROWS and expected == RATING:
            # "What verdict did the inspectorate reach overall on ...?": the named report's overall grade (and
            # its grades table) is read whatever the passages retrieved for the question's words ("verdict" is
            # not "rating")
            extra = _grade_sentences(data, named)
        elif COVER_ROWS and expected in COVER_ROW_TYPES:
            extra = _cover_sentences(data, named)
        rank = min(len(hits), READER_PASSAGES)
        paired = set(where)
        for s, last in extra:
            # a row read as a pair is added even when its sentences were read one by one
            if (s, last) in paired or (last == s and s in seen):
                continue
            seen.add(s)
            paired.add((s, last))
            doc = int(data.sent_doc[s])
            record = data.documents[doc]
            where.append((s, last))
            text = data.sentences_text(s, last)
            label = data.sentence_text(s) if last > s else row_label(text)
            candidates.append(SentenceCandidate(
                text=text, vector=np.asarray(data.sent_vectors[s]), label=label, passage=rank, retrieval_score=0.0,
                title=document_name(record.title, record.path), named=True, doc_year=cover_year(data, doc),
                doc_keys=document_words(data, doc),
            ))
        return candidates, where

    # -- helpers -------------------------------------------------------------------------------
    @staticmethod
    def _span_citation(data: IndexData, where: tuple[int, int], start: int, end: int) -> Citation:
        s, last = where
        d = int(data.sent_doc[s])
        base = int(data.sent_start[s])
        return Citation(
            document=data.documents[d].path,
            title=data.documents[d].title,
            page=int(data.sent_page[s]),
            quote=data.sentences_text(s, last),
            start=base + start,
            end=base + end,
        )

    @staticmethod
    def _passage_citation(data: IndexData, c: int) -> Citation:
        d = int(data.chunk_doc[c])
        a, b = data.chunk_bounds(c)
        return Citation(
            document=data.documents[d].path,
            title=data.documents[d].title,
            page=int(data.chunk_page[c]),
            quote=data.chunk_text(c),
            start=a,
            end=b,
        )

    @staticmethod
    def _hit(data: IndexData, c: int, score: float) -> Hit:
        d = int(data.chunk_doc[c])
        a, b = data.chunk_bounds(c)
        return Hit(data.documents[d].path, data.documents[d].title, int(data.chunk_page[c]), a, b, data.chunk_text(c), float(score), int(c))


LIST_REACH = 12  # bullet items back to the heading of their list
_BULLETS = frozenset("◼■▪●•◦‣∙*–-")


def _is_bullet_item(data: IndexData, s: int) -> bool:
    """Whether sentence `s` opens a line with a bullet ("◼ Services to children out of hours.")."""
    page = data.page_text(int(data.sent_doc[s]), int(data.sent_page[s]))
    start = int(data.sent_start[s])
    line = page[page.rfind("\n", 0, start) + 1 : start].strip()
    return len(line) == 1 and line in _BULLETS


def list_heading(data: IndexData, s: int) -> str:
    """For a bullet item, the heading its list answers ("What needs to improve?" over "◼ Services to children
    out of hours."), else "": the item is read with it, as a sentence that refers back is read with the one
    before ("What did Ofsted say Croydon needs to improve?" names the heading, not the item)."""
    if not _is_bullet_item(data, s):
        return ""
    doc = int(data.sent_doc[s])
    for j in range(s - 1, max(-1, s - 1 - LIST_REACH), -1):
        if int(data.sent_doc[j]) != doc:
            return ""
        if _is_bullet_item(data, j):
            continue
        text = data.sentence_text(j)
        # a footnote mark may follow the heading's question mark ("What needs to improve?1")
        return text if _HEADING_END_RX.search(text) else ""
    return ""


_HEADING_END_RX = re.compile(r"[?:]\d{0,2}\s*$")


def _is_value(data: IndexData, s: int, nxt: int) -> bool:
    """Whether sentence `nxt` is a short value on the line right under sentence `s` of the same page, and
    not a whole row itself (a column header "Rating" has no value "1.1 Leadership / Good")."""
    if data.sent_doc[s] != data.sent_doc[nxt] or data.sent_page[s] != data.sent_page[nxt]:
        return False
    gap = data.page_text(int(data.sent_doc[s]), int(data.sent_page[s]))[data.sent_end[s] : data.sent_start[nxt]]
    text = data.sentence_text(nxt)
    return gap.count("\n") == 1 and not gap.strip() and len(text.split()) <= VALUE_WORDS and not row_label(text)
