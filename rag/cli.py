"""The `rag` command: build, ask, eval, serve. A thin shell over the library."""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Sequence

EXIT_USAGE = 2


class UsageError(Exception):
    """Bad input from the user: reported in one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, no usage dump
        raise UsageError(f"{message} (see: {self.prog} --help)")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="rag", description="Cited, extractive answers from inspection reports, offline.")
    p.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    sub = p.add_subparsers(dest="command", parser_class=_Parser)

    b = sub.add_parser("build", help="build or incrementally update the index from a folder of documents")
    b.add_argument("corpus", nargs="?", default="corpus", help="folder of .pdf/.txt/.md/.html/.docx files (default: corpus)")
    b.add_argument("--index", default="index", help="index folder (default: index)")
    b.add_argument("--rebuild", action="store_true", help="ignore the existing index and rebuild everything")
    b.add_argument("--quiet", action="store_true", help="no progress bar")

    a = sub.add_parser("ask", help="answer one question")
    a.add_argument("question")
    a.add_argument("--index", default="index")
    a.add_argument("--top-k", type=int, default=5, help="passages to cite when abstaining (default: 5)")
    a.add_argument("--json", action="store_true", help="print the answer as one JSON object")
    a.add_argument("--document", action="append", help="only search this document (repeatable)")
    a.add_argument("--threshold", type=float, help="confidence below which to abstain (0-1)")

    e = sub.add_parser("eval", help="score answers against an evaluation file (JSONL)")
    e.add_argument("qa_file")
    e.add_argument("--index", default="index")
    e.add_argument("--top-k", type=int, default=5)
    e.add_argument("--json", action="store_true", help="print metrics as JSON")
    e.add_argument("--rows", action="store_true", help="include one row per question")

    s = sub.add_parser("serve", help="serve the web chat")
    s.add_argument("--index", default="index")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=7860)
    s.add_argument("--corpus", help="folder uploads are saved into (default: the folder the index was built from)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except UsageError as exc:
        print(f"rag: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("rag: interrupted; the previous index is unchanged", file=sys.stderr)
        return 130


def _main(argv: Sequence[str] | None) -> int:
    args = _parser().parse_args(argv)
    if args.command is None:
        raise UsageError("choose a command: build, ask, eval or serve")
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s: %(message)s",
        stream=sys.stderr,
    )
    from .assistant import QuestionError
    from .build import CorpusError
    from .store import IndexProblem

    try:
        return {"build": _build, "ask": _ask, "eval": _eval, "serve": _serve}[args.command](args)
    except (CorpusError, IndexProblem, QuestionError) as exc:
        raise UsageError(str(exc)) from exc


def _build(args: argparse.Namespace) -> int:
    from .build import build_index

    report = build_index(args.corpus, args.index, rebuild=args.rebuild, show_progress=not args.quiet)
    for path, reason in report.skipped:
        print(f"skipped {path}: {reason}", file=sys.stderr)
    for path, pages in report.empty_pages:
        if pages and (path, "no extractable text (scanned or image-only?)") not in report.skipped:
            print(f"no text on {path} page(s) {', '.join(map(str, pages))}", file=sys.stderr)
    print(report.summary())
    return 0


def _open(index: str):
    from .assistant import Assistant

    return Assistant.open(index)


def _ask(args: argparse.Namespace) -> int:
    from .assistant import check_question

    check_question(args.question)  # before loading anything: bad input fails fast
    if args.top_k < 1:
        raise UsageError("--top-k must be at least 1")
    answer = _open(args.index).ask(args.question, top_k=args.top_k, documents=args.document, threshold=args.threshold)
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False))
        return 0
    if answer.found:
        c = answer.citations[0]
        print(answer.answer)
        print(f'  "{" ".join((answer.sentence or "").split())}"')
        print(f"  {c.title} ({c.document}), page {c.page}   confidence {answer.score:.2f}")
    else:
        print(f"Not found in the documents (confidence {answer.score:.2f}). Closest passages, not an answer:")
        for n, c in enumerate(answer.citations, start=1):
            quote = " ".join(c.quote.split())
            print(f"  [{n}] {c.title} ({c.document}), page {c.page}: {quote[:160]}{'…' if len(quote) > 160 else ''}")
    return 0


def _eval(args: argparse.Namespace) -> int:
    from .evaluation import evaluate, load_eval_file

    path = Path(args.qa_file)
    if not path.is_file():
        raise UsageError(f"no evaluation file at {path}")
    try:
        items = load_eval_file(path)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    if not items:
        raise UsageError(f"{path} holds no questions")
    report = evaluate(_open(args.index), items, top_k=args.top_k)
    if args.json:
        print(json.dumps(report.to_dict(rows=args.rows), ensure_ascii=False))
        return 0
    print(report.table())
    if args.rows:
        for r in report.rows:
            mark = "ok " if r.right else "BAD"
            print(f"{mark} {r.id}: {r.question}\n     gold={r.gold} got={r.answer!r} found={r.found} "
                  f"score={r.score:.2f} page={r.document}:{r.page} rank={r.retrieval_rank}")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from .ui import launch

    if not 0 < args.port < 65536:
        raise UsageError(f"--port must be between 1 and 65535, not {args.port}")
    launch(_open(args.index), host=args.host, port=args.port, corpus_dir=args.corpus)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
