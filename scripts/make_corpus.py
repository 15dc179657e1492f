#!/usr/bin/env python3
"""Build the bundled sample corpus in ``corpus/`` from the sources in ``corpus_src/``.

* ``corpus_src/*.md`` are sample inspection reports written for this project. Each is rendered to an
  A4 PDF (``corpus/<name>.pdf``) with headings, tables, a running header from page 2 on and a footer
  carrying "Page N of M". Text is set in the standard Helvetica fonts (WinAnsi encoding), so pypdf
  extracts a clean text layer in which curly quotes, dashes and the pound sign survive.
* ``corpus_src/plain/*`` (``.txt`` and ``.md``) are short documents copied byte for byte into ``corpus/``.

The output is deterministic: ReportLab's invariant mode is on and the PDF creation and modification
dates are pinned to each report's publication date (via SOURCE_DATE_EPOCH), so re-running the script
on unchanged sources produces byte-identical files. The /Title metadata is the report's first ``#``
heading.

Usage::

    pip install reportlab      # only needed to regenerate the corpus
    python3 scripts/make_corpus.py [--src corpus_src] [--out corpus] [--check]

``--check`` re-extracts every PDF with pypdf and prints page counts, sizes and titles.

The markdown subset understood here is deliberately small: ``#``/``##``/``###`` headings, paragraphs
(consecutive lines are joined), ``- `` bullets, ``1. `` numbered items, ``|`` tables (the second,
``---`` row is skipped), ``**bold**`` and ``*italic*``.
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import os
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class ReportMeta:
    published: dt.date  # pinned creation date of the PDF
    header: str  # running header on pages 2..N


# One entry per corpus_src/*.md; a source without an entry still builds, with a generic header.
REPORTS: dict[str, ReportMeta] = {
    "london-crc-sample-inspection": ReportMeta(
        dt.date(2019, 6, 20), "An inspection of London CRC (sample report) \u2013 June 2019"
    ),
    "hmp-eastmoor-sample-inspection": ReportMeta(
        dt.date(2024, 7, 9), "HMP Eastmoor unannounced inspection (sample report) \u2013 July 2024"
    ),
    "northbridge-childrens-services-sample-inspection": ReportMeta(
        dt.date(2024, 1, 16),
        "Northbridge City Council children\u2019s services (sample report) \u2013 January 2024",
    ),
}
DEFAULT_META = ReportMeta(dt.date(2024, 1, 1), "Sample inspection report")
FOOTER_LEFT = "SAMPLE \u2013 written for demonstration, not an official publication"


# --------------------------------------------------------------------------------------------- markdown


@dataclass
class Block:
    kind: str  # title | h2 | h3 | para | bullet | number | table
    text: str = ""
    rows: list[list[str]] | None = None
    label: str = ""


def parse_markdown(source: str) -> list[Block]:
    blocks: list[Block] = []
    para: list[str] = []
    table: list[list[str]] = []

    def flush_para() -> None:
        if para:
            blocks.append(Block("para", " ".join(s.strip() for s in para)))
            para.clear()

    def flush_table() -> None:
        if table:
            blocks.append(Block("table", rows=[r[:] for r in table]))
            table.clear()

    for raw in source.splitlines():
        line = raw.rstrip()
        if line.startswith("|"):
            flush_para()
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not all(re.fullmatch(r":?-{3,}:?", c) for c in cells):
                table.append(cells)
            continue
        flush_table()
        if not line.strip():
            flush_para()
            continue
        m_num = re.match(r"^(\d+)\.\s+(.*)$", line)
        if line.startswith("# "):
            flush_para()
            blocks.append(Block("title", line[2:].strip()))
        elif line.startswith("## "):
            flush_para()
            blocks.append(Block("h2", line[3:].strip()))
        elif line.startswith("### "):
            flush_para()
            blocks.append(Block("h3", line[4:].strip()))
        elif line.startswith("- "):
            flush_para()
            blocks.append(Block("bullet", line[2:].strip()))
        elif m_num:
            flush_para()
            blocks.append(Block("number", m_num.group(2).strip(), label=m_num.group(1)))
        elif para or not blocks or blocks[-1].kind not in ("bullet", "number") or not raw.startswith(" "):
            para.append(line)
        else:  # indented continuation of a list item
            blocks[-1].text += " " + line.strip()
    flush_para()
    flush_table()
    return blocks


def inline(text: str) -> str:
    """Markdown inline markup to ReportLab paragraph markup."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", text)
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"<i>\1</i>", text)
    return text


# --------------------------------------------------------------------------------------------- rendering


def build_pdf(md_path: Path, pdf_path: Path) -> tuple[str, int]:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas as rl_canvas
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    meta = REPORTS.get(md_path.stem, DEFAULT_META)
    blocks = parse_markdown(md_path.read_text(encoding="utf-8"))
    titles = [b.text for b in blocks if b.kind == "title"]
    if not titles:
        raise SystemExit(f"{md_path}: no '# ' title line")
    title = titles[0]

    body = ParagraphStyle("body", fontName="Helvetica", fontSize=10.5, leading=14.5, spaceAfter=7)
    styles = {
        "title": ParagraphStyle(
            "title",
            parent=body,
            fontName="Helvetica-Bold",
            fontSize=19,
            leading=24,
            spaceAfter=12,
            textColor=colors.HexColor("#1f3a5f"),
        ),
        "h2": ParagraphStyle(
            "h2",
            parent=body,
            fontName="Helvetica-Bold",
            fontSize=13.5,
            leading=17,
            spaceBefore=10,
            spaceAfter=6,
            keepWithNext=1,
            textColor=colors.HexColor("#1f3a5f"),
        ),
        "h3": ParagraphStyle(
            "h3",
            parent=body,
            fontName="Helvetica-Bold",
            fontSize=11,
            leading=14,
            spaceBefore=6,
            spaceAfter=4,
            keepWithNext=1,
        ),
        "para": body,
        "bullet": ParagraphStyle("bullet", parent=body, leftIndent=14, bulletIndent=3, spaceAfter=4),
        "number": ParagraphStyle("number", parent=body, leftIndent=18, bulletIndent=0, spaceAfter=4),
        "cell": ParagraphStyle("cell", parent=body, fontSize=9.5, leading=12, spaceAfter=0),
        "cellhead": ParagraphStyle(
            "cellhead", parent=body, fontName="Helvetica-Bold", fontSize=9.5, leading=12, spaceAfter=0
        ),
    }

    left = right = 20 * mm
    width = A4[0] - left - right
    story = []
    for b in blocks:
        if b.kind == "table":
            rows = b.rows or []
            ncols = max(len(r) for r in rows)
            if ncols == 2:
                col_widths = [0.34 * width, 0.66 * width]
            elif ncols == 3:
                col_widths = [0.34 * width, 0.40 * width, 0.26 * width]
            else:
                col_widths = [width / ncols] * ncols
            data = [
                [Paragraph(inline(c), styles["cellhead" if i == 0 else "cell"]) for c in r]
                + [""] * (ncols - len(r))
                for i, r in enumerate(rows)
            ]
            t = Table(data, colWidths=col_widths, repeatRows=1, hAlign="LEFT")
            t.setStyle(
                TableStyle(
                    [
                        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#8a9bb0")),
                        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dde5ef")),
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                        ("TOPPADDING", (0, 0), (-1, -1), 3),
                        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                    ]
                )
            )
            story += [t, Spacer(1, 9)]
        elif b.kind == "bullet":
            story.append(Paragraph(inline(b.text), styles["bullet"], bulletText="\u2022"))
        elif b.kind == "number":
            story.append(Paragraph(inline(b.text), styles["number"], bulletText=f"{b.label}."))
        else:
            story.append(Paragraph(inline(b.text), styles[b.kind]))

    def decorate(canv, doc) -> None:
        canv.saveState()
        canv.setFillColor(colors.HexColor("#444444"))
        if doc.page > 1:
            canv.setFont("Helvetica", 8.5)
            canv.drawString(left, A4[1] - 12 * mm, meta.header)
            canv.setStrokeColor(colors.HexColor("#8a9bb0"))
            canv.line(left, A4[1] - 13.5 * mm, A4[0] - right, A4[1] - 13.5 * mm)
        canv.setFont("Helvetica", 8.5)
        canv.drawString(left, 10 * mm, FOOTER_LEFT)
        canv.restoreState()

    class NumberedCanvas(rl_canvas.Canvas):
        """Defers page output so the footer can say "Page N of M"."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._saved_pages: list[dict] = []

        def showPage(self):  # noqa: N802 (ReportLab API)
            self._saved_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._saved_pages)
            for state in self._saved_pages:
                self.__dict__.update(state)
                self.setFont("Helvetica", 8.5)
                self.setFillColor(colors.HexColor("#444444"))
                self.drawRightString(A4[0] - right, 10 * mm, f"Page {self._pageNumber} of {total}")
                super().showPage()
            super().save()

    epoch = calendar.timegm(meta.published.timetuple())
    old_epoch = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    try:
        pdf_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = pdf_path.with_suffix(".pdf.tmp")
        doc = SimpleDocTemplate(
            str(tmp),
            pagesize=A4,
            leftMargin=left,
            rightMargin=right,
            topMargin=20 * mm,
            bottomMargin=18 * mm,
            title=title,
            author="Sample corpus (not an official publication)",
            subject="Sample inspection report written for demonstration",
            creator="scripts/make_corpus.py",
            keywords="sample, inspection report, demonstration",
            invariant=1,
            lang="en-GB",
        )
        doc.build(story, onFirstPage=decorate, onLaterPages=decorate, canvasmaker=NumberedCanvas)
        os.replace(tmp, pdf_path)
    finally:
        if old_epoch is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old_epoch
    return title, doc.page


def say(line: str) -> None:
    sys.stdout.write(line + "\n")


def check(out: Path) -> None:
    import pypdf

    for pdf in sorted(out.glob("*.pdf")):
        reader = pypdf.PdfReader(pdf)
        texts = [p.extract_text() for p in reader.pages]
        bad = [ch for t in texts for ch in t if ch == "\ufffd"]
        say(
            f"{pdf.name}: {len(reader.pages)} pages, {pdf.stat().st_size // 1024} KB, "
            f"title={reader.metadata.title!r}, replacement chars={len(bad)}"
        )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", type=Path, default=ROOT / "corpus_src")
    ap.add_argument("--out", type=Path, default=ROOT / "corpus")
    ap.add_argument("--check", action="store_true", help="extract the PDFs with pypdf and summarise them")
    args = ap.parse_args(argv)

    args.out.mkdir(parents=True, exist_ok=True)
    for md in sorted(args.src.glob("*.md")):
        pdf = args.out / f"{md.stem}.pdf"
        title, pages = build_pdf(md, pdf)
        say(f"{md.relative_to(args.src)} -> {pdf.name}: {pages} pages, {pdf.stat().st_size} bytes ({title})")
    plain = args.src / "plain"
    if plain.is_dir():
        for f in sorted(plain.iterdir()):
            if f.is_file() and f.suffix in (".txt", ".md"):
                shutil.copyfile(f, args.out / f.name)
                say(f"plain/{f.name} -> {f.name}")
    if args.check:
        check(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
