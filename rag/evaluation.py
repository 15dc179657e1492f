"""Scoring answers against an evaluation file (JSONL; format in DESIGN.md and the README)."""
from __future__ import annotations

import json
import re
import string
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

K_VALUES = (1, 5, 10)


@dataclass(frozen=True)
class EvalItem:
    id: str
    question: str
    answers: list[str]
    document: str | None = None
    pages: tuple[int, ...] = ()  # 1-based; any of them counts as right

    @property
    def answerable(self) -> bool:
        return bool(self.answers)


def load_eval_file(path: Path | str) -> list[EvalItem]:
    """Read an evaluation JSONL file.

    Besides DESIGN.md's fields ({"id","question","answers","document","page"}) it accepts the
    derived Ofsted set's ("doc", "answer_pages_0idx"), so both can be scored without conversion.
    """
    items = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                pages: tuple[int, ...] = ()
                if row.get("page") is not None:
                    pages = (int(row["page"]),)
                elif row.get("answer_pages_0idx"):
                    pages = tuple(int(p) + 1 for p in row["answer_pages_0idx"])
                items.append(
                    EvalItem(
                        id=str(row.get("id", n)),
                        question=str(row["question"]),
                        answers=[str(a) for a in row.get("answers") or []],
                        document=row.get("document") or row.get("doc"),
                        pages=pages,
                    )
                )
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}, line {n}: not an evaluation item ({exc}); see the README for the format") from exc
    return items


# -- SQuAD normalisation and scores --------------------------------------------------------------
_ARTICLES = re.compile(r"\b(a|an|the)\b", re.UNICODE)
_PUNCT = set(string.punctuation) | {"‘", "’", "“", "”", "–", "—", "…"}


def normalize_answer(text: str) -> str:
    """Lower case, no punctuation, no articles, single spaces (the SQuAD evaluation script's rules)."""
    text = text.lower()
    text = "".join(ch for ch in text if ch not in _PUNCT)
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


def exact_match(prediction: str, gold: str) -> float:
    return float(normalize_answer(prediction) == normalize_answer(gold))


def f1_score(prediction: str, gold: str) -> float:
    p, g = normalize_answer(prediction).split(), normalize_answer(gold).split()
    if not p or not g:
        return float(p == g)
    common = Counter(p) & Counter(g)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision, recall = same / len(p), same / len(g)
    return 2 * precision * recall / (precision + recall)


def best_of(metric, prediction: str, golds: Sequence[str]) -> float:
    return max((metric(prediction, g) for g in golds), default=0.0)


def same_document(cited: str, gold: str) -> bool:
    """A cited corpus path matches a gold document given by its path or, from another layout, its file name."""
    return cited == gold or cited.endswith("/" + gold) or gold.endswith("/" + cited)


def holds_answer(text: str, golds: Sequence[str]) -> bool:
    """Whether `text` contains a gold answer, after normalisation (line breaks and hyphens ignored)."""
    norm = f" {normalize_answer(text)} "
    return any(f" {normalize_answer(g)} " in norm for g in golds if normalize_answer(g))


@dataclass
class QuestionResult:
    id: str
    question: str
    gold: list[str]
    answer: str | None
    found: bool
    score: float
    exact: float | None
    f1: float | None
    sentence_holds_gold: bool | None
    page_right: bool | None
    right: bool
    retrieval_rank: int | None  # 1-based rank of the first retrieved passage holding the answer
    document: str | None
    page: int | None
    latency_ms: float


@dataclass
class EvalReport:
    n: int
    answerable: int
    unanswerable: int
    metrics: dict[str, float | None]
    rows: list[QuestionResult] = field(default_factory=list)

    def to_dict(self, rows: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {"n": self.n, "answerable": self.answerable, "unanswerable": self.unanswerable, "metrics": self.metrics}
        if rows:
            out["rows"] = [asdict(r) for r in self.rows]
        return out

    def table(self) -> str:
        labels = {
            "accuracy": "right (answer F1>=0.5, or abstained when unanswerable)",
            "exact_match": "span exact match",
            "f1": "span F1",
            "sentence_accuracy": "answer sentence holds a gold answer",
            "page_accuracy": "cited page is a gold page",
            "abstain_precision": "abstention precision",
            "abstain_recall": "abstention recall",
            "answered_rate": "answered (found) on answerable questions",
        }
        lines = [f"{self.n} questions ({self.answerable} answerable, {self.unanswerable} unanswerable)"]
        for key, value in self.metrics.items():
            name = labels.get(key, key.replace("_", " "))
            if value is None:
                lines.append(f"  {name:<58} n/a")
            elif key.startswith("latency"):
                lines.append(f"  {name:<58} {value:8.1f} ms")
            else:
                lines.append(f"  {name:<58} {value:8.3f}")
        return "\n".join(lines)


def _mean(values: Iterable[float]) -> float | None:
    values = list(values)
    return float(np.mean(values)) if values else None


def evaluate(assistant, items: Sequence[EvalItem], *, top_k: int = 5, k_values: Sequence[int] = K_VALUES) -> EvalReport:
    """Ask every question through `assistant` (a rag.Assistant) and score the answers."""
    rows: list[QuestionResult] = []
    depth = max(k_values)
    for item in items:
        t = time.perf_counter()
        ans = assistant.ask(item.question, top_k=top_k)
        latency = (time.perf_counter() - t) * 1000
        cite = ans.citations[0] if ans.citations else None
        rank = None
        if item.answerable:
            for r, hit in enumerate(assistant.search(item.question, top_k=depth), start=1):
                if item.document and not same_document(hit.document, item.document):
                    continue
                if item.pages and hit.page not in item.pages:
                    continue
                if holds_answer(hit.text, item.answers):
                    rank = r
                    break
        pred = ans.answer if ans.found and ans.answer else ""
        exact = best_of(exact_match, pred, item.answers) if item.answerable else None
        f1 = best_of(f1_score, pred, item.answers) if item.answerable else None
        sentence_ok = (ans.found and holds_answer(ans.sentence or "", item.answers)) if item.answerable else None
        page_ok = None
        if item.answerable and item.pages:
            page_ok = bool(
                ans.found
                and cite is not None
                and cite.page in item.pages
                and (item.document is None or same_document(cite.document, item.document))
            )
        right = (not ans.found) if not item.answerable else bool(ans.found and (f1 or 0) >= 0.5)
        rows.append(
            QuestionResult(
                id=item.id,
                question=item.question,
                gold=item.answers,
                answer=ans.answer,
                found=ans.found,
                score=ans.score,
                exact=exact,
                f1=f1,
                sentence_holds_gold=sentence_ok,
                page_right=page_ok,
                right=right,
                retrieval_rank=rank,
                document=cite.document if cite else None,
                page=cite.page if cite else None,
                latency_ms=latency,
            )
        )
    return summarise(rows, k_values)


def summarise(rows: Sequence[QuestionResult], k_values: Sequence[int] = K_VALUES) -> EvalReport:
    ans = [r for r in rows if r.gold]
    unans = [r for r in rows if not r.gold]
    abstained = [r for r in rows if not r.found]
    latencies = np.array([r.latency_ms for r in rows]) if rows else np.zeros(1)
    metrics: dict[str, float | None] = {
        "accuracy": _mean(float(r.right) for r in rows),
        "exact_match": _mean(r.exact for r in ans),
        "f1": _mean(r.f1 for r in ans),
        "sentence_accuracy": _mean(float(r.sentence_holds_gold) for r in ans),
        "page_accuracy": _mean(float(r.page_right) for r in ans if r.page_right is not None),
        "answered_rate": _mean(float(r.found) for r in ans),
        "abstain_precision": (sum(1 for r in abstained if not r.gold) / len(abstained)) if abstained else None,
        "abstain_recall": (sum(1 for r in unans if not r.found) / len(unans)) if unans else None,
    }
    for k in k_values:
        metrics[f"recall@{k}"] = _mean(float(r.retrieval_rank is not None and r.retrieval_rank <= k) for r in ans)
    metrics["latency_p50_ms"] = float(np.percentile(latencies, 50))
    metrics["latency_p95_ms"] = float(np.percentile(latencies, 95))
    return EvalReport(len(rows), len(ans), len(unans), metrics, list(rows))
